// A conference on a signaling connection: joins (or resumes) a room, keeps one PeerLink per
// other peer (full mesh), and tells a view what to show. Used by room.html and office.html.

import { PeerLink } from './peer.js';
import { errorText, kickText } from './errors.js';

const RESUME_KEY = 'switchboard.resume';

function loadResume() {
  try {
    return JSON.parse(sessionStorage.getItem(RESUME_KEY) || 'null');
  } catch (e) {
    return null;
  }
}

function storeResume(value) {
  try {
    if (value) sessionStorage.setItem(RESUME_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(RESUME_KEY);
  } catch (e) {
    /* storage disabled: resume is best effort */
  }
}

/**
 * view: {
 *   peerAdded(peer), peerRemoved(peerId, reason), peerUpdated(peer), peerStream(peerId, stream),
 *   peerState(peerId, state), joined(info), message(text, kind), dialStatus(frame), ended(text)
 * }
 */
export class Conference {
  constructor({ connection, view, room, name, dial, trunk, relay, localStream, log }) {
    this.conn = connection;
    this.view = view;
    this.requestedRoom = room;
    this.name = name;
    this.dial = dial || null;
    this.trunk = trunk || null;
    this.relay = !!relay;
    this.localStream = localStream || null;
    this.log = log || (() => {});
    this.peerId = null;
    this.roomId = null;
    this.iceServers = [];
    this.peers = new Map(); // peerId -> {peerId, name, kind, verifiedIdentity}
    this.links = new Map(); // peerId -> PeerLink
    this.resuming = false;
    this.dialSent = false;
    this.active = false;
    this.calls = new Map(); // callId -> last dial-status
    // A camera room (cam_<name>, DESIGN.md "Cameras"): the only link is to the camera peer; the
    // other viewers are listed but never negotiated with.
    this.cameraRoom = /^cam_/.test(room || '');
    this.cameraRetries = 0;
    this.cameraTimer = null;
  }

  /** Backoff before the next camera offer: 2, 4, 8, 16, then 30 s, with some jitter. */
  static cameraDelayMs(attempt) {
    const base = Math.min(30_000, 2000 * 2 ** Math.min(attempt, 4));
    return Math.round(base * (0.85 + Math.random() * 0.3));
  }

  /** Sends the join (or the resume) on the current socket. */
  join({ reconnect = false } = {}) {
    this.active = true;
    const saved = reconnect ? loadResume() : null;
    if (!reconnect) storeResume(null); // a fresh page load is a fresh join (a reload is a leave)
    if (saved && saved.token && saved.room) {
      this.resuming = true;
      this.conn.send({ type: 'join', room: saved.room, name: this.name, resume: saved.token });
      return;
    }
    this.resuming = false;
    const frame = { type: 'join', room: this.roomId || this.requestedRoom, name: this.name };
    // The dial of the URL is sent once, with the first join only.
    if (this.dial && !this.dialSent) {
      frame.dial = this.dial;
      if (this.trunk) frame.trunk = this.trunk;
      this.dialSent = true;
    }
    this.conn.send(frame);
  }

  /** Returns true when the frame was the conference's. */
  handle(frame) {
    switch (frame.type) {
      case 'welcome':
        this.onWelcome(frame);
        return true;
      case 'peer-joined':
        this.upsertPeer(frame);
        return true;
      case 'peer-updated':
        if (this.peers.has(frame.peerId)) this.upsertPeer({ ...this.peers.get(frame.peerId), ...frame });
        return true;
      case 'peer-left':
        this.dropPeer(frame.peerId, frame.reason);
        return true;
      case 'signal':
        this.onSignal(frame);
        return true;
      case 'dial-status':
        this.calls.set(frame.callId, frame);
        this.view.dialStatus(frame);
        return true;
      case 'kicked':
        this.active = false;
        storeResume(null);
        this.view.ended(kickText(frame.reason));
        return true;
      case 'error':
        return this.onError(frame);
      default:
        return false;
    }
  }

  onWelcome(frame) {
    const resumed = frame.resumed === true;
    if (!resumed && this.peerId && this.peerId !== frame.peerId) {
      // A new identity (the resume was refused): every old link is stale.
      this.resetLinks();
    }
    this.resuming = false;
    this.peerId = frame.peerId;
    this.roomId = frame.room;
    this.iceServers = Array.isArray(frame.iceServers) ? frame.iceServers : [];
    storeResume({ room: frame.room, token: frame.resumeToken });

    const current = new Set();
    for (const peer of frame.peers || []) {
      current.add(peer.peerId);
      this.upsertPeer(peer);
    }
    // Peers that left while we were away.
    for (const peerId of [...this.peers.keys()]) {
      if (!current.has(peerId)) this.dropPeer(peerId, 'left');
    }
    // The newcomer offers to every peer; after a resume, only to peers we have no link with.
    for (const peer of frame.peers || []) {
      if (this.cameraRoom && peer.kind !== 'camera') continue; // viewers do not offer to each other
      if (!this.links.has(peer.peerId)) this.linkFor(peer.peerId, true);
    }
    this.log({ event: resumed ? 'resumed' : 'welcome', peerId: this.peerId, peers: [...current] });
    this.view.joined({ peerId: this.peerId, room: this.roomId, resumed });
  }

  upsertPeer(peer) {
    if (!peer || typeof peer.peerId !== 'string' || peer.peerId === this.peerId) return;
    const known = this.peers.get(peer.peerId);
    const next = {
      peerId: peer.peerId,
      name: typeof peer.name === 'string' ? peer.name : known ? known.name : '',
      kind: peer.kind || (known ? known.kind : 'browser'),
      verifiedIdentity: peer.verifiedIdentity || (known ? known.verifiedIdentity : null) || null,
    };
    this.peers.set(peer.peerId, next);
    if (known) this.view.peerUpdated(next);
    else {
      this.log({ event: 'peer-joined', peerId: peer.peerId });
      this.view.peerAdded(next);
    }
  }

  dropPeer(peerId, reason) {
    const link = this.links.get(peerId);
    if (link) link.close();
    this.links.delete(peerId);
    if (this.peers.delete(peerId)) {
      this.log({ event: 'peer-left', peerId, reason });
      this.view.peerRemoved(peerId, reason);
    }
  }

  resetLinks() {
    for (const link of this.links.values()) link.close();
    this.links.clear();
    for (const peerId of [...this.peers.keys()]) this.view.peerRemoved(peerId, 'reset');
    this.peers.clear();
  }

  rtcConfig() {
    const config = { iceServers: this.iceServers };
    if (this.relay) config.iceTransportPolicy = 'relay';
    return config;
  }

  linkFor(peerId, offer) {
    let link = this.links.get(peerId);
    if (link) return link;
    const peer = this.peers.get(peerId) || { peerId, kind: 'browser' };
    link = new PeerLink({
      peerId,
      kind: peer.kind,
      polite: this.peerId < peerId,
      config: this.rtcConfig(),
      localStream: peer.kind === 'camera' ? null : this.localStream,
      send: (data) => this.conn.send({ type: 'signal', to: peerId, data }),
      onStream: (stream) => this.view.peerStream(peerId, stream),
      onState: (state) => {
        this.view.peerState(peerId, state);
        if (peer.kind !== 'camera') return;
        if (state === 'connected') this.cameraUp(peerId);
        else if (state === 'failed') this.retryCamera(peerId, 'failed');
      },
    });
    this.links.set(peerId, link);
    if (offer) link.startAsOfferer();
    return link;
  }

  onSignal(frame) {
    if (typeof frame.from !== 'string' || !frame.data) return;
    if (this.cameraRoom) {
      // Only the camera answers here: nobody else's media is taken in a camera room.
      const peer = this.peers.get(frame.from);
      if (!peer || peer.kind !== 'camera' || !this.links.has(frame.from)) return;
    }
    // A peer we have not heard of yet (its peer-joined raced the signal): create its link.
    if (!this.peers.has(frame.from)) this.upsertPeer({ peerId: frame.from, name: '', kind: 'browser' });
    this.linkFor(frame.from, false).receive(frame.data);
  }

  onError(frame) {
    const code = frame.code;
    if (code === 'invalid-token' && frame.ref === 'join' && this.resuming) {
      // The grace is over (or the token was spent): join afresh as a new peer.
      this.log({ event: 'resume-refused' });
      this.resuming = false;
      storeResume(null);
      this.resetLinks();
      this.peerId = null;
      this.join({ reconnect: false });
      return true;
    }
    if (code === 'unknown-peer' && frame.ref === 'signal') {
      this.log({ event: 'unknown-peer' }); // a race with a peer-left: nothing to tell the user
      return true;
    }
    if (code === 'camera-unavailable' && this.cameraRoom) {
      for (const peer of this.peers.values()) if (peer.kind === 'camera') this.retryCamera(peer.peerId, code);
      return true;
    }
    const fatal = frame.ref === 'join' && ['room-full', 'forbidden', 'bad-frame', 'unknown-camera'].includes(code);
    if (fatal) this.active = false;
    this.view.message(errorText(code), fatal ? 'error' : 'warn', { code, ref: frame.ref, fatal });
    return true;
  }

  /** The camera's media flows: forget the failures. */
  cameraUp(peerId) {
    this.cameraRetries = 0;
    this.log({ event: 'camera-connected', peerId });
    if (this.view.cameraStatus) this.view.cameraStatus({ peerId, state: 'connected' });
  }

  /** The camera did not answer (or its connection failed): a fresh offer after a backoff. */
  retryCamera(peerId, why) {
    if (this.cameraTimer || !this.active) return;
    const delayMs = Conference.cameraDelayMs(this.cameraRetries++);
    this.log({ event: 'camera-retry', peerId, why, attempt: this.cameraRetries, delayMs });
    if (this.view.cameraStatus) this.view.cameraStatus({ peerId, state: 'unavailable', why, delayMs });
    this.cameraTimer = setTimeout(() => {
      this.cameraTimer = null;
      if (!this.active || !this.peers.has(peerId)) return;
      const old = this.links.get(peerId);
      if (old) old.close();
      this.links.delete(peerId);
      if (this.view.cameraStatus) this.view.cameraStatus({ peerId, state: 'retrying' });
      this.linkFor(peerId, true);
    }, delayMs);
  }

  sendDial(number, trunk) {
    const frame = { type: 'dial', number };
    if (trunk) frame.trunk = trunk;
    return this.conn.send(frame);
  }

  hangup(callId) {
    return this.conn.send({ type: 'hangup', callId });
  }

  setLocalStream(stream) {
    this.localStream = stream;
    for (const link of this.links.values()) link.setLocalStream(stream);
  }

  /** Leaves on purpose: final at once for the others. */
  leave() {
    this.active = false;
    clearTimeout(this.cameraTimer);
    this.cameraTimer = null;
    this.conn.send({ type: 'leave' });
    storeResume(null);
    for (const link of this.links.values()) link.close();
    this.links.clear();
    for (const peerId of [...this.peers.keys()]) this.view.peerRemoved(peerId, 'left');
    this.peers.clear();
    this.peerId = null;
  }

  async stats() {
    const out = {};
    for (const [peerId, link] of this.links) out[peerId] = await link.stats();
    return out;
  }
}
