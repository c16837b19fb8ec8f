#!/usr/bin/env bash
# Builds the MSI as `make msi` does (wixl, placeholder stage) and reads its tables back with
# msiinfo: the service (auto start, --service), its control, the console's Start-menu shortcut,
# the ProgramData folders, config.json kept on upgrade, the secrets step before the service
# starts, the upgrade code; then checks that the shipped config.json is one the server accepts.
#   msi-tables-test.sh SOURCE_DIR VERSION SWITCHBOARD_SERVER
set -uo pipefail
src="$1"
version="$2"
server="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in wixl msiinfo msibuild; do
    command -v "$tool" >/dev/null || fail "$tool is missing (make deps installs wixl and msitools)"
done

msi="$work/switchboard.msi"
timeout 60 "$src/packaging/windows/build-msi.sh" "$msi" "$version" || fail "build-msi.sh failed"
table() { msiinfo export "$msi" "$1" | tail -n +4 | tr -d '\r'; }
# row TABLE KEY COLUMN: one column (1-based) of the row whose first column is KEY
row() { table "$1" | awk -F'\t' -v k="$2" -v c="$3" '$1 == k { print $c }'; }

msiinfo suminfo "$msi" | grep -qx 'Template: x64;1033' || fail "not a 64-bit package (suminfo Template)"
[ "$(row ServiceInstall SwitchboardService 2)" = Switchboard ] || fail "no ServiceInstall row for Switchboard"
[ "$(row ServiceInstall SwitchboardService 5)" = 2 ] || fail "the service is not auto start (StartType 2)"
[ "$(row ServiceInstall SwitchboardService 4)" = 16 ] || fail "the service is not an own-process service"
[ "$(row ServiceInstall SwitchboardService 12)" = ServerExe ] || fail "the service is not switchboard-server.exe's"
[ "$(row File ServerExeFile 3)" = switchboard-server.exe ] || fail "switchboard-server.exe is not installed"
[ "$(row Component ServerExe 3)" = INSTALLFOLDER ] || fail "the server is not in INSTALLFOLDER"
args="$(row ServiceInstall SwitchboardService 11)"
case "$args" in
--service\ Switchboard\ *) ;;
*) fail "the service's arguments do not start with --service Switchboard: $args" ;;
esac
grep -q -- '--config "\[CommonAppDataFolder\]Switchboard\\config.json"' <<<"$args" \
    || fail "the service does not read %ProgramData%\\Switchboard\\config.json: $args"
grep -q -- '--data-dir "\[CommonAppDataFolder\]Switchboard\\data"' <<<"$args" \
    || fail "the service's data directory is not %ProgramData%\\Switchboard\\data: $args"

# Start on install (1), stop on install and uninstall (2 + 32), delete on uninstall (128).
[ "$(row ServiceControl SwitchboardServiceControl 3)" = 163 ] \
    || fail "ServiceControl events $(row ServiceControl SwitchboardServiceControl 3), expected 163"
[ "$(row ServiceControl SwitchboardServiceControl 5)" = 1 ] || fail "ServiceControl does not wait"

[ "$(row Shortcut ConsoleStartMenu 2)" = ProgramMenuDir ] || fail "no Start-menu shortcut"
[ "$(row Shortcut ConsoleStartMenu 5)" = '[INSTALLFOLDER]switchboard-console.exe' ] \
    || fail "the shortcut does not start the console: $(row Shortcut ConsoleStartMenu 5)"
[ "$(row Directory ProgramMenuDir 2)" = ProgramMenuFolder ] || fail "the shortcut is not in the Start menu"

for dir in SwitchboardDataDir:data SwitchboardLogsDir:logs; do
    id="${dir%%:*}"
    [ -n "$(row CreateFolder "$id" 2)" ] || fail "no CreateFolder row for $id"
    [ "$(row Directory "$id" 2)" = SwitchboardData ] || fail "$id is not in Switchboard"
    [ "$(row Directory "$id" 3)" = "${dir#*:}" ] || fail "$id is not named ${dir#*:}"
done
[ "$(row Directory SwitchboardData 2)" = CommonAppDataFolder ] || fail "Switchboard is not in %ProgramData%"

# NeverOverwrite (128) and Permanent (16) on config.json.
attributes="$(row Component DefaultConfig 4)"
[ -n "$attributes" ] && [ $((attributes & 144)) = 144 ] \
    || fail "config.json is not NeverOverwrite + Permanent (Attributes $attributes)"
[ "$(row File DefaultConfigFile 3)" = config.json ] || fail "config.json is not installed"

# The secrets are made once the files are there, before the service starts.
[ "$(row CustomAction CreateSecrets 3)" = ServerExeFile ] || fail "no CreateSecrets custom action"
ca="$(row InstallExecuteSequence CreateSecrets 3)"
files="$(row InstallExecuteSequence InstallFiles 3)"
services="$(row InstallExecuteSequence StartServices 3)"
[ -n "$ca" ] && [ "$ca" -gt "$files" ] && [ "$ca" -lt "$services" ] \
    || fail "CreateSecrets ($ca) is not between InstallFiles ($files) and StartServices ($services)"

upgrade="{6F1C3A52-6A4E-4B8E-9A52-1F0D8F3C2B11}"
table Upgrade | grep -q "^$upgrade" || fail "the Upgrade table lacks the upgrade code $upgrade"
[ "$(row Property UpgradeCode 2 | tr a-f A-F)" = "$upgrade" ] || fail "UpgradeCode property differs"
table File | awk -F'\t' '{ print $3 }' | grep -qx Qt6Core.dll || fail "the Qt runtime is not installed"

# The shipped config.json, with its Windows paths pointed at a folder here, is valid, and the
# custom action's command makes the secrets it names.
mkdir -p "$work/data"
"$server" --data-dir "$work/data" --check-config >/dev/null || fail "the secrets step failed"
sed "s#C:/ProgramData/Switchboard/data#$work/data#g" "$src/packaging/windows/config.json" \
    >"$work/config.json"
"$server" --config "$work/config.json" --check-config || fail "the shipped config.json is refused"
echo "msi tables test passed"
