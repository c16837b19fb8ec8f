#!/bin/sh
# System calls per relayed frame (BENCHMARKS.md "Profile"): starts switchboard-server, runs a
# short relay with switchboard-bench, and counts the server's system calls over the measuring
# window with `strace -c -f`; prints each call per relayed frame. Counts, not times: they do not
# depend on how busy the machine is.
#   PAIRS=50 WINDOW=1 PAYLOAD=600 SECONDS_=2 BUILD=build SERVER=$BUILD/bin/switchboard-server
#   OUT=build/bench/syscalls
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/bench/bench-server.sh"
BUILD=${BUILD:-$ROOT/build}
SERVER=${SERVER:-$BUILD/bin/switchboard-server}
BENCH=${BENCH:-$BUILD/bin/switchboard-bench}
OUT=${OUT:-$BUILD/bench/syscalls}
PAIRS=${PAIRS:-50}; WINDOW=${WINDOW:-1}; PAYLOAD=${PAYLOAD:-600}; SECONDS_=${SECONDS_:-2}
RATE=${RATE:-0}
command -v strace >/dev/null || { echo "strace is required (apt-get install strace)" >&2; exit 2; }
mkdir -p "$OUT"
PORT=$(free_port)
rm -rf "$OUT/data"; mkdir -p "$OUT/data"
bench_config "$OUT/server.json" "$PORT" "$OUT/data"
run() { # $1 = name, $2 = seconds: the server runs under strace -c -f from start to exit
    strace -c -f -o "$OUT/strace.$1.txt" "$SERVER" --config "$OUT/server.json" >"$OUT/server.$1.log" 2>&1 &
    PID=$!
    wait_listening "$OUT/server.$1.log" 300
    # shellcheck disable=SC2086
    timeout 120 "$BENCH" --port "$PORT" --pairs "$PAIRS" --window "$WINDOW" $PACE \
        --payload "$PAYLOAD" --warmup 0.5 --seconds "$2" --json "$OUT/bench.$1.json" \
        --max-seconds 100 >"$OUT/bench.$1.txt" 2>&1 || true
    # strace ignores SIGTERM while it traces: stop the server, its child, and strace follows.
    CHILD=$(ps -o pid= --ppid "$PID" | head -n 1)
    kill -TERM ${CHILD:-$PID}; wait "$PID" 2>/dev/null || true
}
PACE=""
[ "$RATE" -gt 0 ] && PACE="--rate $RATE"
run short 1
run long "$SECONDS_"
# (calls_long - calls_short) / (frames_long - frames_short): start-up, joins and shutdown cancel.
python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
def calls(name):
    c = {}
    for line in open(f"{out}/strace.{name}.txt"):
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
        if m and m.group(2) != "total":
            c[m.group(2)] = int(m.group(1))
    return c
def frames(name):
    return json.load(open(f"{out}/bench.{name}.json"))["relayedTotal"]
lo, sh = calls("long"), calls("short")
df = frames("long") - frames("short")
if df <= 0:
    raise SystemExit("no more frames in the long run than in the short one")
print(f"system calls per relayed frame ({df} more frames in the long run):")
total = 0
for name in sorted(lo, key=lambda k: -(lo[k] - sh.get(k, 0))):
    d = lo[name] - sh.get(name, 0)
    total += d
    if d / df >= 0.001:
        print(f"  {name:16} {d / df:7.3f}")
print(f"  {'all':16} {total / df:7.3f}")
PY
