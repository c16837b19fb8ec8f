// The signaling socket of a page: one WebSocket to /signal.ashx at a time, keepalive pings, and
// automatic reconnects after network drops. What to send after (re)connecting — a `join` with a
// `resume` token, a `register` — is up to the owner, which listens to the events below.
//
// Events: 'open' (detail {reconnect}), 'frame' (detail: the parsed server frame),
//         'down' (detail {code, action, delayMs}), 'stopped' (detail {code}).

import { signalUrl } from './common.js';
import { closeAction } from './errors.js';

const BACKOFF_MS = [250, 1000, 2000, 4000, 8000, 10000];
const RATE_LIMIT_WAIT_MS = 15000;

export class SignalingConnection extends EventTarget {
  constructor({ url = signalUrl() } = {}) {
    super();
    this.url = url;
    this.ws = null;
    this.attempt = 0;
    this.opened = false; // at least one socket reached OPEN
    this.stopped = false;
    this.keepaliveSec = 25;
    this.lastHeardAt = 0;
    this.pingTimer = null;
    this.retryTimer = null;
  }

  connect() {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      const reconnect = this.opened;
      this.opened = true;
      this.lastHeardAt = Date.now();
      this.startKeepalive();
      this.dispatchEvent(new CustomEvent('open', { detail: { reconnect } }));
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      this.lastHeardAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        console.warn('switchboard: unreadable frame from the server');
        return;
      }
      if (!frame || typeof frame.type !== 'string') return;
      if (frame.type === 'welcome' && Number.isInteger(frame.keepaliveSec) && frame.keepaliveSec > 0) {
        this.keepaliveSec = frame.keepaliveSec;
        this.startKeepalive();
      }
      // A welcome resets the back-off: the server took us back.
      if (frame.type === 'welcome' || frame.type === 'registered') this.attempt = 0;
      this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.socketDown(event.code);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  get isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** Ends the session on purpose: a close frame, so the server ends the membership at once. */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopKeepalive();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'bye');
  }

  startKeepalive() {
    this.stopKeepalive();
    // Ping twice per keepalive period; a socket that has been silent for over two periods is dead
    // even if the browser has not noticed yet (e.g. a laptop that slept).
    const periodMs = Math.max(2000, (this.keepaliveSec * 1000) / 2);
    this.pingTimer = setInterval(() => {
      if (!this.isOpen) return;
      if (Date.now() - this.lastHeardAt > 4 * periodMs + 5000) {
        this.abandon();
        return;
      }
      this.send({ type: 'ping' });
    }, periodMs);
  }

  stopKeepalive() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  // Leaves a socket that looks dead without a close frame: the server holds our peer for the
  // resume grace, and a resume on the new socket replaces the old one (close 4001).
  abandon() {
    const ws = this.ws;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
    }
    this.socketDown(1006);
  }

  socketDown(code) {
    this.stopKeepalive();
    this.ws = null;
    if (this.stopped) return;
    const action = closeAction(code);
    if (action === 'stop') {
      this.stopped = true;
      this.dispatchEvent(new CustomEvent('stopped', { detail: { code } }));
      return;
    }
    const delayMs =
      action === 'wait' ? RATE_LIMIT_WAIT_MS : BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.dispatchEvent(new CustomEvent('down', { detail: { code, action, delayMs } }));
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }
}
