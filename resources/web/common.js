// Small helpers shared by the bundled pages. No framework, no build step.

/** The signaling endpoint of the server that served this page (same origin). */
export function signalUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/signal.ashx`;
}

/** GET /signal.ashx?<flag>=1 and parse the JSON answer; throws an Error with a readable message. */
export async function fetchFlag(flag, { signal, headers } = {}) {
  let response;
  try {
    response = await fetch(`/signal.ashx?${encodeURIComponent(flag)}=1`, {
      cache: 'no-store',
      signal,
      headers,
    });
  } catch (e) {
    throw new Error('The server cannot be reached.');
  }
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.message === 'string' ? `: ${body.message}` : '';
    throw new Error(`The server answered HTTP ${response.status}${detail}`);
  }
  if (!body || typeof body !== 'object') throw new Error('The server sent an unreadable answer.');
  return body;
}

/** document.createElement with properties, attributes and children. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Shows a message in a `.notice` element (kind: info, warn, error); empty text hides it. */
export function notice(element, text, kind = 'info') {
  element.textContent = text || '';
  element.className = `notice ${kind}`;
  element.classList.toggle('hidden', !text);
}

/** "12 s ago", "3 min ago", "2 h ago" */
export function ago(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return 'never';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** Only http(s) links from the server are used as hrefs. */
export function safeHref(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch (e) {
    return null;
  }
}
