// virtual-numbers-overview.html: lists GET /signal.ashx?vnum-overview=1.
// Shape (DESIGN.md): {virtualNumbers: [{number, name, mode, dialUrl, visibility, available}]}

import { fetchFlag, h, notice, safeHref } from './common.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 30000;

const MODE_TEXT = {
  'gemini-live': 'AI receptionist',
  ai: 'AI receptionist',
  tts: 'Recorded message',
};

function callHref(row) {
  return safeHref(row.dialUrl) ||
    `/room.html?room=random&dial=${encodeURIComponent(row.number)}&cam=off`;
}

function render(body) {
  const rows = Array.isArray(body.virtualNumbers) ? body.virtualNumbers : [];
  $('numbers').replaceChildren(
    ...(rows.length
      ? rows.map((row) => {
          const available = row.available !== false;
          return h('tr', { class: 'vnum-row', dataset: { number: String(row.number) } },
            h('td', {}, h('strong', { text: String(row.number) })),
            h('td', { text: String(row.name || '') }),
            h('td', { class: 'muted', text: MODE_TEXT[row.mode] || String(row.mode || '') }),
            h('td', {}, h('span', { class: `pill ${available ? 'ok' : 'bad'}`, text: available ? 'available' : 'unavailable' })),
            h('td', {}, h('a', {
              class: `button${available ? '' : ' disabled'}`,
              href: callHref(row),
              'aria-disabled': available ? 'false' : 'true',
              text: 'Call',
            })));
        })
      : [h('tr', {}, h('td', { colspan: 5, class: 'empty', text: 'No public numbers are listed.' }))]),
  );
  document.body.dataset.loaded = 'true';
}

async function load() {
  try {
    render(await fetchFlag('vnum-overview'));
    notice($('vnum-notice'), '');
  } catch (e) {
    notice($('vnum-notice'), `The directory is unavailable. ${e.message}`, 'error');
    document.body.dataset.loaded = 'error';
  } finally {
    setTimeout(load, REFRESH_MS);
  }
}

load();
