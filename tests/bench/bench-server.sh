# shellcheck shell=sh
# Sourced by count-syscalls.sh and profile-relay.sh: the server they benchmark, started the same
# way. Needs python3.

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_config FILE PORT DATADIR: a one-tenant config on PORT whose limits never get in the way.
bench_config() {
    cat >"$1" <<JSON
{ "listen": "127.0.0.1:$2", "adminListen": "127.0.0.1:0", "dataDir": "$3",
  "limits": { "maxConnectionsPerIp": 1000000, "maxRooms": 10000000,
              "signalPerSec": 100000, "signalBurst": 1000000 },
  "tenants": [ { "host": "localhost", "adminSecret": "bench-admin-secret",
                 "bridgeSecret": "bench-bridge-secret", "officeKeys": ["bench-office-key"] } ] }
JSON
}

# wait_listening LOG TENTHS: until the server's LOG says it listens; after TENTHS tenths of a
# second, prints the log and exits 2.
wait_listening() {
    i=0
    until grep -q "listening on http" "$1" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt "$2" ] || { cat "$1" >&2; exit 2; }
        sleep 0.1
    done
}
