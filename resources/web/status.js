// status.html: polls GET /signal.ashx?healthsummary=1 every few seconds.
// Shape (DESIGN.md): {build, tenant, rooms: [{id, peers}], trunks: [{id, registered, lastSeenSec}],
// vnumCallsLast24h}

import { ago, fetchFlag, h, notice } from './common.js';

const POLL_MS = 5000;
const $ = (id) => document.getElementById(id);

function emptyRow(columns, text) {
  return h('tr', {}, h('td', { colspan: columns, class: 'empty', text }));
}

export function render(summary) {
  const rooms = Array.isArray(summary.rooms) ? summary.rooms : [];
  const trunks = Array.isArray(summary.trunks) ? summary.trunks : [];
  const peers = rooms.reduce((sum, r) => sum + (Number.isFinite(r.peers) ? r.peers : 0), 0);

  $('tenant').textContent = summary.tenant ? `· ${summary.tenant}` : '';
  $('build').textContent = summary.build || '–';
  $('room-count').textContent = String(rooms.length);
  $('peer-count').textContent = String(peers);
  $('vnum-calls').textContent = Number.isFinite(summary.vnumCallsLast24h) ? String(summary.vnumCallsLast24h) : '–';

  $('rooms').replaceChildren(
    ...(rooms.length
      ? rooms.map((r) => h('tr', { class: 'room-row' }, h('td', { text: String(r.id) }), h('td', { text: String(r.peers) })))
      : [emptyRow(2, 'No live rooms right now.')]),
  );
  $('trunks').replaceChildren(
    ...(trunks.length
      ? trunks.map((t) =>
          h('tr', { class: 'trunk-row' },
            h('td', { text: String(t.id) }),
            h('td', {}, h('span', { class: `pill ${t.registered ? 'ok' : 'bad'}`, text: t.registered ? 'registered' : 'not registered' })),
            h('td', { text: ago(t.lastSeenSec) })))
      : [emptyRow(3, 'No trunks reported.')]),
  );
  $('updated').textContent = new Date().toLocaleTimeString();
  document.body.dataset.loaded = 'true';
}

/** The cameras of ?cameras=1 ({cameras: [{name, streamId}]}) as links to their rooms. */
export function renderCameras(body) {
  const cameras = Array.isArray(body && body.cameras) ? body.cameras : [];
  const valid = cameras.filter((c) => c && typeof c.name === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(c.name));
  $('cameras').replaceChildren(
    ...(valid.length
      ? valid.map((c) =>
          h('li', { class: 'camera-row', dataset: { camera: c.name } },
            h('a', { href: `/room.html?room=cam_${encodeURIComponent(c.name)}`, text: c.name })))
      : [h('li', { class: 'empty', text: 'No cameras.' })]),
  );
}

async function loadCameras() {
  try {
    renderCameras(await fetchFlag('cameras'));
  } catch (e) {
    $('cameras').replaceChildren(h('li', { class: 'empty', text: `Cameras unavailable. ${e.message}` }));
  }
}

async function poll() {
  try {
    render(await fetchFlag('healthsummary'));
    notice($('status-notice'), '');
  } catch (e) {
    notice($('status-notice'), `Health summary unavailable. ${e.message}`, 'error');
    document.body.dataset.loaded = 'error';
  } finally {
    setTimeout(poll, document.hidden ? POLL_MS * 4 : POLL_MS);
  }
}

loadCameras();
poll();
