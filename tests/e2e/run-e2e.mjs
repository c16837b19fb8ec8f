#!/usr/bin/env node
// Real-browser end-to-end tests: the real switchboard-server, a real coturn and Debian's
// Chromium (driven by playwright-core over CDP), all on loopback. See docs/web-client.md.
//
//   node run-e2e.mjs --server build/bin/switchboard-server [--out build/e2e-screenshots]
//                    [--update-docs docs/room.png]
//
// Exit codes: 0 all passed, 1 a case failed, 77 a prerequisite (node module, chromium,
// turnserver, server binary) is missing — ctest reports that as skipped.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SUITE_TIMEOUT_MS = 270_000;
const RESUME_GRACE_SEC = 6;
const CHROMIUM = process.env.SB_E2E_CHROMIUM || '/usr/bin/chromium';
const TURNSERVER = process.env.SB_E2E_TURNSERVER || '/usr/bin/turnserver';

// ---------------------------------------------------------------- arguments, prerequisites

function parseArgs(argv) {
  const out = { server: null, out: null, updateDocs: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--server') out.server = argv[++i];
    else if (a === '--out') out.out = argv[++i];
    else if (a === '--update-docs') out.updateDocs = argv[++i];
    else if (a === '--keep-temp') out.keep = true;
    else throw new Error(`unknown argument ${a}`);
  }
  const root = path.resolve(HERE, '..', '..');
  out.server = path.resolve(out.server || path.join(root, 'build', 'bin', 'switchboard-server'));
  out.out = path.resolve(out.out || path.join(root, 'build', 'e2e-screenshots'));
  return out;
}

function skip(why) {
  // In CI every prerequisite is installed by `make test`: a missing one is a failure there.
  if (process.env.CI) {
    console.log(`FAILED: ${why}`);
    process.exit(1);
  }
  console.log(`SKIPPED: ${why}`);
  process.exit(77);
}

const args = parseArgs(process.argv.slice(2));
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  skip(`playwright-core is not installed: run (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci) or make deps`);
}
for (const [what, file] of [['chromium', CHROMIUM], ['turnserver (coturn)', TURNSERVER], ['switchboard-server', args.server]]) {
  if (!fs.existsSync(file)) skip(`${what} not found at ${file}`);
}

// ---------------------------------------------------------------- small utilities

const log = (...a) => console.log(`[e2e ${new Date().toISOString().slice(11, 23)}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; throws `what` after `timeoutMs`. */
async function waitFor(what, fn, timeoutMs = 20_000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `: ${last.message}` : last !== undefined ? `: last ${JSON.stringify(last)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it back, release it). */
function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function freeUdpAndTcpPort() {
  const dgram = await import('node:dgram');
  for (let i = 0; i < 20; i++) {
    const port = await freeTcpPort();
    const ok = await new Promise((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free UDP+TCP port found');
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

// ---------------------------------------------------------------- processes we own

const owned = []; // {name, child}
let tempDir = null;
let context = null;

function startProcess(name, file, argv, options = {}) {
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const entry = { name, child, output: '' };
  const keep = (chunk) => {
    entry.output += chunk.toString();
    if (entry.output.length > 200_000) entry.output = entry.output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => {
    entry.exited = { code, signal };
  });
  owned.push(entry);
  return entry;
}

async function stopProcess(entry) {
  if (!entry || entry.exited || entry.child.exitCode !== null) return;
  entry.child.kill('SIGTERM');
  const deadline = Date.now() + 5000;
  while (!entry.exited && Date.now() < deadline) await sleep(50);
  if (!entry.exited) entry.child.kill('SIGKILL');
}

let cleaning = null;
function cleanup() {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    if (context) {
      await Promise.race([context.close().catch(() => {}), sleep(10_000)]);
      context = null;
    }
    for (const entry of owned.reverse()) await stopProcess(entry);
    if (tempDir && !args.keep) fs.rmSync(tempDir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    log(`got ${sig}, cleaning up`);
    await cleanup();
    process.exit(1);
  });
}

const watchdog = setTimeout(async () => {
  console.log(`FAIL: the suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`);
  await cleanup();
  process.exit(1);
}, SUITE_TIMEOUT_MS);

// ---------------------------------------------------------------- coturn, server, proxy, chromium

async function startCoturn(secret) {
  const port = await freeUdpAndTcpPort();
  const logFile = path.join(tempDir, 'turn.log');
  const argv = [
    '-n',
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    '--min-port=40000',
    '--max-port=59999',
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    '--realm=switchboard.test',
    '--allow-loopback-peers',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-rfc5780',
    '--no-software-attribute',
    `--userdb=${path.join(tempDir, 'turndb')}`,
    `--log-file=${logFile}`,
    '--simple-log',
    `--pidfile=${path.join(tempDir, 'turn.pid')}`,
  ];
  const entry = startProcess('coturn', TURNSERVER, argv);
  await waitFor('coturn to listen', async () => {
    if (entry.exited) throw new Error(`coturn exited early: ${entry.output.slice(-2000)}`);
    return canConnect(port);
  }, 15_000);
  entry.logFile = logFile;
  log(`coturn on 127.0.0.1:${port}`);
  return { port, entry };
}

async function startServer(turnPort, secrets) {
  const dataDir = path.join(tempDir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const config = {
    listen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    dataDir,
    // Short enough for case (f) to outlast it, long enough for case (c) to resume within it.
    resumeGraceSec: RESUME_GRACE_SEC,
    tenants: [
      {
        hosts: ['127.0.0.1', 'localhost'],
        adminSecret: secrets.admin,
        bridgeSecret: secrets.bridge,
        officeKeys: [secrets.office],
        turn: { secret: secrets.turn, urls: [`turn:127.0.0.1:${turnPort}?transport=udp`] },
      },
    ],
  };
  const configFile = path.join(tempDir, 'switchboard.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const entry = startProcess('switchboard-server', args.server, ['--config', configFile], {
    env: { ...process.env, QT_LOGGING_RULES: 'switchboard.*.debug=false' },
  });
  const port = await waitFor('the server to print "listening on"', async () => {
    if (entry.exited) throw new Error(`server exited early: ${entry.output.slice(-2000)}`);
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(entry.output);
    return m ? Number(m[1]) : null;
  }, 15_000);
  log(`switchboard-server on 127.0.0.1:${port}`);
  return { port, entry };
}

/**
 * A TCP proxy in front of the server. A page loaded through it has its signaling socket go
 * through it, so the test can drop that socket the way a network does: no WebSocket close
 * frame, just the TCP connection gone (both directions destroyed).
 */
async function startCutProxy(targetPort) {
  const pairs = new Set();
  let refuseUntil = 0;
  const server = net.createServer((client) => {
    if (Date.now() < refuseUntil) {
      client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  log(`cut proxy on 127.0.0.1:${port} -> ${targetPort}`);
  return {
    port,
    /** Drops every connection through the proxy; returns how many were open. */
    cut() {
      const n = pairs.size;
      for (const p of [...pairs]) {
        p.client.resetAndDestroy ? p.client.resetAndDestroy() : p.client.destroy();
        p.upstream.resetAndDestroy ? p.upstream.resetAndDestroy() : p.upstream.destroy();
      }
      pairs.clear();
      return n;
    },
    /** Refuses new connections for `ms` (the network stays down). */
    refuseFor(ms) {
      refuseUntil = Date.now() + ms;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function launchChromium() {
  // BROWSER-TESTS.md: these preferences (not command-line switches) keep WebRTC on loopback.
  const userDataDir = path.join(tempDir, 'chromium-profile');
  fs.mkdirSync(path.join(userDataDir, 'Default'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'Default', 'Preferences'),
    JSON.stringify({ webrtc: { ip_handling_policy: 'default_public_interface_only' } }),
  );
  fs.writeFileSync(
    path.join(userDataDir, 'Local State'),
    JSON.stringify({ browser: { enabled_labs_experiments: ['enable-webrtc-hide-local-ips-with-mdns@2'] } }),
  );
  const chromeArgs = [
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    // 127.0.0.1 must be excluded too, or Chromium maps the IP literal to NOTFOUND as well.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    '--no-first-run',
    '--no-default-browser-check',
  ];
  if (process.getuid && process.getuid() === 0) chromeArgs.push('--no-sandbox');
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromeArgs,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  log('chromium started');
  return ctx;
}

// ---------------------------------------------------------------- cameras: go2rtc stand-in

const STANDIN = path.resolve(HERE, '..', 'go2rtc-standin', 'standin.mjs');
const FFMPEG = process.env.SB_E2E_FFMPEG || '/usr/bin/ffmpeg';

/** What the camera case lacks on this machine, or null (`make deps` installs all of it). */
function cameraPrerequisiteMissing() {
  if (!fs.existsSync(path.resolve(HERE, '..', 'go2rtc-standin', 'node_modules', 'werift'))) {
    return 'werift is not installed: run (cd tests/go2rtc-standin && npm ci) or make deps';
  }
  if (!fs.existsSync(FFMPEG)) return `ffmpeg not found at ${FFMPEG}`;
  return null;
}

/** The go2rtc stand-in (tests/go2rtc-standin) on a given loopback port. */
async function startGo2rtcStandin(port) {
  const entry = startProcess('go2rtc-standin', process.execPath,
    [STANDIN, '--port', String(port), '--stream', 'lobby', '--ffmpeg', FFMPEG, '--max-seconds', String(SUITE_TIMEOUT_MS / 1000)]);
  await waitFor('the go2rtc stand-in to listen', async () => {
    if (entry.exited) throw new Error(`stand-in exited early: ${entry.output.slice(-2000)}`);
    return /stand-in listening on/.test(entry.output);
  }, 20_000);
  log(`go2rtc stand-in on 127.0.0.1:${port}`);
  return entry;
}

/** A second server whose tenant has the camera `lobby` on the stand-in's go2rtc URL. */
async function startCameraServer(turnPort, secrets, go2rtcPort) {
  const dataDir = path.join(tempDir, 'camera-data');
  fs.mkdirSync(dataDir, { recursive: true });
  const config = {
    listen: '127.0.0.1:0',
    adminListen: '127.0.0.1:0',
    dataDir,
    tenants: [{
      hosts: ['127.0.0.1', 'localhost'],
      adminSecret: secrets.admin,
      bridgeSecret: secrets.bridge,
      turn: { secret: secrets.turn, urls: [`turn:127.0.0.1:${turnPort}?transport=udp`] },
      cameras: [{ name: 'lobby', streamId: 'lobby' }],
      go2rtcUrl: `http://127.0.0.1:${go2rtcPort}`,
      // The stand-in's only candidate is 127.0.0.1: on a LAN (and on loopback) keep it.
      cameraLanCandidates: true,
    }],
  };
  const configFile = path.join(tempDir, 'switchboard-camera.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const entry = startProcess('switchboard-server (camera)', args.server, ['--config', configFile], {
    env: { ...process.env, QT_LOGGING_RULES: 'switchboard.*.debug=false' },
  });
  const port = await waitFor('the camera server to print "listening on"', async () => {
    if (entry.exited) throw new Error(`camera server exited early: ${entry.output.slice(-2000)}`);
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(entry.output);
    return m ? Number(m[1]) : null;
  }, 15_000);
  log(`camera switchboard-server on 127.0.0.1:${port}`);
  return { port, entry };
}

// ---------------------------------------------------------------- signed requests (DESIGN.md)

const hmacHex = (secret, text) => crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(text).digest('hex');

/** An admin request signed with X-Admin-Time / X-Admin-Sig over `<METHOD> <query>|<host>|<time>|<body>`. */
function adminRequest(base, secret, method, query, bodyObject) {
  const body = bodyObject ? JSON.stringify(bodyObject) : '';
  const time = String(Math.floor(Date.now() / 1000));
  const sig = hmacHex(secret, `${method} ${query}|127.0.0.1|${time}|${body}`);
  return fetch(`${base}/signal.ashx?${query}`, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-Admin-Time': time, 'X-Admin-Sig': sig },
    body: body || undefined,
  });
}

/** A bridge webhook signed with X-Sig over `<flag>|<host>|<body>`. */
function webhook(base, secret, flag, bodyObject) {
  const body = JSON.stringify({ time: Math.floor(Date.now() / 1000), ...bodyObject });
  return fetch(`${base}/signal.ashx?${flag}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Sig': hmacHex(secret, `${flag}|127.0.0.1|${body}`) },
    body,
  });
}

// ---------------------------------------------------------------- page helpers

const pageProblems = []; // CSP violations and uncaught exceptions, on any page

async function openPage(url, label) {
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(text)) pageProblems.push(`${label}: ${text}`);
    if (process.env.SB_E2E_VERBOSE) log(`${label} console.${msg.type()}: ${text}`);
  });
  page.on('pageerror', (err) => pageProblems.push(`${label}: uncaught ${err.message}`));
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

async function joined(page, what) {
  return waitFor(`${what} to be welcomed`, () => page.evaluate(() => window.switchboard && window.switchboard.peerId), 20_000);
}

const statsOf = (page) => page.evaluate(() => window.switchboard.stats());
const eventsOf = (page) => page.evaluate(() => window.switchboard.events);
const tileIdsOf = (page) => page.evaluate(() => window.switchboard.tileIds());

/** Waits until `page` decodes video from `fromPeerId` over a relay pair, and returns the stats. */
async function waitForMedia(page, fromPeerId, what, minFrames = 10) {
  return waitFor(`${what}: video decoded over a TURN relay`, async () => {
    const s = (await statsOf(page))[fromPeerId];
    return s && s.framesDecoded >= minFrames && s.bytesReceived > 0 && s.localCandidateType === 'relay' ? s : null;
  }, 45_000, 500);
}

/** Asserts that video from `fromPeerId` keeps arriving: bytes and frames grow. */
async function assertMediaGrows(page, fromPeerId, what) {
  const before = (await statsOf(page))[fromPeerId];
  assert(before, `${what}: no link to ${fromPeerId}`);
  let last = null;
  const after = await waitFor(`${what}: inbound video to grow`, async () => {
    const s = (await statsOf(page))[fromPeerId];
    last = s;
    return s && s.bytesReceived > before.bytesReceived + 1000 && s.framesDecoded > before.framesDecoded + 5 ? s : null;
  }, 30_000, 500).catch((e) => {
    throw new Error(`${e.message}; before ${JSON.stringify(before)}, last ${JSON.stringify(last)}`);
  });
  assert(after.localCandidateType === 'relay', `${what}: selected local candidate is ${after.localCandidateType}, expected relay`);
  return after;
}

// ---------------------------------------------------------------- the cases

const results = [];
async function runCase(name, fn) {
  // SB_E2E_ONLY=<regex> runs only the matching cases (by hand, while working on one of them).
  if (process.env.SB_E2E_ONLY && !new RegExp(process.env.SB_E2E_ONLY).test(name)) return;
  const started = Date.now();
  log(`--- ${name}`);
  try {
    const note = await fn();
    results.push({ name, ok: true, ms: Date.now() - started, note });
    log(`PASS ${name}${note ? ` (${note})` : ''}`);
  } catch (e) {
    results.push({ name, ok: false, ms: Date.now() - started, error: e });
    log(`FAIL ${name}: ${e.stack || e}`);
  }
}

async function main() {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-e2e-'));
  fs.mkdirSync(args.out, { recursive: true });
  const secrets = {
    turn: crypto.randomBytes(18).toString('base64url'),
    admin: crypto.randomBytes(18).toString('base64url'),
    bridge: crypto.randomBytes(18).toString('base64url'),
    office: crypto.randomBytes(18).toString('base64url'),
  };
  const turn = await startCoturn(secrets.turn);
  const server = await startServer(turn.port, secrets);
  const proxy = await startCutProxy(server.port);
  context = await launchChromium();

  const base = `http://127.0.0.1:${server.port}`;
  const viaProxy = `http://127.0.0.1:${proxy.port}`;
  const room = `e2e-${crypto.randomBytes(4).toString('hex')}`;
  const roomUrl = (origin, name) => `${origin}/room.html?room=${room}&name=${encodeURIComponent(name)}&relay=1`;
  const pages = {};
  const ids = {};

  await runCase('static pages: redirect, MIME types, CSP', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    assert(root.status === 302 && root.headers.get('location') === '/status.html', `GET / answered ${root.status} ${root.headers.get('location')}`);
    // Every file in resources/web must be in web.qrc and served with its MIME type.
    const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
    const files = fs.readdirSync(path.resolve(HERE, '..', '..', 'resources', 'web'));
    assert(files.length >= 10, `only ${files.length} files in resources/web`);
    for (const file of files) {
      const mime = MIME[path.extname(file)] || 'application/octet-stream';
      const r = await fetch(`${base}/${file}`);
      assert(r.status === 200, `${file}: HTTP ${r.status}`);
      assert((r.headers.get('content-type') || '').startsWith(mime), `${file}: content-type ${r.headers.get('content-type')}`);
      if (file.endsWith('.html')) {
        assert(/script-src 'self'/.test(r.headers.get('content-security-policy') || ''), `${file}: no strict CSP`);
        const body = await r.text();
        assert(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(body), `${file}: inline script`);
        assert(!/<style|\sstyle=/i.test(body), `${file}: inline style`);
      }
      // ETag revalidation: an unchanged file answers 304 without a body.
      const etag = r.headers.get('etag');
      assert(etag, `${file}: no ETag`);
      const again = await fetch(`${base}/${file}`, { headers: { 'If-None-Match': etag } });
      assert(again.status === 304, `${file}: If-None-Match answered ${again.status}`);
    }
  });

  await runCase('every error code and close code has its message and action', async () => {
    // errors.js has no DOM dependency: check its tables against DESIGN.md's lists directly.
    const errors = await import(path.resolve(HERE, '..', '..', 'resources', 'web', 'errors.js'));
    const codes = ['bad-frame', 'not-joined', 'already-joined', 'unknown-peer', 'room-full', 'unknown-number',
      'forbidden', 'rate-limited', 'invalid-token', 'bridge-unavailable', 'unknown-call', 'unknown-camera', 'camera-unavailable'];
    const fallback = errors.errorText('no-such-code');
    const texts = new Set();
    for (const code of codes) {
      const text = errors.errorText(code);
      assert(text && text !== fallback, `no message for ${code}`);
      texts.add(text);
    }
    assert(texts.size === codes.length, 'two codes share a message');
    const expected = { 1001: 'reconnect', 1006: 'reconnect', 1007: 'stop', 1008: 'stop', 1009: 'stop', 4000: 'stop',
      4001: 'stop', 4002: 'reconnect', 4003: 'reconnect', 4008: 'wait' };
    for (const [code, action] of Object.entries(expected)) {
      assert(errors.closeAction(Number(code)) === action, `close ${code}: ${errors.closeAction(Number(code))}, expected ${action}`);
    }
    for (const reason of ['admin', 'replaced', 'shutdown']) assert(errors.kickText(reason) !== errors.kickText('x'), `kicked ${reason}`);
  });

  await runCase('(a) two pages join a room and receive each other\'s video through TURN', async () => {
    pages.a = await openPage(roomUrl(base, 'Alice'), 'alice');
    ids.a = await joined(pages.a, 'Alice');
    pages.b = await openPage(roomUrl(base, 'Bob'), 'bob');
    ids.b = await joined(pages.b, 'Bob');
    assert(ids.a !== ids.b, 'distinct peer ids');
    const ab = await waitForMedia(pages.a, ids.b, 'Alice receives Bob');
    const ba = await waitForMedia(pages.b, ids.a, 'Bob receives Alice');
    await assertMediaGrows(pages.a, ids.b, 'Alice receives Bob');
    await assertMediaGrows(pages.b, ids.a, 'Bob receives Alice');
    // Each side shows the other's tile with its name and a live video.
    const label = await pages.a.locator(`.tile[data-peer-id="${ids.b}"] .label`).textContent();
    assert(/Bob/.test(label), `Alice's tile for Bob is labelled "${label}"`);
    await waitFor('Alice shows Bob\'s video', () =>
      pages.a.evaluate((id) => {
        const v = document.querySelector(`.tile[data-peer-id="${id}"] video`);
        return v && v.videoWidth > 0 && !v.paused;
      }, ids.b));
    // The relay really is our coturn (so the minted TURN credentials worked): the selected local
    // candidate was allocated by its URL, on a relay port of its range.
    for (const [s, who] of [[ab, 'Alice'], [ba, 'Bob']]) {
      assert(s.localCandidateUrl && s.localCandidateUrl.startsWith(`turn:127.0.0.1:${turn.port}`),
        `${who}'s relay candidate came from ${s.localCandidateUrl}, not our coturn on ${turn.port}`);
      const port = Number(String(s.localCandidateAddress).split(':').pop());
      assert(/^127\.0\.0\.1:/.test(s.localCandidateAddress) && port >= 40000 && port <= 59999,
        `${who}'s relayed address ${s.localCandidateAddress} is not on coturn's loopback range`);
      assert(/^127\.0\.0\.1:/.test(String(s.remoteCandidateAddress)), `${who}'s remote candidate ${s.remoteCandidateAddress} is not on loopback`);
    }
    await pages.a.screenshot({ path: path.join(args.out, 'room.png') });
    if (args.updateDocs) {
      fs.mkdirSync(path.dirname(path.resolve(args.updateDocs)), { recursive: true });
      fs.copyFileSync(path.join(args.out, 'room.png'), path.resolve(args.updateDocs));
    }
    return `frames ${ab.framesDecoded}/${ba.framesDecoded}, pair ${ab.localCandidateType}-${ab.remoteCandidateType} via ${ab.localCandidateUrl}`;
  });

  await runCase('(b) a third page joins, then closes its tab: the others drop its tile at once', async () => {
    assert(ids.a && ids.b, 'needs (a)');
    pages.c = await openPage(roomUrl(base, 'Carol'), 'carol');
    ids.c = await joined(pages.c, 'Carol');
    for (const p of ['a', 'b']) {
      await waitFor(`${p} to show Carol's tile`, async () => (await tileIdsOf(pages[p])).includes(ids.c));
    }
    await waitForMedia(pages.a, ids.c, 'Alice receives Carol', 5);
    const closing = Date.now();
    await pages.c.close();
    const closedAt = Date.now(); // the tab is gone (its socket sent close 1001)
    let ms = 0;
    for (const p of ['a', 'b']) {
      await waitFor(`${p} to drop Carol's tile`, async () => !(await tileIdsOf(pages[p])).includes(ids.c), 10_000, 50);
      const left = (await eventsOf(pages[p])).find((e) => e.event === 'peer-left' && e.peerId === ids.c);
      assert(left && left.reason === 'closed', `${p} saw peer-left ${JSON.stringify(left)}, expected reason closed`);
      ms = Math.max(ms, left.at - closedAt); // the page's own clock: the same machine's
    }
    // No keepalive (25 s) or grace (30 s) is involved: a close is a leave at once. The bound
    // leaves room for a heavily loaded CI machine.
    assert(ms < 5_000, `tiles dropped ${ms} ms after the tab closed`);
    return `dropped ${ms} ms after the tab closed (closing took ${closedAt - closing} ms)`;
  });

  await runCase('(c) a socket drops without a close frame; the page resumes, nobody sees peer-left', async () => {
    assert(ids.a && ids.b, 'needs (a)');
    pages.d = await openPage(roomUrl(viaProxy, 'Dave'), 'dave');
    ids.d = await joined(pages.d, 'Dave');
    await waitForMedia(pages.a, ids.d, 'Alice receives Dave', 5);
    await waitForMedia(pages.d, ids.a, 'Dave receives Alice', 5);
    const eventsBefore = (await eventsOf(pages.a)).length;
    const cut = proxy.cut();
    assert(cut > 0, 'no connection went through the proxy');
    const resumed = await waitFor('Dave to resume', async () =>
      (await eventsOf(pages.d)).find((e) => e.event === 'resumed'), 15_000, 100);
    assert(resumed.peerId === ids.d, `Dave came back as ${resumed.peerId}, not ${ids.d} (the server did not hold him)`);
    const downs = (await eventsOf(pages.d)).filter((e) => e.event === 'socket-down');
    assert(downs.length >= 1 && downs.every((e) => e.code === 1006), `Dave's socket closed with ${JSON.stringify(downs)}, expected 1006`);
    // Media keeps flowing both ways, over the same relay.
    await assertMediaGrows(pages.a, ids.d, 'Alice receives Dave after the drop');
    await assertMediaGrows(pages.d, ids.a, 'Dave receives Alice after the drop');
    for (const p of ['a', 'b']) {
      const seen = (await eventsOf(pages[p])).filter((e) => e.event === 'peer-left' && e.peerId === ids.d);
      assert(seen.length === 0, `${p} saw peer-left for Dave: ${JSON.stringify(seen)}`);
      assert((await tileIdsOf(pages[p])).includes(ids.d), `${p} lost Dave's tile`);
    }
    const later = (await eventsOf(pages.a)).slice(eventsBefore);
    assert(!later.some((e) => e.event === 'peer-joined' && e.peerId === ids.d), 'Alice saw Dave join again');
    return `${cut} connection(s) cut, resumed as the same peer`;
  });

  await runCase('(f) a drop that outlasts the grace: peer-left timeout, then the page joins afresh', async () => {
    assert(ids.a && ids.d, 'needs (c)');
    const t0 = Date.now();
    proxy.refuseFor((RESUME_GRACE_SEC + 3) * 1000);
    assert(proxy.cut() > 0, 'no connection went through the proxy');
    // The others see Dave leave only when the grace is over, with reason timeout.
    const left = await waitFor('Alice to see Dave time out', async () =>
      (await eventsOf(pages.a)).find((e) => e.event === 'peer-left' && e.peerId === ids.d), (RESUME_GRACE_SEC + 10) * 1000, 200);
    assert(left.reason === 'timeout', `peer-left reason ${left.reason}, expected timeout`);
    assert(left.at - t0 >= (RESUME_GRACE_SEC - 1) * 1000, `Dave was dropped after ${left.at - t0} ms, before the ${RESUME_GRACE_SEC} s grace`);
    // Dave's page comes back with a spent token, is refused, and joins as a new peer.
    const fresh = await waitFor('Dave to join afresh', async () => {
      const events = await eventsOf(pages.d);
      const refused = events.some((e) => e.event === 'resume-refused');
      const welcome = events.filter((e) => e.event === 'welcome').pop();
      return refused && welcome && welcome.peerId !== ids.d ? welcome : null;
    }, 30_000, 200);
    const newId = fresh.peerId;
    await waitFor('Alice to show the new Dave', async () => (await tileIdsOf(pages.a)).includes(newId));
    assert(!(await tileIdsOf(pages.a)).includes(ids.d), 'Alice still shows the old Dave');
    assert(!(await tileIdsOf(pages.d)).includes(ids.d), 'Dave shows himself as a peer');
    await waitForMedia(pages.a, newId, 'Alice receives the new Dave', 5);
    await waitForMedia(pages.d, ids.a, 'the new Dave receives Alice', 5);
    ids.d = newId;
    return `timeout after ${((left.at - t0) / 1000).toFixed(1)} s, rejoined as a new peer`;
  });

  await runCase('(d) status and directory pages render the server\'s data', async () => {
    assert(ids.a, 'needs (a): a live room');
    // Fewer video pages keep a loaded 2-core machine responsive; Alice keeps the room live.
    for (const p of ['b', 'd']) if (pages[p] && !pages[p].isClosed()) await pages[p].close();
    const notes = [];
    // status.html
    const health = await fetch(`${base}/signal.ashx?healthsummary=1`);
    const status = await openPage(`${base}/status.html`, 'status');
    await waitFor('status.html to load', () => status.evaluate(() => document.body.dataset.loaded));
    if (health.status === 200) {
      const summary = await health.json();
      assert(Array.isArray(summary.rooms) && summary.rooms.length >= 1, `healthsummary lists no room while one is live: ${JSON.stringify(summary)}`);
      await waitFor('status.html to list the live rooms', async () =>
        (await status.locator('#rooms tr.room-row').count()) === summary.rooms.length);
      const peers = summary.rooms.reduce((n, r) => n + r.peers, 0);
      assert((await status.locator('#room-count').textContent()) === String(summary.rooms.length), 'room count figure');
      assert(Number(await status.locator('#peer-count').textContent()) === peers, 'participant count figure');
      assert((await status.locator('#vnum-calls').textContent()) === String(summary.vnumCallsLast24h), 'vnum calls figure');
      assert((await status.locator('#trunks tr.trunk-row').count()) === (summary.trunks || []).length, 'trunk rows');
      assert(await status.locator('#status-notice').evaluate((n) => n.classList.contains('hidden')), 'status shows an error');
      notes.push(`status: ${summary.rooms.length} room(s)`);
    } else {
      // The flag is not on this build yet: the page must say so instead of showing nothing.
      const text = await waitFor('status.html to explain the failure', async () => {
        const t = await status.locator('#status-notice').textContent();
        return t && /unavailable/i.test(t) ? t : null;
      });
      assert(text.includes(String(health.status)), `notice "${text}" names no HTTP status`);
      notes.push(`status: healthsummary answers ${health.status}, page reports it`);
    }
    await status.screenshot({ path: path.join(args.out, 'status.png'), fullPage: true });

    // virtual-numbers-overview.html: plant an anonymous number (when the admin API is on this
    // build) so that the directory has a row to show, and a `text` that must never be shown.
    const secretText = `never-shown-${crypto.randomBytes(4).toString('hex')}`;
    const planted = await adminRequest(base, secrets.admin, 'POST', 'virtualnumbers', {
      number: '2999', name: 'E2E front desk', mode: 'tts', visibility: 'anonymous', text: secretText,
    });
    notes.push(`planting a number: HTTP ${planted.status}`);
    const overview = await fetch(`${base}/signal.ashx?vnum-overview=1`);
    const dir = await openPage(`${base}/virtual-numbers-overview.html`, 'directory');
    await waitFor('the directory to load', () => dir.evaluate(() => document.body.dataset.loaded));
    if (overview.status === 200) {
      const body = await overview.json();
      const rows = body.virtualNumbers || [];
      assert((await dir.locator('tr.vnum-row').count()) === rows.length, 'directory row count');
      for (const row of rows) {
        const href = await dir.locator(`tr.vnum-row[data-number="${row.number}"] a`).getAttribute('href');
        assert(href === new URL(row.dialUrl, base).href, `Call link ${href} for ${row.number}, expected ${row.dialUrl}`);
      }
      if (rows.length === 0) assert(/No public numbers/.test(await dir.locator('#numbers').textContent()), 'empty directory text');
      if (planted.status === 201) {
        assert(rows.some((r) => r.number === '2999'), 'the planted number is not in vnum-overview');
        assert(await dir.locator('tr.vnum-row[data-number="2999"]').isVisible(), 'the planted number is not shown');
      }
      assert(!(await dir.content()).includes(secretText), 'the directory shows a virtual number\'s text');
      notes.push(`directory: ${rows.length} number(s)`);
    } else {
      const text = await waitFor('the directory to explain the failure', async () => {
        const t = await dir.locator('#vnum-notice').textContent();
        return t && /unavailable/i.test(t) ? t : null;
      });
      assert(text.includes(String(overview.status)), `notice "${text}" names no HTTP status`);
      notes.push(`directory: vnum-overview answers ${overview.status}, page reports it`);
    }
    await dir.screenshot({ path: path.join(args.out, 'virtual-numbers-overview.png'), fullPage: true });
    await status.close();
    await dir.close();
    return notes.join('; ');
  });

  await runCase('(d) status and directory pages render every field of the documented shapes', async () => {
    // The server's answers are replaced (in the browser only) by samples of DESIGN.md's shapes,
    // so every field's rendering is checked even on a build whose store has no such data.
    const summary = {
      build: '0.1.0 e2e', tenant: '127.0.0.1',
      rooms: [{ id: 'vnum-2000-…', peers: 2 }, { id: 'room-…', peers: 3 }],
      trunks: [{ id: 'sipgate', registered: true, lastSeenSec: 12 }, { id: 'backup', registered: false, lastSeenSec: 7200 }],
      vnumCallsLast24h: 47,
    };
    const vnums = { virtualNumbers: [
      { number: '2000', name: 'Front desk', mode: 'gemini-live', dialUrl: `${base}/room.html?room=random&dial=2000&cam=off`, visibility: 'anonymous', available: true },
      { number: '2001', name: 'Opening hours', mode: 'tts', dialUrl: 'javascript:alert(1)', visibility: 'anonymous', available: false },
    ] };
    const page = await context.newPage();
    await page.route('**/signal.ashx?healthsummary=1', (r) => r.fulfill({ json: summary }));
    await page.route('**/signal.ashx?vnum-overview=1', (r) => r.fulfill({ json: vnums }));
    await page.goto(`${base}/status.html`);
    await waitFor('status.html to render the sample', () => page.evaluate(() => document.body.dataset.loaded === 'true'));
    assert((await page.locator('#rooms tr.room-row').count()) === 2, 'two room rows');
    assert((await page.locator('#room-count').textContent()) === '2', 'room count');
    assert((await page.locator('#peer-count').textContent()) === '5', 'participant count');
    assert((await page.locator('#vnum-calls').textContent()) === '47', 'calls in 24 h');
    assert((await page.locator('#build').textContent()) === '0.1.0 e2e', 'build');
    const trunks = await page.locator('#trunks tr.trunk-row').allTextContents();
    assert(trunks.length === 2 && /sipgate.*registered.*12 s ago/.test(trunks[0]) && /backup.*not registered.*2 h ago/.test(trunks[1]),
      `trunk rows ${JSON.stringify(trunks)}`);
    await page.screenshot({ path: path.join(args.out, 'status-sample.png'), fullPage: true });
    await page.goto(`${base}/virtual-numbers-overview.html`);
    await waitFor('the directory to render the sample', () => page.evaluate(() => document.body.dataset.loaded === 'true'));
    const rows = page.locator('tr.vnum-row');
    assert((await rows.count()) === 2, 'two directory rows');
    assert(/Front desk.*AI receptionist.*available/.test(await rows.nth(0).textContent()), 'first row');
    assert((await rows.nth(0).locator('a').getAttribute('href')) === vnums.virtualNumbers[0].dialUrl, 'Call link is dialUrl');
    assert(/unavailable/.test(await rows.nth(1).textContent()), 'unavailable row');
    const unsafe = await rows.nth(1).locator('a').getAttribute('href');
    assert(unsafe === '/room.html?room=random&dial=2001&cam=off', `a javascript: dialUrl became ${unsafe}`);
    assert(await rows.nth(1).locator('a.disabled').count() === 1, 'an unavailable number\'s Call is disabled');
    await page.screenshot({ path: path.join(args.out, 'virtual-numbers-sample.png'), fullPage: true });
    await page.close();
  });

  await runCase('(e) room page: name prompt, mute, camera, refused join, leave', async () => {
    assert(ids.a, 'needs (a)');
    // Without a name the page asks for one, then joins.
    const eve = await openPage(`${base}/room.html?room=${room}&relay=1`, 'eve');
    await eve.locator('#join-view').waitFor({ state: 'visible' });
    assert(!(await eve.evaluate(() => window.switchboard.peerId)), 'joined before a name was given');
    assert((await eve.inputValue('#join-room')) === room, 'room field prefilled from the URL');
    await eve.fill('#join-name', 'Eve');
    await eve.click('#join-form button[type=submit]');
    ids.e = await joined(eve, 'Eve');
    await waitFor('Alice to show Eve', async () => (await tileIdsOf(pages.a)).includes(ids.e));
    assert(/Eve/.test(await pages.a.locator(`.tile[data-peer-id="${ids.e}"] .label`).textContent()), 'Eve\'s label');
    // Mute and camera act on the local tracks.
    await eve.click('#btn-mute');
    await eve.click('#btn-camera');
    const tracks = await eve.evaluate(() => {
      const s = window.switchboard.state.localStream;
      return { audio: s.getAudioTracks().map((t) => t.enabled), video: s.getVideoTracks().map((t) => t.enabled) };
    });
    assert(tracks.audio.length === 1 && !tracks.audio[0] && tracks.video.length === 1 && !tracks.video[0], `tracks ${JSON.stringify(tracks)}`);
    assert((await eve.locator('#btn-mute').textContent()) === 'Unmute', 'mute button label');
    // Leave is final at once for the others, with reason left.
    await eve.click('#btn-leave');
    await eve.locator('#left-view').waitFor({ state: 'visible' });
    await waitFor('Alice to drop Eve', async () => !(await tileIdsOf(pages.a)).includes(ids.e), 10_000, 100);
    const left = (await eventsOf(pages.a)).find((e) => e.event === 'peer-left' && e.peerId === ids.e);
    assert(left && left.reason === 'left', `Alice saw ${JSON.stringify(left)}, expected reason left`);
    await eve.close();
    // A name the server refuses (over 64 code points): the page says it could not join.
    const long = await openPage(`${base}/room.html?room=${room}&name=${'x'.repeat(70)}&relay=1`, 'long-name');
    await long.locator('#left-view').waitFor({ state: 'visible' });
    assert(/Could not join/.test(await long.locator('#left-title').textContent()), 'refused join title');
    const text = await long.locator('#left-text').textContent();
    assert(text.length > 10, `refused join text "${text}"`);
    const errors = await long.evaluate(() => window.switchboard.events.filter((e) => e.event === 'error'));
    assert(errors.length === 1 && errors[0].code === 'bad-frame' && errors[0].ref === 'join', `errors ${JSON.stringify(errors)}`);
    await long.close();
  });

  await runCase('office page registers with the office key', async () => {
    const office = await openPage(`${base}/office.html`, 'office');
    await office.fill('#reg-key', secrets.office);
    await office.fill('#reg-name', 'Reception');
    await office.click('#register-form button[type=submit]');
    const state = await waitFor('the phone to register or be refused', async () => {
      const t = await office.locator('#phone-state').textContent();
      return /extension|not registered/.test(t) ? t : null;
    });
    await office.screenshot({ path: path.join(args.out, 'office.png'), fullPage: true });
    if (/extension \*/.test(state)) {
      // Ring it through the bridge webhook: the page must show the ring, then clear it on decline.
      const callId = `e2e-${crypto.randomBytes(6).toString('hex')}`;
      const rang = await webhook(base, secrets.bridge, 'office-ring', { callId, from: '+15550100', fromName: 'E2E caller', to: '*' });
      assert(rang.status === 200, `office-ring answered ${rang.status}`);
      const { delivered } = await rang.json();
      assert(delivered >= 1, `office-ring delivered to ${delivered} phones`);
      const card = office.locator(`.ring-card[data-call-id="${callId}"]`);
      await card.waitFor({ state: 'visible', timeout: 10_000 });
      assert(/E2E caller/.test(await card.textContent()), 'the ring card does not name the caller');
      await office.screenshot({ path: path.join(args.out, 'office-ringing.png'), fullPage: true });
      await card.locator('button', { hasText: 'Decline' }).click();
      await card.waitFor({ state: 'detached', timeout: 10_000 });
      await office.close();
      return 'registered as *, rang and declined';
    }
    // Until `register` lands on this build the server refuses it; the page must say so.
    const text = await office.locator('#office-notice').textContent();
    const visible = await office.locator('#office-notice').isVisible();
    const formBack = await office.locator('#register-form').isVisible();
    await office.close();
    assert(visible && text.length > 0, 'a refused register left no message');
    assert(formBack, 'after a refused register the form is not shown again');
    return `register refused on this build: "${text}"`;
  });

  await runCase('camera: room.html?room=cam_lobby shows the go2rtc stand-in\'s stream', async () => {
    const missing = cameraPrerequisiteMissing();
    if (missing) {
      if (process.env.CI) throw new Error(missing);
      return `SKIPPED: ${missing}`;
    }
    // The server points at a go2rtc that is not running yet: the page must say so and retry.
    const go2rtcPort = await freeTcpPort();
    const camServer = await startCameraServer(turn.port, secrets, go2rtcPort);
    const camBase = `http://127.0.0.1:${camServer.port}`;
    const cameras = await (await fetch(`${camBase}/signal.ashx?cameras=1`)).json();
    assert(JSON.stringify(cameras) === JSON.stringify({ cameras: [{ name: 'lobby', streamId: 'lobby' }] }), `cameras=1 ${JSON.stringify(cameras)}`);
    const page = await openPage(`${camBase}/room.html?room=cam_lobby&relay=1`, 'camera');
    await joined(page, 'the camera viewer');
    const retry = await waitFor('the page to see camera-unavailable and plan a retry', async () =>
      (await eventsOf(page)).find((e) => e.event === 'camera-retry'), 20_000, 100);
    assert(retry.peerId === 'cam:lobby' && retry.delayMs >= 1000, `retry ${JSON.stringify(retry)}`);
    const unavailable = await page.locator('#room-notice').textContent();
    assert(/camera is not available/i.test(unavailable) && /again/i.test(unavailable), `notice "${unavailable}"`);
    await page.screenshot({ path: path.join(args.out, 'camera-unavailable.png') });
    // go2rtc comes up: the next try (after the backoff) gets an answer and video.
    const standin = await startGo2rtcStandin(go2rtcPort);
    try {
      const streams = await (await fetch(`http://127.0.0.1:${go2rtcPort}/api/streams`)).json();
      assert(streams && typeof streams.lobby === 'object', `stand-in /api/streams ${JSON.stringify(streams)}`);
      const first = await waitFor('video decoded from the camera over the TURN relay', async () => {
        const s = (await statsOf(page))['cam:lobby'];
        return s && s.framesDecoded >= 10 && s.bytesReceived > 0 && s.localCandidateType === 'relay' ? s : null;
      }, 60_000, 500);
      await sleep(1500);
      const later = (await statsOf(page))['cam:lobby'];
      assert(later.framesDecoded > first.framesDecoded, `framesDecoded did not grow: ${first.framesDecoded} -> ${later.framesDecoded}`);
      assert(/^127\.0\.0\.1:/.test(String(later.remoteCandidateAddress)), `remote candidate ${later.remoteCandidateAddress} is not on loopback`);
      // One receive-only tile, named after the camera, with a video of non-zero size.
      const tiles = await tileIdsOf(page);
      assert(JSON.stringify(tiles) === JSON.stringify(['cam:lobby']), `tiles ${JSON.stringify(tiles)}`);
      assert((await page.locator('.tile').count()) === 1, 'a self tile or another tile is shown');
      const label = page.locator('.tile[data-peer-id="cam:lobby"] .label');
      assert(/lobby/.test(await label.textContent()), 'tile label');
      const box = await label.boundingBox();
      assert(box && box.y >= 0 && box.y + box.height <= 800, `the camera's name is off screen: ${JSON.stringify(box)}`);
      const size = await waitFor('the camera video to have a size', () => page.evaluate(() => {
        const v = document.querySelector('.tile[data-peer-id="cam:lobby"] video');
        return v && v.videoWidth > 0 && v.clientWidth > 0 && v.clientHeight > 0 && !v.paused
          ? { videoWidth: v.videoWidth, videoHeight: v.videoHeight, clientWidth: v.clientWidth, clientHeight: v.clientHeight } : null;
      }));
      assert(await page.evaluate(() => window.switchboard.state.localStream === null), 'the page opened local media');
      await waitFor('the unavailable notice to go away', async () =>
        page.locator('#room-notice').evaluate((n) => n.classList.contains('hidden')), 10_000, 100);
      await page.screenshot({ path: path.join(args.out, 'camera.png') });
      // The status page lists the camera as a link to its room.
      const status = await openPage(`${camBase}/status.html`, 'camera-status');
      const link = status.locator('#cameras li.camera-row[data-camera="lobby"] a');
      await link.waitFor({ state: 'visible' });
      const href = await link.getAttribute('href');
      assert(href === '/room.html?room=cam_lobby', `camera link ${href}`);
      await status.close();
      await page.close();
      return `retried after ${retry.delayMs} ms, then ${later.framesDecoded} frames, ${size.videoWidth}x${size.videoHeight} shown at ${size.clientWidth}x${size.clientHeight}, pair ${later.localCandidateType}-${later.remoteCandidateType}`;
    } finally {
      if (!page.isClosed()) await page.close();
      await stopProcess(standin);
      await stopProcess(camServer.entry);
    }
  });

  await runCase('no CSP violation or uncaught error on any page', async () => {
    assert(pageProblems.length === 0, pageProblems.join('\n'));
  });
  await proxy.close();
}

let exitCode = 1;
try {
  await main();
  const failed = results.filter((r) => !r.ok);
  console.log('\n==== switchboard browser E2E ====');
  for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${(r.ms / 1000).toFixed(1)} s)${r.ok && r.note ? ` — ${r.note}` : ''}`);
  for (const r of failed) console.log(`\n--- ${r.name}\n${r.error && (r.error.stack || r.error)}`);
  console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
  console.log(`screenshots: ${args.out}`);
  exitCode = failed.length === 0 && results.length > 0 ? 0 : 1;
  if (exitCode !== 0) {
    for (const entry of owned) console.log(`\n--- last output of ${entry.name}\n${entry.output.slice(-3000)}`);
  }
} catch (e) {
  console.log(`FAIL: the suite could not run: ${e.stack || e}`);
  for (const entry of owned) console.log(`\n--- last output of ${entry.name}\n${entry.output.slice(-3000)}`);
  console.log('\n0 passed, 1 failed');
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(exitCode);
