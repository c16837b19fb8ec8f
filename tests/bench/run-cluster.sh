#!/bin/sh
# Cross-node relay (BENCHMARKS.md "Cluster"): one nats-server and two switchboard-server nodes
# on loopback; switchboard-bench relays with both sides of every pair on node 1, then with side
# B on node 2 (every frame crosses NATS). CPU per frame is the sum of both nodes' CPU. Then
# join latency across nodes: JOINS joins on node 2, each timed to its welcome (which lists the
# member on node 1) and to that member's peer-joined on node 1.
# usage: tests/bench/run-cluster.sh [build dir] [pairs] [seconds] [joins]
set -eu
BUILD=${1:-build}; PAIRS=${2:-20}; SECONDS_=${3:-3}; JOINS=${4:-200}
DIR=$(mktemp -d); trap 'kill $PIDS 2>/dev/null; rm -rf "$DIR"' EXIT; PIDS=""
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NATS_PORT=$(free_port)
nats-server -a 127.0.0.1 -p "$NATS_PORT" >"$DIR/nats.log" 2>&1 & PIDS="$PIDS $!"
for n in 1 2; do
    mkdir -p "$DIR/n$n"
    cat >"$DIR/n$n/config.json" <<JSON
{ "listen": "127.0.0.1:0", "adminListen": "127.0.0.1:0", "dataDir": "$DIR/n$n",
  "limits": { "maxConnectionsPerIp": 1000000, "signalPerSec": 100000, "signalBurst": 1000000 },
  "cluster": { "nats": "nats://127.0.0.1:$NATS_PORT", "node": "bench-$n" },
  "tenants": [ { "host": "localhost", "adminSecret": "a", "bridgeSecret": "b" } ] }
JSON
    "$BUILD/bin/switchboard-server" --config "$DIR/n$n/config.json" >"$DIR/n$n/out.log" 2>&1 &
    eval "PID$n=$!"; PIDS="$PIDS $!"
done
for n in 1 2; do
    for _ in $(seq 50); do grep -q "listening on http" "$DIR/n$n/out.log" && break; sleep 0.1; done
    eval "PORT$n=\$(sed -n 's|.*listening on http://[^:]*:\([0-9]*\).*|\1|p' \"$DIR/n$n/out.log\")"
done
sleep 1   # the nodes meet (heartbeats)
echo "== within one node (cluster on)"
"$BUILD/bin/switchboard-bench" --port "$PORT1" --server-pid "$PID1" --pairs "$PAIRS" \
    --seconds "$SECONDS_" --check
echo "== across two nodes"
"$BUILD/bin/switchboard-bench" --port "$PORT1" --server-pid "$PID1" --port2 "$PORT2" \
    --server-pid2 "$PID2" --pairs "$PAIRS" --seconds "$SECONDS_" --check
echo "== join latency across two nodes"
"$BUILD/bin/switchboard-bench" --port "$PORT1" --server-pid "$PID1" --port2 "$PORT2" \
    --server-pid2 "$PID2" --pairs 0 --cross-joins "$JOINS" --check --max-seconds 120
