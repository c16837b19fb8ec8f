#!/usr/bin/env bash
# Runs sb-test-service.exe (TestService.cpp + the server's Windows service glue, built with
# mingw-w64) under wine as a real service in a throwaway prefix, through wine's own Service
# Control Manager (services.exe) and sc.exe:
#   sc create → sc start → RUNNING → control 128 (reload) → sc stop → STOPPED, exit code 0,
#   and the stop reached the program's main thread (marker file) and the log file;
#   a second service exits with code 3 → STOPPED with SERVICE_EXIT_CODE 3;
#   --service outside the SCM is refused with exit code 2.
# Every wine call is bounded; a misbehaving wine fails the test with a message, never passes it.
#   wine-service-test.sh path/to/sb-test-service.exe
set -uo pipefail
exe="$1"
start=$SECONDS
fail() {
    echo "FAIL: $*" >&2
    [ -n "${log:-}" ] && [ -f "$log" ] && { echo "--- service log:" >&2; cat "$log" >&2; }
    [ -f "${marker:-/nonexistent}" ] && { echo "--- marker:" >&2; cat "$marker" >&2; }
    exit 1
}
command -v wine >/dev/null || fail "wine is not installed (make deps installs the Debian packages wine and wine64)"
[ -f "$exe" ] || fail "$exe is missing (built by the sb-test-service target with x86_64-w64-mingw32-g++)"

export WINEPREFIX
WINEPREFIX="$(mktemp -d /tmp/sb-wine.XXXXXX)"
export WINEDEBUG=-all WINEARCH=win64 DISPLAY= WAYLAND_DISPLAY=
# No Mono or Gecko prompts; DISPLAY empty: no window system.
export WINEDLLOVERRIDES="mscoree,mshtml="
holder=""
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    timeout 20 wineserver -k 2>/dev/null
    timeout 20 wineserver -w 2>/dev/null
    rm -rf "$WINEPREFIX"
}
trap cleanup EXIT

w() { timeout 30 wine "$@" </dev/null; }

echo "creating the wine prefix $WINEPREFIX"
timeout 120 wineboot -i </dev/null >/dev/null 2>&1 || fail "wineboot -i did not finish within 120 s (rc $?)"
# Let that first session end (the registry saved, wineboot's work done) before the test's own.
timeout 60 wineserver -w || fail "the wine session of wineboot did not end within 60 s"
echo "prefix ready after $((SECONDS - start)) s" >&2
mkdir -p "$WINEPREFIX/drive_c/sbtest"
cp "$exe" "$WINEPREFIX/drive_c/sbtest/sb-test-service.exe"
marker="$WINEPREFIX/drive_c/sbtest/marker.txt"
winexe='C:\sbtest\sb-test-service.exe'

# wine ends its system processes, services included, once no other wine process is left: one
# holds the session for the test (and is killed at the end).
wine "$winexe" --hold 150 </dev/null >/dev/null 2>&1 &
holder=$!

state() { w sc query "$1" 2>/dev/null | tr -d '\r' | awk '$1 == "STATE" { print $4 }'; }
field() { w sc query "$1" 2>/dev/null | tr -d '\r' | awk -v f="$2" '$1 == f { print $3 }'; }
wait_state() { # NAME STATE SECONDS
    local deadline=$((SECONDS + $3)) now
    while [ $SECONDS -lt $deadline ]; do
        now="$(state "$1")"
        [ "$now" = "$2" ] && return 0
        sleep 0.3
    done
    fail "service $1 did not reach $2 within $3 s (last state: ${now:-none})"
}
sc_create() { # NAME BINPATH: retried like sc_start (wine's sc.exe may say nothing on failure)
    local deadline=$((SECONDS + 40))
    while [ $SECONDS -lt $deadline ]; do
        w sc create "$1" binPath= "$2" >/dev/null 2>&1
        [ -n "$(state "$1")" ] && return 0
        sleep 0.5
    done
    fail "sc create $1 did not create the service within 40 s"
}
sc_start() { # NAME: wine's services.exe keeps its database locked (error 1055) for a few
    # seconds after it starts, while it starts the prefix's own services: retry, bounded.
    local deadline=$((SECONDS + 40)) out
    while [ $SECONDS -lt $deadline ]; do
        out="$(WINEDEBUG=err+sc w sc start "$1" 2>&1)" && return 0
        echo "sc start $1 at $((SECONDS - start)) s: $(grep err: <<<"$out")" >&2
        grep -q 'failed to start service 1055' <<<"$out" || fail "sc start $1 failed: $out"
        sleep 0.5
    done
    fail "sc start $1: the service database stayed locked for 40 s"
}
wait_line() { # FILE LINE SECONDS
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        tr -d "\r" <"$1" 2>/dev/null | grep -qxF "$2" && return 0
        sleep 0.2
    done
    fail "no line '$2' in $1 within $3 s"
}

# 1. A real service: create, start, RUNNING, reload, stop, STOPPED with exit code 0.
sc_create SbTest "$winexe --service SbTest --marker C:\\sbtest\\marker.txt"
kill -0 "$holder" || fail "the holder process died"; echo "created SbTest at $((SECONDS - start)) s" >&2
sc_start SbTest
wait_state SbTest RUNNING 20
wait_line "$marker" started 10
w "$winexe" --control SbTest 128 || fail "control 128 could not be sent"
wait_line "$marker" "reload 1" 10
[ "$(state SbTest)" = RUNNING ] || fail "a reload changed the state: $(state SbTest)"
w sc stop SbTest >/dev/null || fail "sc stop SbTest failed"
wait_state SbTest STOPPED 20
wait_line "$marker" "stop handled on the main thread" 5
[ "$(field SbTest WIN32_EXIT_CODE)" = 0 ] || fail "WIN32_EXIT_CODE $(field SbTest WIN32_EXIT_CODE), expected 0"
log="$(find "$WINEPREFIX/drive_c" -path '*Switchboard/logs/SbTest.log' | head -n 1)"
[ -n "$log" ] || fail "no Switchboard\\logs\\SbTest.log under %ProgramData%"
grep -q "service SbTest starting, pid" "$log" || fail "the log lacks the start line"
grep -q "service SbTest stopped, exit code 0" "$log" || fail "the log lacks the stop line"

# 2. The program's exit code reaches the SCM as a service-specific error.
sc_create SbFail "$winexe --service SbFail --marker C:\\sbtest\\fail.txt --exit-code 3"
sc_start SbFail
wait_state SbFail RUNNING 20
w sc stop SbFail >/dev/null || fail "sc stop SbFail failed"
wait_state SbFail STOPPED 20
[ "$(field SbFail WIN32_EXIT_CODE)" = 1066 ] \
    || fail "WIN32_EXIT_CODE $(field SbFail WIN32_EXIT_CODE), expected 1066 (service-specific)"
[ "$(field SbFail SERVICE_EXIT_CODE)" = 3 ] \
    || fail "SERVICE_EXIT_CODE $(field SbFail SERVICE_EXIT_CODE), expected 3"

w sc delete SbTest >/dev/null
w sc delete SbFail >/dev/null

# 3. Outside the SCM --service is refused with a clear message and exit code 2. Last, with no
# service running: wine's dispatcher takes ~10 s to give up, and while a service starts it may
# reach that service's control pipe instead.
out="$(w "$winexe" --service SbTest --marker 'C:\sbtest\none.txt' 2>&1)"
rc=$?
[ "$rc" = 2 ] || fail "--service outside the SCM: exit code $rc, expected 2 ($out)"
grep -q "not started by the Service Control Manager" <<<"$out" \
    || fail "--service outside the SCM: unexpected message: $out"
echo "wine service test passed in $((SECONDS - start)) s"
