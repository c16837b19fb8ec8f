#!/bin/sh
# Switchboard vs PeerJS, side by side, on this machine (BENCHMARKS.md).
# Each server is pinned to CPU 0 with taskset, the load generator to CPU 1; every run is bounded
# in time. Sizes come from the environment:
#   PAIRS=50 WINDOW=8 PAYLOAD=600 DURATION=5 IDLE=10000 STORM_RATE=1000 STORM_SECONDS=2
#   PHONES=500 RINGS=10 RATES=5000,20000,50000 BUILD=build OUT=build/bench
# Besides the saturated run (WINDOW in flight per pair) each server also gets a ping-pong run (one
# frame in flight per pair) and paced runs at each of RATES offered frames/s (--rate).
# Usage: tests/bench/run-comparison.sh   (from the repository root, after building)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$BUILD/bench}
PAIRS=${PAIRS:-50}
WINDOW=${WINDOW:-8}
PAYLOAD=${PAYLOAD:-600}
SECONDS_=${DURATION:-5}
IDLE=${IDLE:-10000}
STORM_RATE=${STORM_RATE:-1000}
STORM_SECONDS=${STORM_SECONDS:-2}
PHONES=${PHONES:-500}
RINGS=${RINGS:-10}
RATES=${RATES:-5000,20000,50000}
SERVER_CPU=${SERVER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}

BENCH="$BUILD/bin/switchboard-bench"
SERVER="$BUILD/bin/switchboard-server"
PEERJS_DIR="$ROOT/tests/bench/peerjs"
for f in "$BENCH" "$SERVER"; do
    [ -x "$f" ] || { echo "missing $f: build first (ninja -C build)" >&2; exit 2; }
done
command -v taskset >/dev/null || { echo "taskset (util-linux) is required" >&2; exit 2; }
command -v node >/dev/null || { echo "node is required for the PeerJS baseline" >&2; exit 2; }
if [ ! -x "$PEERJS_DIR/node_modules/.bin/peerjs" ]; then
    (cd "$PEERJS_DIR" && npm ci --no-audit --no-fund)
fi
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

COMMON="--pairs $PAIRS --window $WINDOW --payload $PAYLOAD --seconds $SECONDS_ --idle $IDLE --max-seconds 400"

LIGHT="--pairs $PAIRS --payload $PAYLOAD --seconds $SECONDS_ --idle 0 --max-seconds 200"

echo "== Switchboard ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))"
# shellcheck disable=SC2086
timeout 250 taskset -c "$BENCH_CPU" "$BENCH" --target switchboard --spawn "$SERVER" --spawn-cpu "$SERVER_CPU" \
    $LIGHT --window 1 --json "$OUT/switchboard-pingpong.json"
# shellcheck disable=SC2086
timeout 250 taskset -c "$BENCH_CPU" "$BENCH" --target switchboard --spawn "$SERVER" --spawn-cpu "$SERVER_CPU" \
    $LIGHT --rate "$RATES" --json "$OUT/switchboard-paced.json"
# shellcheck disable=SC2086
timeout 450 taskset -c "$BENCH_CPU" "$BENCH" --target switchboard --spawn "$SERVER" --spawn-cpu "$SERVER_CPU" \
    $COMMON --storm-rate "$STORM_RATE" --storm-seconds "$STORM_SECONDS" --phones "$PHONES" --rings "$RINGS" \
    --json "$OUT/switchboard.json"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "== PeerJS $(node -p "require('$PEERJS_DIR/node_modules/peer/package.json').version") on port $PORT"
# alive_timeout raised: the bench's idle sockets send no HEARTBEAT during a run.
taskset -c "$SERVER_CPU" node "$PEERJS_DIR/node_modules/peer/dist/bin/peerjs.js" --port "$PORT" --host 127.0.0.1 \
    --concurrent_limit 1000000 --alive_timeout 3600000 >"$OUT/peerjs.log" 2>&1 &
PEER_PID=$!
trap 'kill $PEER_PID 2>/dev/null || true' EXIT INT TERM
i=0
until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "PeerJS did not start" >&2; cat "$OUT/peerjs.log" >&2; exit 2; }
    sleep 0.1
done
# shellcheck disable=SC2086
timeout 250 taskset -c "$BENCH_CPU" "$BENCH" --target peerjs --port "$PORT" --server-pid "$PEER_PID" \
    $LIGHT --window 1 --json "$OUT/peerjs-pingpong.json"
# shellcheck disable=SC2086
timeout 250 taskset -c "$BENCH_CPU" "$BENCH" --target peerjs --port "$PORT" --server-pid "$PEER_PID" \
    $LIGHT --rate "$RATES" --json "$OUT/peerjs-paced.json"
# shellcheck disable=SC2086
timeout 450 taskset -c "$BENCH_CPU" "$BENCH" --target peerjs --port "$PORT" --server-pid "$PEER_PID" \
    $COMMON --json "$OUT/peerjs.json"
kill $PEER_PID 2>/dev/null || true
wait $PEER_PID 2>/dev/null || true

python3 - "$OUT/switchboard.json" "$OUT/peerjs.json" "$OUT/switchboard-pingpong.json" \
    "$OUT/peerjs-pingpong.json" "$OUT/switchboard-paced.json" "$OUT/peerjs-paced.json" <<'PY'
import json, sys
sb, pj, sbpp, pjpp, sbpa, pjpa = (json.load(open(p)) for p in sys.argv[1:7])
def ratio(a, b):
    return f"{a / b:.2f}" if a and b and a > 0 and b > 0 else "n/a"
rows = [
    ("relay throughput, frames/s", sb["relay"]["framesPerSec"], pj["relay"]["framesPerSec"], "{:.0f}"),
    ("relay latency p50, ms", sb["relay"]["p50Ms"], pj["relay"]["p50Ms"], "{:.2f}"),
    ("relay latency p99, ms", sb["relay"]["p99Ms"], pj["relay"]["p99Ms"], "{:.2f}"),
    ("server CPU per relayed frame, us", sb["relay"]["serverCpuUsPerFrame"], pj["relay"]["serverCpuUsPerFrame"], "{:.2f}"),
    ("ping-pong (1 in flight): frames/s", sbpp["relay"]["framesPerSec"], pjpp["relay"]["framesPerSec"], "{:.0f}"),
    ("ping-pong: server CPU per frame, us", sbpp["relay"]["serverCpuUsPerFrame"], pjpp["relay"]["serverCpuUsPerFrame"], "{:.2f}"),
    ("server CPU busy during relay, %", 100 * sb["relay"]["serverCpuShare"], 100 * pj["relay"]["serverCpuShare"], "{:.0f}"),
    ("RSS per idle joined connection, KiB", sb["idle"]["rssPerIdleKiB"], pj["idle"]["rssPerIdleKiB"], "{:.2f}"),
    ("relay throughput with idle, frames/s", sb["relayWithIdle"]["framesPerSec"], pj["relayWithIdle"]["framesPerSec"], "{:.0f}"),
]
for a, b in zip(sbpa["paced"], pjpa["paced"]):
    rows.append((f"paced {a['rate']}/s: relayed frames/s", a["framesPerSec"], b["framesPerSec"], "{:.0f}"))
    rows.append((f"paced {a['rate']}/s: server CPU per frame, us", a["serverCpuUsPerFrame"], b["serverCpuUsPerFrame"], "{:.2f}"))
    rows.append((f"paced {a['rate']}/s: latency p99, ms", a["p99Ms"], b["p99Ms"], "{:.2f}"))
print()
print(f"{'metric':44} {'Switchboard':>12} {'PeerJS':>12} {'SB/PeerJS':>10}")
for name, a, b, fmt in rows:
    print(f"{name:44} {fmt.format(a):>12} {fmt.format(b):>12} {ratio(a, b):>10}")
for name, d in (("Switchboard", sb), ("PeerJS", pj)):
    if d["relay"]["framesPerSec"] and d["relayWithIdle"]["ran"]:
        print(f"{name}: throughput with {d['idle']['joined']} idle / without = "
              f"{d['relayWithIdle']['framesPerSec'] / d['relay']['framesPerSec']:.3f}")
js, rf = sb["joinStorm"], sb["ringFanOut"]
if js["ran"]:
    print(f"Switchboard join storm: {js['welcomed']}/{js['wanted']} at {js['joinsPerSec']:.0f}/s, "
          f"join->welcome p50 {js['p50Ms']:.2f} ms, p99 {js['p99Ms']:.2f} ms")
if rf["ran"]:
    print(f"Switchboard ring fan-out: {rf['status']}" + (
        f", {rf['phones']} phones, per-phone p50 {rf['p50Ms']:.2f} ms, p99 {rf['p99Ms']:.2f} ms, "
        f"last ring median {rf['lastMedianMs']:.2f} ms" if rf["status"] == "ok" else ""))
PY
