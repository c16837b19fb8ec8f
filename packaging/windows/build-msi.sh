#!/usr/bin/env bash
# Builds the Switchboard MSI with msitools' wixl from a staged tree:
#   build-msi.sh OUT.msi VERSION [STAGE_DIR]
# STAGE_DIR holds bin/switchboard-server.exe, bin/switchboard-console.exe, runtime/ (what
# windeployqt gathered, plus the OpenSSL DLLs) and config.json. Without STAGE_DIR (as on Linux,
# where no Windows Qt program can be built) a stage of PLACEHOLDER files is made: that MSI has
# the real tables but not the real binaries, which only .github/workflows/windows.yml builds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
version="$2"
stage="${3:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for tool in wixl wixl-heat; do
    command -v "$tool" >/dev/null || { echo "build-msi: $tool is missing (Debian package wixl)" >&2; exit 1; }
done

if [ -z "$stage" ]; then
    stage="$work/stage"
    mkdir -p "$stage/bin" "$stage/runtime/platforms" "$stage/runtime/tls" "$stage/runtime/sqldrivers"
    note="PLACEHOLDER made by packaging/windows/build-msi.sh on a machine without Qt for Windows.
The real file comes from the Windows build (.github/workflows/windows.yml)."
    for f in bin/switchboard-server.exe bin/switchboard-console.exe \
        runtime/Qt6Core.dll runtime/Qt6Network.dll runtime/Qt6WebSockets.dll runtime/Qt6Sql.dll \
        runtime/Qt6Gui.dll runtime/Qt6Widgets.dll runtime/platforms/qwindows.dll \
        runtime/tls/qschannelbackend.dll runtime/sqldrivers/qsqlite.dll \
        runtime/libcrypto-3-x64.dll runtime/libssl-3-x64.dll; do
        printf '%s\n' "$note" > "$stage/$f"
    done
    cp "$here/config.json" "$stage/config.json"
fi
for f in bin/switchboard-server.exe bin/switchboard-console.exe config.json; do
    [ -f "$stage/$f" ] || { echo "build-msi: $stage/$f is missing" >&2; exit 1; }
done

# wixl takes sources relative to the .wxs files: build in one folder with the stage beside them.
cp "$here/switchboard.wxs" "$work/"
[ -e "$work/stage" ] || ln -s "$(cd "$stage" && pwd)" "$work/stage"
(cd "$work/stage" && find runtime -type f | LC_ALL=C sort) \
    | wixl-heat -p runtime/ --var var.RuntimeDir --component-group QtRuntime \
        --directory-ref INSTALLFOLDER --win64 > "$work/qt-runtime.wxs"
(cd "$work" && wixl -a x64 -D Toolset=wixl -D Version="$version" -D StageDir=stage \
    -D RuntimeDir=stage/runtime -D Win64=yes -o "$work/out.msi" switchboard.wxs qt-runtime.wxs \
    2> >(grep -v -e "has no property named 'NeverOverwrite'" -e "has no property named 'Permanent'" \
        -e '^$' >&2))

# wixl drops Component/@NeverOverwrite and @Permanent: set those bits (128, 16) itself, so that
# config.json survives upgrades and the ProgramData folders survive an uninstall.
for component in DefaultConfig DataFolder LogsFolder; do
    attributes="$(msiinfo export "$work/out.msi" Component \
        | awk -F'\t' -v c="$component" '$1 == c { print $4 }')"
    [ -n "$attributes" ] || { echo "build-msi: no component $component" >&2; exit 1; }
    add=16
    [ "$component" = DefaultConfig ] && add=144
    msibuild "$work/out.msi" -q \
        "UPDATE \`Component\` SET \`Attributes\` = $((attributes | add)) WHERE \`Component\` = '$component'"
done
mkdir -p "$(dirname "$out")"
mv "$work/out.msi" "$out"
echo "build-msi: wrote $out"
