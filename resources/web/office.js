// office.html: an office phone in the browser. Registers with an office key (`register`), rings
// audibly (WebAudio) and visibly on `ring`, answers or declines, and on a won answer joins the
// call's room on the same socket (a socket may be registered and in a room at once).

import { h, notice } from './common.js';
import { Conference } from './conference.js';
import { SignalingConnection } from './signaling.js';
import { closeText, errorText } from './errors.js';
import { Ringtone } from './ringtone.js';

const $ = (id) => document.getElementById(id);
const ringtone = new Ringtone();

const state = {
  conn: null,
  extension: null,
  key: null,
  name: null,
  registered: false,
  rings: new Map(), // callId -> {frame, card}
  answering: null, // callId we answered, waiting for ring-cleared answered
  conference: null,
  localStream: null,
  muted: false,
  tiles: new Map(),
  events: [],
};
window.switchboard = { state, events: state.events };

function log(text) {
  state.events.push({ at: Date.now(), text });
  $('log').prepend(h('li', { text: `${new Date().toLocaleTimeString()} — ${text}` }));
}

function setPhoneState(text, kind) {
  const pill = $('phone-state');
  pill.textContent = text;
  pill.className = `pill ${kind || ''}`;
}

// ---- rings ----

function showRing(frame) {
  if (state.rings.has(frame.callId)) return;
  const who = frame.fromName ? `${frame.fromName}` : frame.from || 'Unknown caller';
  const card = h('div', { class: 'card ring-card', dataset: { callId: frame.callId } },
    h('div', { class: 'muted', text: `Incoming call for ${frame.to === '*' ? 'the office' : `extension ${frame.to}`}` }),
    h('div', { class: 'caller', text: who }),
    frame.fromName && frame.from ? h('div', { class: 'muted', text: frame.from }) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'ok', text: 'Answer', onclick: () => answer(frame.callId) }),
      h('button', { type: 'button', class: 'danger', text: 'Decline', onclick: () => decline(frame.callId) })));
  $('rings').append(card);
  state.rings.set(frame.callId, { frame, card });
  ringtone.start();
  updateTitle();
  log(`ringing: ${who}`);
}

function clearRing(callId, reason) {
  const ring = state.rings.get(callId);
  if (!ring) return null;
  ring.card.remove();
  state.rings.delete(callId);
  if (state.rings.size === 0) ringtone.stop();
  updateTitle();
  log(`ring ended (${reason})`);
  return ring.frame;
}

function updateTitle() {
  document.title = state.rings.size ? `(${state.rings.size}) Ringing · Switchboard` : 'Office phone · Switchboard';
}

function answer(callId) {
  if (state.conference) {
    notice($('office-notice'), 'Hang up the current call first.', 'warn');
    return;
  }
  state.answering = callId;
  ringtone.stop();
  state.conn.send({ type: 'answer', callId });
}

function decline(callId) {
  state.conn.send({ type: 'decline', callId });
}

// ---- the call ----

const callView = {
  peerAdded(peer) {
    if (state.tiles.has(peer.peerId)) return;
    const video = h('video', { autoplay: true, playsInline: true });
    const tile = h('div', { class: 'tile' }, video, h('div', { class: 'avatar', text: '\u260E' }),
      h('div', { class: 'label', text: peer.name || (peer.kind === 'bridge' ? 'Caller' : 'Guest') }));
    state.tiles.set(peer.peerId, { tile, video });
    $('call-tiles').append(tile);
  },
  peerUpdated() {},
  peerRemoved(peerId) {
    const t = state.tiles.get(peerId);
    if (t) t.tile.remove();
    state.tiles.delete(peerId);
    if (state.conference && state.tiles.size === 0 && state.conference.peerId) {
      notice($('call-notice'), 'The other side has left the call.', 'info');
    }
  },
  peerStream(peerId, stream) {
    const t = state.tiles.get(peerId);
    if (!t) return;
    t.video.srcObject = stream;
    t.tile.classList.toggle('has-video', stream.getVideoTracks().length > 0);
    t.video.play().catch(() => {});
  },
  peerState() {},
  joined({ room }) {
    $('call-room').textContent = room;
    log('joined the call');
  },
  message(text, kind) {
    notice($('call-notice'), text, kind);
  },
  dialStatus() {},
  ended(text) {
    endCall(text);
  },
};

async function joinCall(room) {
  $('call').classList.remove('hidden');
  notice($('call-notice'), '');
  try {
    state.localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  } catch (e) {
    state.localStream = null;
    notice($('call-notice'), 'No microphone available: you can listen only.', 'warn');
  }
  state.conference = new Conference({
    connection: state.conn,
    view: callView,
    room,
    name: state.name,
    localStream: state.localStream,
    log: (e) => state.events.push({ at: Date.now(), ...e }),
  });
  state.conference.join();
}

function endCall(text) {
  if (state.conference && state.conference.active) state.conference.leave();
  state.conference = null;
  if (state.localStream) state.localStream.getTracks().forEach((t) => t.stop());
  state.localStream = null;
  for (const peerId of [...state.tiles.keys()]) callView.peerRemoved(peerId);
  $('call').classList.add('hidden');
  if (text) notice($('office-notice'), text, 'info');
  log('call ended');
}

// ---- the socket ----

function onFrame(frame) {
  switch (frame.type) {
    case 'registered':
      state.registered = true;
      setPhoneState(`extension ${frame.extension}`, 'ok');
      notice($('office-notice'), '');
      log(`registered as ${frame.extension}`);
      return;
    case 'ring':
      showRing(frame);
      return;
    case 'ring-cleared': {
      const ring = clearRing(frame.callId, frame.reason);
      if (frame.reason === 'answered' && state.answering === frame.callId && ring) {
        state.answering = null;
        joinCall(ring.room);
      } else if (state.answering === frame.callId) {
        state.answering = null;
        if (frame.reason === 'answered-elsewhere') notice($('office-notice'), 'Someone else answered that call.', 'info');
      }
      return;
    }
    case 'error':
      if (['register', 'answer', 'decline'].includes(frame.ref) || !state.conference) {
        onError(frame);
        return;
      }
      break;
    case 'pong':
      return;
    default:
      break;
  }
  if (state.conference && state.conference.handle(frame)) return;
  if (frame.type === 'kicked') endCall('');
}

function onError(frame) {
  if (frame.ref === 'register') {
    const text = frame.code === 'forbidden' ? 'The office key was not accepted.' : errorText(frame.code);
    notice($('office-notice'), text, 'error');
    setPhoneState('not registered', 'bad');
    log(`register refused: ${frame.code}`);
    state.registered = false;
    if (frame.code === 'rate-limited') return; // the next automatic try may pass
    // Retrying the same key would fail the same way: let the user correct it.
    state.conn.stop();
    $('register-form').classList.remove('hidden');
    $('unregister-card').classList.add('hidden');
    return;
  }
  if (frame.ref === 'answer' && state.answering) {
    state.answering = null;
    if (state.rings.size) ringtone.start();
  }
  notice($('office-notice'), errorText(frame.code), 'warn');
  log(`error: ${frame.code}`);
}

function register(extension, key, name) {
  state.extension = extension;
  state.key = key;
  state.name = name;
  const conn = new SignalingConnection();
  state.conn = conn;
  conn.addEventListener('open', (event) => {
    conn.send({ type: 'register', extension: state.extension, officeKey: state.key });
    if (event.detail.reconnect && state.conference && state.conference.active) {
      state.conference.join({ reconnect: true });
    }
  });
  conn.addEventListener('frame', (event) => onFrame(event.detail));
  conn.addEventListener('down', (event) => {
    setPhoneState('reconnecting…', 'warn');
    log(closeText(event.detail.code));
  });
  conn.addEventListener('stopped', (event) => {
    setPhoneState('not registered', 'bad');
    notice($('office-notice'), closeText(event.detail.code), 'error');
    $('register-form').classList.remove('hidden');
  });
  conn.connect();
  setPhoneState('registering…', 'warn');
}

function main() {
  $('reg-name').value = localStorage.getItem('switchboard.name') || '';
  $('register-form').addEventListener('submit', (event) => {
    event.preventDefault();
    ringtone.unlock(); // inside the click: browsers allow audio from here on
    const extension = $('reg-extension').value.trim();
    const key = $('reg-key').value;
    const name = $('reg-name').value.trim();
    if (!extension || !key || !name) return;
    try {
      localStorage.setItem('switchboard.name', name);
    } catch (e) {
      /* ignore */
    }
    $('register-form').classList.add('hidden');
    $('unregister-card').classList.remove('hidden');
    register(extension, key, name);
  });
  $('btn-unregister').addEventListener('click', () => {
    endCall('');
    if (state.conn) state.conn.stop();
    state.registered = false;
    setPhoneState('not registered', '');
    $('register-form').classList.remove('hidden');
    $('unregister-card').classList.add('hidden');
  });
  $('btn-hangup').addEventListener('click', () => endCall('Call ended.'));
  $('btn-call-mute').addEventListener('click', () => {
    state.muted = !state.muted;
    if (state.localStream) state.localStream.getAudioTracks().forEach((t) => { t.enabled = !state.muted; });
    $('btn-call-mute').textContent = state.muted ? 'Unmute' : 'Mute';
    $('btn-call-mute').classList.toggle('toggled', state.muted);
  });
}

main();
