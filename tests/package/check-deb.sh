#!/usr/bin/env bash
# tst_package (ctest): builds the Debian packages from this build directory with CPack into a
# throwaway directory, lists and checks their contents and control data, verifies the unit with
# systemd-analyze, unpacks switchboard-server into a throwaway root and starts the packaged
# binary on the packaged config against a temp data dir: it must answer the build stamp over
# https (the packaged config uses "self-signed"). Bounded: every wait has a timeout.
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Build the packages (the binaries are already built: make test built everything).
(cd "$build" && timeout 300 cpack -G DEB -B "$tmp/work" -D CPACK_OUTPUT_FILE_PREFIX="$tmp/out" \
    > "$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack"; }
server=$(ls "$tmp"/out/switchboard-server_*.deb)
console=$(ls "$tmp"/out/switchboard-console_*.deb)

# 2. Contents and control data.
dpkg-deb -c "$server" | awk '{print $6}' | tee "$tmp/server.list"
dpkg-deb -c "$console" | awk '{print $6}' | tee "$tmp/console.list"
for f in ./usr/bin/switchboard-server ./etc/switchboard/config.json \
         ./lib/systemd/system/switchboard.service \
         ./usr/share/doc/switchboard-server/changelog.Debian.gz; do
    grep -qx -- "$f" "$tmp/server.list" || fail "switchboard-server lacks $f"
done
for f in ./usr/bin/switchboard-console ./usr/share/applications/switchboard-console.desktop \
         ./usr/share/icons/hicolor/scalable/apps/switchboard-console.svg; do
    grep -qx -- "$f" "$tmp/console.list" || fail "switchboard-console lacks $f"
done
grep -q switchboard-console "$tmp/server.list" && fail "the console is in the server package"
grep -q switchboard-server "$tmp/console.list" && fail "the server is in the console package"
depends=$(dpkg-deb -f "$server" Depends)
echo "Depends: $depends"
for d in libqt6core6 libqt6network6 libqt6websockets6 libssl3 libsystemd0 libqt6sql6-sqlite adduser; do
    [[ $depends == *"$d"* ]] || fail "Depends lacks $d"
done
[[ $(dpkg-deb -f "$console" Depends) == *libqt6widgets6* ]] || fail "console Depends lacks Qt Widgets"
dpkg-deb -e "$server" "$tmp/control"
grep -qx /etc/switchboard/config.json "$tmp/control/conffiles" || fail "config.json is no conffile"
grep -q 'adduser --system' "$tmp/control/postinst" || fail "postinst makes no system user"
grep -q '/var/lib/switchboard' "$tmp/control/postinst" || fail "postinst makes no state dir"

# 3. Unpacked into a throwaway root.
root="$tmp/root"
dpkg-deb -x "$server" "$root"
unit="$root/lib/systemd/system/switchboard.service"
grep -qx 'Type=notify' "$unit" || fail "the unit is not Type=notify"
for key in WatchdogSec= ExecReload= SystemCallFilter=@system-service ProtectClock=yes \
           ProtectHostname=yes RestrictRealtime=yes UMask=0077 NoNewPrivileges=yes \
           ProtectSystem=strict; do
    grep -q "^$key" "$unit" || fail "the unit lacks $key"
done
if command -v systemd-analyze >/dev/null; then
    # verify needs the ExecStart binary where the unit says: point it into the throwaway root.
    sed "s#/usr/bin/switchboard-server#$root/usr/bin/switchboard-server#" "$unit" \
        > "$tmp/switchboard.service"
    timeout 60 systemd-analyze verify "$tmp/switchboard.service" || fail "systemd-analyze verify"
fi

bin="$root/usr/bin/switchboard-server"
cfg="$root/etc/switchboard/config.json"
export SWITCHBOARD_ADMIN_SECRET=test-admin SWITCHBOARD_BRIDGE_SECRET=test-bridge
"$bin" --config "$cfg" --check-config | grep -q 'configuration OK' || fail "--check-config"
data="$tmp/data"
"$bin" --config "$cfg" --data-dir "$data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    > "$tmp/server.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's#^switchboard listening on https://127.0.0.1:\([0-9]*\)$#\1#p' "$tmp/server.log")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/server.log"; fail "the packaged server did not start on https"; }
stamp=$(openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost \
    < <(printf 'GET /signal.ashx HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'; sleep 2) \
    2>/dev/null | tail -1 || true)
echo "answer: $stamp"
expected=$("$bin" --version | sed 's/^switchboard-server //')
[ "$stamp" = "switchboard $expected" ] || fail "no build stamp over https (wanted $expected)"
[ "$(stat -c %a "$data/tls-self-signed.key")" = 600 ] || fail "the self-signed key is not 0600"
grep -q 'SHA-256 fingerprint' "$tmp/server.log" || fail "no fingerprint printed"
echo "PASS"
