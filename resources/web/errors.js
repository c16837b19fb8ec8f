// User-facing text for every `error` code and close code of the signaling protocol (DESIGN.md).

const ERROR_TEXT = {
  'bad-frame': 'The server did not understand a request from this page. Reloading the page may help.',
  'not-joined': 'You are not in a room any more. Join again to continue.',
  'already-joined': 'This connection is already in a room.',
  'unknown-peer': 'That participant has already left the room.',
  'room-full': 'This room is full. Try again later or pick another room.',
  'unknown-number': 'That number cannot be dialled from here.',
  forbidden: 'This server does not allow that here.',
  'rate-limited': 'Too many requests — slow down a little.',
  'invalid-token': 'Your sign-in or session could not be verified.',
  'bridge-unavailable': 'Telephone calls are not available right now (the phone bridge is offline).',
  'unknown-call': 'That call is no longer ringing.',
  'unknown-camera': 'There is no such camera here, or you may not watch it.',
  'camera-unavailable': 'The camera is not answering right now. Try again in a moment.',
};

export function errorText(code) {
  return ERROR_TEXT[code] || `The server reported an error (${code}).`;
}

export const KNOWN_ERROR_CODES = Object.keys(ERROR_TEXT);

const KICK_TEXT = {
  admin: 'An administrator removed you from this room.',
  replaced: 'This session was continued in another tab or window.',
  shutdown: 'The server is shutting down.',
};

export function kickText(reason) {
  return KICK_TEXT[reason] || 'You were disconnected by the server.';
}

/** What the client should do after a close code: 'reconnect', 'wait' or 'stop'. */
export function closeAction(code) {
  switch (code) {
    case 1007: // invalid UTF-8: a bug of ours, retrying sends the same
    case 1008: // unknown Host, failed bridge-hello, no first frame
    case 1009: // frame too large
    case 4000: // kicked by an admin
    case 4001: // replaced by a newer socket of the same peer
      return 'stop';
    case 4008:
      return 'wait';
    default: // 1001 shutdown, 1006 network drop, 4002 keepalive, 4003 slow reader, ...
      return 'reconnect';
  }
}

export function closeText(code) {
  switch (code) {
    case 1007: return 'The connection was closed because of a broken message.';
    case 1008: return 'The server refused this connection.';
    case 1009: return 'The connection was closed because a message was too large.';
    case 4000: return KICK_TEXT.admin;
    case 4001: return KICK_TEXT.replaced;
    case 4008: return 'Too many requests: waiting before reconnecting.';
    default: return 'Connection lost — reconnecting…';
  }
}
