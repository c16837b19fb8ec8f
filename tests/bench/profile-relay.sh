#!/bin/sh
# Profiles Switchboard's relay path (BENCHMARKS.md "Profile").
# 1. Instructions per relayed frame with callgrind, which counts instructions exactly (hardware
#    counters are often missing in VMs, and times on a shared machine are noisy): two runs that
#    differ only in length; (Ir_long - Ir_short) / (frames_long - frames_short) cancels start-up,
#    joins and shutdown. The long run's callgrind file is kept for callgrind_annotate.
# 2. If perf works, a sampled call graph (perf record -g) of a native, pinned run.
#   PAIRS=10 WINDOW=4 PAYLOAD=600 IDLE=0 BUILD=build OUT=build/bench/profile (run lengths: 2 s, 6 s)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/bench/bench-server.sh"
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$BUILD/bench/profile}
PAIRS=${PAIRS:-10}; WINDOW=${WINDOW:-4}; PAYLOAD=${PAYLOAD:-600}; IDLE=${IDLE:-0}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

start_server() { # $1 = name, rest = command prefix
    name=$1; shift
    PORT=$(free_port)
    rm -rf "$OUT/$name.data"; mkdir -p "$OUT/$name.data"
    bench_config "$OUT/$name.json" "$PORT" "$OUT/$name.data"
    "$@" "$BUILD/bin/switchboard-server" --config "$OUT/$name.json" >"$OUT/$name.log" 2>&1 &
    PID=$!
    wait_listening "$OUT/$name.log" 600
}

bench() { # $1 = name, $2 = seconds
    timeout 300 "$BUILD/bin/switchboard-bench" --port "$PORT" --server-pid "$PID" --pairs "$PAIRS" \
        --window "$WINDOW" --payload "$PAYLOAD" --seconds "$2" --warmup 1 --idle "$IDLE" \
        --json "$OUT/$1.bench.json" --max-seconds 280 >"$OUT/$1.bench.txt" 2>&1
}

if command -v valgrind >/dev/null; then
    for run in short:2 long:6; do
        name=${run%%:*}; secs=${run#*:}
        start_server "cg-$name" valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$name.out"
        bench "cg-$name" "$secs"
        kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
    done
    python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
def ir(name):
    for line in open(f"{out}/callgrind.{name}.out"):
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit("no totals in callgrind output")
def frames(name):
    return json.load(open(f"{out}/cg-cg-{name}.bench.json"))["relayedTotal"]
d_ir, d_f = ir("long") - ir("short"), frames("long") - frames("short")
print(f"callgrind: {d_ir} instructions over {d_f} more relayed frames = {d_ir / d_f:.0f} instructions per relayed frame")
# Per function: the same difference of self costs, i.e. what one more relayed frame costs where.
import subprocess
def per_function(name):
    text = subprocess.run(["callgrind_annotate", "--inclusive=no", "--auto=no", "--threshold=100",
                           f"{out}/callgrind.{name}.out"], capture_output=True, text=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
        if m and "PROGRAM TOTALS" not in line:
            fn = re.sub(r"^\S*?:", "", m.group(2), count=1) if not m.group(2).startswith("???") else m.group(2)[4:]
            costs[fn] = costs.get(fn, 0) + int(m.group(1).replace(",", ""))
    return costs
lo, sh = per_function("long"), per_function("short")
diff = sorted(((lo.get(k, 0) - sh.get(k, 0)) / d_f, k) for k in lo)
with open(f"{out}/callgrind-per-frame.txt", "w") as f:
    for cost, fn in reversed(diff[-40:]):
        f.write(f"{cost:8.0f}  {fn[:150]}\n")
PY
    echo "instructions per relayed frame by function: $OUT/callgrind-per-frame.txt"
fi

if perf record -o /dev/null true >/dev/null 2>&1; then
    start_server perf taskset -c 0
    bench perf 6 &
    BENCH=$!
    sleep 3
    perf record -F 4000 -g -p "$PID" -o "$OUT/perf.data" -- sleep 3 >/dev/null 2>&1 || true
    wait $BENCH || true
    kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
    perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
        | grep -E '^ +[0-9.]+%' | head -40 >"$OUT/perf-top.txt" || true
    echo "perf (sampled, self time): $OUT/perf-top.txt"
fi
