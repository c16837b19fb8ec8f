#!/usr/bin/env node
// A go2rtc stand-in for tests (go2rtc itself is not installable here: its npm wrapper downloads a
// binary at install time). It speaks the part of go2rtc's HTTP API that Switchboard uses
// (DESIGN.md "Cameras"):
//
//   GET  /api/streams                an object keyed by stream name
//   POST /api/webrtc?src=<stream>    Content-Type application/json {"type":"offer","sdp"} → 200
//                                    {"type":"answer","sdp"}; application/sdp → 201 raw SDP;
//                                    an unknown stream → 404. No trickle ICE: the answer carries
//                                    all of its candidates (gathering is complete).
//
// Each answer comes from a real WebRTC stack (werift) that sends a generated video: Debian's
// ffmpeg encodes `testsrc` to VP8 and sends RTP to a UDP port on 127.0.0.1, and every peer
// connection forwards those packets. Everything stays on loopback: werift gathers only a
// 127.0.0.1 host candidate and uses no STUN server.
//
//   node standin.mjs [--port 0] [--stream lobby]... [--ffmpeg /usr/bin/ffmpeg] [--max-seconds 600]
//
// Prints "go2rtc stand-in listening on http://127.0.0.1:<port>" once it accepts requests; exits by
// itself after --max-seconds, on SIGTERM/SIGINT, or when ffmpeg dies.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';

function parseArgs(argv) {
  const out = { port: 0, streams: [], ffmpeg: '/usr/bin/ffmpeg', maxSeconds: 600 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') out.port = Number(argv[++i]);
    else if (a === '--stream') out.streams.push(argv[++i]);
    else if (a === '--ffmpeg') out.ffmpeg = argv[++i];
    else if (a === '--max-seconds') out.maxSeconds = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  if (out.streams.length === 0) out.streams.push('lobby');
  return out;
}

const args = parseArgs(process.argv.slice(2));
const log = (...a) => console.log(`[go2rtc-standin ${new Date().toISOString().slice(11, 23)}]`, ...a);
const MAX_BODY = 256 * 1024;
const peers = new Set(); // {pc, track, stream}
let ffmpeg = null;
let stopping = false;

// ---------------------------------------------------------------- the video source

const rtpIn = dgram.createSocket('udp4');
let packets = 0;
rtpIn.on('message', (packet) => {
  packets++;
  for (const peer of peers) {
    try {
      peer.track.writeRtp(packet);
    } catch (e) {
      /* a closing peer: ignore */
    }
  }
});
await new Promise((resolve) => rtpIn.bind(0, '127.0.0.1', resolve));
const rtpPort = rtpIn.address().port;

function startFfmpeg() {
  const argv = [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15',
    '-an', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k',
    '-g', '15', '-keyint_min', '15', '-error-resilient', '1',
    '-payload_type', '96', '-ssrc', '12345678',
    '-f', 'rtp', `rtp://127.0.0.1:${rtpPort}?pkt_size=1200&localaddr=127.0.0.1`,
  ];
  const child = spawn(args.ffmpeg, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => log(`ffmpeg: ${d.toString().trim()}`));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`ffmpeg exited (${code ?? signal}): stopping`);
      stop(1);
    }
  });
  return child;
}

// ---------------------------------------------------------------- WebRTC (werift)

const VP8 = new RTCRtpCodecParameters({
  mimeType: 'video/VP8',
  clockRate: 90000,
  rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
});

async function answerOffer(stream, offerSdp) {
  const pc = new RTCPeerConnection({
    codecs: { video: [VP8] },
    // Loopback only: no interface addresses, no STUN, one 127.0.0.1 host candidate.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' }, // bind the ICE socket to loopback too
    iceServers: [],
  });
  const track = new MediaStreamTrack({ kind: 'video' });
  pc.addTransceiver(track, { direction: 'sendonly' });
  const peer = { pc, track, stream };
  const drop = () => {
    if (!peers.delete(peer)) return;
    pc.close().catch(() => {});
    log(`${stream}: peer closed (${peers.size} left)`);
  };
  pc.connectionStateChange.subscribe((state) => {
    log(`${stream}: connection ${state}`);
    if (state === 'failed' || state === 'closed' || state === 'disconnected') drop();
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await pc.setLocalDescription(await pc.createAnswer());
  // go2rtc answers with every candidate it has: wait for gathering to complete.
  const deadline = Date.now() + 5000;
  while (pc.iceGatheringState !== 'complete' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  peers.add(peer);
  setTimeout(() => {
    if (pc.connectionState !== 'connected') drop(); // never connected: do not keep it
  }, 30_000).unref();
  return pc.localDescription.sdp;
}

// ---------------------------------------------------------------- go2rtc's HTTP API

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    if (req.method === 'GET' && url.pathname === '/api/streams') {
      const streams = {};
      for (const name of args.streams) {
        streams[name] = {
          producers: [{ url: 'ffmpeg:testsrc#video=vp8' }],
          consumers: [...peers].filter((p) => p.stream === name).map(() => ({ type: 'WebRTC/PeerConnection' })),
        };
      }
      send(res, 200, 'application/json', JSON.stringify(streams));
      return;
    }
    if (url.pathname === '/api/webrtc') {
      if (req.method !== 'POST') {
        send(res, 405, 'text/plain', 'method not allowed');
        return;
      }
      const stream = url.searchParams.get('src');
      const body = await readBody(req);
      if (!stream || !args.streams.includes(stream)) {
        send(res, 404, 'text/plain', 'stream not found');
        return;
      }
      const type = (req.headers['content-type'] || '').toLowerCase();
      if (type.startsWith('application/json')) {
        let offer;
        try {
          offer = JSON.parse(body);
        } catch (e) {
          offer = null;
        }
        if (!offer || offer.type !== 'offer' || typeof offer.sdp !== 'string') {
          send(res, 400, 'text/plain', 'wrong offer');
          return;
        }
        const sdp = await answerOffer(stream, offer.sdp);
        send(res, 200, 'application/json', JSON.stringify({ type: 'answer', sdp }));
        log(`${stream}: answered a JSON offer (${peers.size} peers, ${packets} RTP packets so far)`);
        return;
      }
      const sdp = await answerOffer(stream, body);
      send(res, 201, 'application/sdp', sdp);
      log(`${stream}: answered an SDP offer`);
      return;
    }
    send(res, 404, 'text/plain', 'not found');
  } catch (e) {
    log(`error: ${e.stack || e}`);
    if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
  }
});

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const p of peers) p.pc.close().catch(() => {});
  peers.clear();
  if (ffmpeg && ffmpeg.exitCode === null) ffmpeg.kill('SIGTERM');
  server.close();
  rtpIn.close();
  setTimeout(() => process.exit(code), 200).unref();
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(0));
process.on('exit', () => {
  if (ffmpeg && ffmpeg.exitCode === null) ffmpeg.kill('SIGKILL');
});
setTimeout(() => {
  log(`--max-seconds ${args.maxSeconds} reached: stopping`);
  stop(0);
}, args.maxSeconds * 1000).unref();

ffmpeg = startFfmpeg();
server.listen(args.port, '127.0.0.1', () => {
  log(`go2rtc stand-in listening on http://127.0.0.1:${server.address().port} (streams ${args.streams.join(', ')}, RTP in on ${rtpPort})`);
});
