// room.html: the conference page. URL: room.html?room=<id|random>&name=<you>[&dial=<number>]
// [&trunk=<id>][&cam=off][&relay=1]. relay=1 forces TURN relay (iceTransportPolicy "relay").
// room=cam_<name> watches a camera: one receive-only tile, no local media, no name needed.

import { h, notice } from './common.js';
import { Conference } from './conference.js';
import { SignalingConnection } from './signaling.js';
import { closeText } from './errors.js';

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const ROOM_RE = /^[A-Za-z0-9_-]{1,64}$/;
const isCameraRoom = (room) => /^cam_/.test(room);

const state = {
  conn: null,
  conference: null,
  localStream: null,
  muted: false,
  cameraOff: params.get('cam') === 'off',
  camera: false, // watching a camera room (cam_<name>)
  tiles: new Map(),
  events: [], // what the page saw, for people debugging and for the browser tests
};

// The browser tests read this; it holds nothing the page does not already show.
window.switchboard = {
  state,
  events: state.events,
  get peerId() {
    return state.conference ? state.conference.peerId : null;
  },
  get room() {
    return state.conference ? state.conference.roomId : null;
  },
  tileIds: () => [...state.tiles.keys()].filter((id) => id !== 'self'),
  stats: () => (state.conference ? state.conference.stats() : Promise.resolve({})),
};

function record(event) {
  state.events.push({ at: Date.now(), ...event });
  if (state.events.length > 500) state.events.shift();
}

function show(view) {
  for (const id of ['join-view', 'room-view', 'left-view']) $(id).classList.toggle('hidden', id !== view);
}

function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  return (parts.length ? parts.slice(0, 2).map((p) => [...p][0]).join('') : '?').toUpperCase();
}

// ---- tiles ----

function makeTile(id, peer, self = false) {
  const video = h('video', { autoplay: true, playsInline: true, muted: self });
  const label = h('div', { class: 'label' });
  const stateBadge = h('div', { class: 'state hidden' });
  const tile = h('div', { class: `tile${self ? ' self' : ''}`, dataset: { peerId: id } },
    video, h('div', { class: 'avatar' }), label, stateBadge);
  const entry = { tile, video, label, stateBadge };
  state.tiles.set(id, entry);
  renderLabel(entry, peer, self);
  $('tiles').append(tile);
  return entry;
}

function renderLabel(entry, peer, self) {
  const name = peer.name || (peer.kind === 'bridge' ? 'Phone call' : 'Guest');
  entry.label.replaceChildren(h('span', { class: 'name', text: self ? `${name} (you)` : name }));
  if (peer.kind === 'bridge') entry.label.prepend(h('span', { text: '\u260E' }));
  if (peer.kind === 'camera') entry.label.prepend(h('span', { text: '\u{1F4F7}' }));
  const verified = peer.verifiedIdentity;
  if (verified) {
    const who = typeof verified === 'object' ? verified.name : String(verified);
    const issuer = typeof verified === 'object' && verified.issuer ? ` by ${verified.issuer}` : '';
    entry.label.append(h('span', { class: 'badge-verified', title: `Verified${issuer}`, text: who || 'verified' }));
  }
  entry.tile.querySelector('.avatar').textContent = initials(name);
}

function setTileStream(entry, stream) {
  if (entry.video.srcObject !== stream) entry.video.srcObject = stream;
  const hasVideo = !!stream && stream.getVideoTracks().some((t) => t.readyState === 'live');
  entry.tile.classList.toggle('has-video', hasVideo);
  entry.video.play().catch(() => {});
}

const view = {
  peerAdded(peer) {
    // In a camera room the other viewers get no tile: there is nothing to see of them.
    if (state.camera && peer.kind !== 'camera') return;
    if (!state.tiles.has(peer.peerId)) makeTile(peer.peerId, peer);
  },
  peerUpdated(peer) {
    const entry = state.tiles.get(peer.peerId);
    if (entry) renderLabel(entry, peer, false);
  },
  peerRemoved(peerId) {
    const entry = state.tiles.get(peerId);
    if (!entry) return;
    entry.video.srcObject = null;
    entry.tile.remove();
    state.tiles.delete(peerId);
  },
  peerStream(peerId, stream) {
    const entry = state.tiles.get(peerId);
    if (entry) setTileStream(entry, stream);
    stream.onaddtrack = () => entry && setTileStream(entry, stream);
  },
  peerState(peerId, connectionState) {
    const entry = state.tiles.get(peerId);
    if (!entry) return;
    const quiet = connectionState === 'connected';
    entry.stateBadge.textContent = connectionState;
    entry.stateBadge.classList.toggle('hidden', quiet);
  },
  joined({ room, resumed }) {
    $('room-name').textContent = state.camera ? `Camera ${room.slice(4)}` : `Room ${room}`;
    $('room-title').textContent = room;
    document.title = `${room} · Switchboard`;
    // A random room becomes a shareable link once the server has minted its id.
    const url = new URL(location.href);
    if (url.searchParams.get('room') !== room) {
      url.searchParams.set('room', room);
      url.searchParams.delete('dial');
      history.replaceState(null, '', url);
    }
    notice($('room-notice'), resumed ? 'Reconnected.' : '', 'info');
    if (resumed) setTimeout(() => notice($('room-notice'), ''), 2500);
  },
  message(text, kind, info) {
    record({ event: 'error', code: info && info.code, ref: info && info.ref });
    notice($('room-notice'), text, kind);
    if (info && info.fatal) ended(text, 'Could not join');
  },
  dialStatus(frame) {
    renderDialStatus(frame);
  },
  cameraStatus({ peerId, state: cameraState, delayMs }) {
    const entry = state.tiles.get(peerId);
    if (cameraState === 'unavailable') {
      const seconds = Math.max(1, Math.round(delayMs / 1000));
      record({ event: 'camera-unavailable', delayMs });
      notice($('room-notice'), `The camera is not available right now. Trying again in ${seconds} s…`, 'warn');
      if (entry) {
        entry.stateBadge.textContent = 'unavailable';
        entry.stateBadge.classList.remove('hidden');
      }
    } else if (cameraState === 'retrying') {
      notice($('room-notice'), 'Trying the camera again…', 'info');
    } else if (cameraState === 'connected') {
      notice($('room-notice'), '');
    }
  },
  ended(text) {
    ended(text, 'Disconnected');
  },
};

// ---- dial pad ----

function renderDialStatus(frame) {
  const list = $('dial-status');
  let row = list.querySelector(`[data-call-id="${CSS.escape(String(frame.callId))}"]`);
  if (!row) {
    row = h('li', { dataset: { callId: String(frame.callId) } });
    list.prepend(row);
  }
  const label = frame.reason ? `${frame.state} (${frame.reason})` : frame.state;
  const live = !['failed', 'ended'].includes(frame.state);
  row.replaceChildren(
    h('span', { text: frame.number || '' }),
    h('span', { class: `pill ${frame.state === 'answered' ? 'ok' : live ? 'warn' : 'bad'}`, text: label }),
    live ? h('button', { type: 'button', class: 'danger', text: 'Hang up',
      onclick: () => state.conference && state.conference.hangup(frame.callId) }) : null,
  );
  $('dial-panel').classList.remove('hidden');
}

function buildDialPad() {
  const keys = $('dial-keys');
  for (const key of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '0', '#']) {
    keys.append(h('button', { type: 'button', text: key, onclick: () => { $('dial-number').value += key; } }));
  }
  $('dial-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const number = $('dial-number').value.trim();
    if (!number || !state.conference) return;
    if (state.conference.sendDial(number, params.get('trunk') || undefined)) {
      record({ event: 'dial', number });
      $('dial-number').value = '';
    }
  });
  $('btn-dialpad').addEventListener('click', () => {
    const panel = $('dial-panel');
    panel.classList.toggle('hidden');
    $('btn-dialpad').setAttribute('aria-expanded', String(!panel.classList.contains('hidden')));
  });
}

// ---- media ----

async function openLocalMedia() {
  const wantVideo = !state.cameraOff;
  try {
    // A full mesh sends one copy per peer: a modest resolution and rate keep 16 peers possible.
    const video = wantVideo ? { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15, max: 24 } } : false;
    return await navigator.mediaDevices.getUserMedia({ audio: true, video });
  } catch (e) {
    try {
      // No camera (or it is busy): audio only is better than nothing.
      if (wantVideo) return await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (e2) {
      /* fall through */
    }
    notice($('room-notice'), 'No camera or microphone available: you can watch and listen only.', 'warn');
    return null;
  }
}

function applyTrackState() {
  const stream = state.localStream;
  if (stream) {
    for (const t of stream.getAudioTracks()) t.enabled = !state.muted;
    for (const t of stream.getVideoTracks()) t.enabled = !state.cameraOff;
  }
  const mute = $('btn-mute');
  mute.textContent = state.muted ? 'Unmute' : 'Mute';
  mute.classList.toggle('toggled', state.muted);
  mute.setAttribute('aria-pressed', String(state.muted));
  const cam = $('btn-camera');
  const hasVideo = !!stream && stream.getVideoTracks().length > 0;
  cam.disabled = !hasVideo;
  cam.textContent = state.cameraOff || !hasVideo ? 'Camera on' : 'Camera off';
  cam.classList.toggle('toggled', state.cameraOff);
  cam.setAttribute('aria-pressed', String(state.cameraOff));
  const self = state.tiles.get('self');
  if (self) self.tile.classList.toggle('has-video', hasVideo && !state.cameraOff);
}

// ---- lifecycle ----

function ended(text, title) {
  if (state.conn) state.conn.stop();
  $('left-title').textContent = title;
  $('left-text').textContent = text || '';
  show('left-view');
}

async function start(room, name) {
  show('room-view');
  $('room-name').textContent = room === 'random' ? 'New room' : `Room ${room}`;
  state.camera = isCameraRoom(room);
  if (state.camera) {
    // Watching a camera: receive only, so no microphone, camera, self tile or dial pad.
    for (const id of ['btn-mute', 'btn-camera', 'btn-dialpad']) $(id).classList.add('hidden');
    $('tiles').setAttribute('aria-label', 'Camera');
    $('tiles').classList.add('camera');
  } else {
    state.localStream = await openLocalMedia();
    const self = makeTile('self', { name, kind: 'browser' }, true);
    if (state.localStream) setTileStream(self, state.localStream);
    applyTrackState();
  }

  const conn = new SignalingConnection();
  state.conn = conn;
  const conference = new Conference({
    connection: conn,
    view,
    room,
    name,
    dial: params.get('dial'),
    trunk: params.get('trunk'),
    relay: params.get('relay') === '1',
    localStream: state.localStream,
    log: record,
  });
  state.conference = conference;

  conn.addEventListener('open', (event) => {
    record({ event: 'socket-open', reconnect: event.detail.reconnect });
    conference.join({ reconnect: event.detail.reconnect });
  });
  conn.addEventListener('frame', (event) => {
    const frame = event.detail;
    if (frame.type === 'pong') return;
    if (!conference.handle(frame)) record({ event: 'unhandled', type: frame.type });
  });
  conn.addEventListener('down', (event) => {
    record({ event: 'socket-down', code: event.detail.code });
    if (conference.active) notice($('room-notice'), closeText(event.detail.code), 'warn');
  });
  conn.addEventListener('stopped', (event) => {
    record({ event: 'socket-stopped', code: event.detail.code });
    ended(closeText(event.detail.code), event.detail.code === 4001 ? 'Continued elsewhere' : 'Disconnected');
  });
  conn.connect();
}

function leave() {
  if (state.conference) state.conference.leave();
  if (state.conn) state.conn.stop();
  for (const [id, entry] of state.tiles) {
    if (id !== 'self') view.peerRemoved(id);
  }
  record({ event: 'left' });
  ended('You can join the same room again.', 'You left the room');
}

function main() {
  buildDialPad();
  $('btn-mute').addEventListener('click', () => {
    state.muted = !state.muted;
    applyTrackState();
  });
  $('btn-camera').addEventListener('click', () => {
    state.cameraOff = !state.cameraOff;
    applyTrackState();
  });
  $('btn-leave').addEventListener('click', leave);
  $('btn-rejoin').addEventListener('click', () => {
    const url = new URL(location.href);
    url.searchParams.delete('dial');
    location.replace(url);
  });
  window.addEventListener('pagehide', () => {
    // Closing or reloading the tab is a leave (the browser sends close 1001 anyway).
    if (state.conn) state.conn.stop();
  });

  const room = (params.get('room') || '').trim();
  let name = (params.get('name') || '').trim();
  if (!name && isCameraRoom(room)) {
    // A viewer of a camera needs no name of their own to show.
    try {
      name = localStorage.getItem('switchboard.name') || '';
    } catch (e) {
      /* ignore */
    }
    name = name || 'Viewer';
  }
  if (room && name && (room === 'random' || ROOM_RE.test(room))) {
    start(room, name);
    return;
  }
  show('join-view');
  $('join-room').value = room || 'random';
  $('join-name').value = name || localStorage.getItem('switchboard.name') || '';
  (name ? $('join-room') : $('join-name')).focus();
  $('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const chosenRoom = $('join-room').value.trim();
    const chosenName = $('join-name').value.trim();
    if (!chosenName || !(chosenRoom === 'random' || ROOM_RE.test(chosenRoom))) return;
    try {
      localStorage.setItem('switchboard.name', chosenName);
    } catch (e) {
      /* ignore */
    }
    const url = new URL(location.href);
    url.searchParams.set('room', chosenRoom);
    url.searchParams.set('name', chosenName);
    history.replaceState(null, '', url);
    start(chosenRoom, chosenName);
  });
}

main();
