#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs a build into a temporary DESTDIR, moves the install tree somewhere else (so nothing can
# be found through the configured prefix), then checks what a desktop expects and that the
# installed tlblab-cli finds and passes its bundled lessons without the source tree's help.
#
#   tests/packaging/install-check.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tlblab-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install-check: FAIL: $*" >&2; exit 1; }

DESTDIR="$tmp/stage" cmake --install "$build" --prefix /opt/tlblab-test >/dev/null
mv "$tmp/stage/opt/tlblab-test" "$tmp/moved"
root="$tmp/moved"
id=io.github.tlblab.tlblab

for f in bin/tlblab-cli share/applications/$id.desktop share/metainfo/$id.metainfo.xml \
         share/icons/hicolor/scalable/apps/$id.svg share/tlblab/lessons/README.md share/doc/tlblab/README.md; do
    [ -f "$root/$f" ] || fail "not installed: $f"
done
lessons=("$root"/share/tlblab/lessons/*.yaml)
[ -f "${lessons[0]}" ] || fail "no lesson installed in share/tlblab/lessons"
if grep -q '^tlblab:' <(cmake --build "$build" --target help 2>/dev/null || true); then
    [ -x "$root/bin/tlblab" ] || fail "the app was built but bin/tlblab is not installed"
fi

# The desktop entry names the installed binary and icon; both files validate.
desktop-file-validate "$root/share/applications/$id.desktop" || fail "desktop-file-validate"
# Clean means no issue at all, pedantic hints included (appstreamcli exits 0 on those): one line
# "X: id:line: tag" per issue, X = E, W, I or P.
as_out=$(appstreamcli validate --no-net --pedantic "$root/share/metainfo/$id.metainfo.xml" 2>&1) ||
    fail "appstreamcli validate: $as_out"
if grep -E '^[EWIP]: ' <<<"$as_out" >/dev/null; then fail "appstreamcli validate --pedantic: $as_out"; fi
# The id is lower case (AppStream hint cid-contains-uppercase-letter) and the app announces the
# same desktop file name (QGuiApplication::setDesktopFileName in app/gui/main.cpp).
[ "$id" = "$(tr '[:upper:]' '[:lower:]' <<<"$id")" ] || fail "the app id $id has upper case letters"
if [ -x "$root/bin/tlblab" ] && ! grep -aF "$id" "$root/bin/tlblab" >/dev/null; then
    fail "bin/tlblab does not carry the desktop file name $id"
fi
exe=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$root/share/applications/$id.desktop")
icon=$(sed -n 's/^Icon=//p' "$root/share/applications/$id.desktop")
[ "$exe" = tlblab ] || fail "Exec= names '$exe', not tlblab"
[ "$icon" = "$id" ] || fail "Icon= names '$icon', not $id"
grep -q "<launchable type=\"desktop-id\">$id.desktop</launchable>" "$root/share/metainfo/$id.metainfo.xml" ||
    fail "metainfo does not launch $id.desktop"

# --version and --help exit 0 and say what they should.
cli="$root/bin/tlblab-cli"
"$cli" --version | grep '^tlblab-cli [0-9]' >/dev/null || fail "tlblab-cli --version"
"$cli" --help | grep 'Usage' >/dev/null || fail "tlblab-cli --help"
if [ -x "$root/bin/tlblab" ]; then
    # Without any display and with the default platform plugin: --help and --version need none.
    env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/bin/tlblab" --version | grep '^tlblab [0-9]' >/dev/null ||
        fail "tlblab --version without a display"
    env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/bin/tlblab" --help > "$tmp/help.txt" ||
        fail "tlblab --help without a display"
    grep -q 'Usage' "$tmp/help.txt" && grep -q 'Exit status' "$tmp/help.txt" && grep -q -- '--fresh' "$tmp/help.txt" ||
        fail "tlblab --help: $(cat "$tmp/help.txt")"
fi
"$cli" --help | grep 'Exit status' >/dev/null || fail "tlblab-cli --help does not document the exit statuses"

# Licence, icons, MIME types, man pages and completion (each only where the build made it).
grep -q '^License: GPL-3+' "$root/share/doc/tlblab/copyright" || fail "the copyright file names no GPL-3+"
grep -q '<project_license>GPL-3.0-or-later</project_license>' "$root/share/metainfo/$id.metainfo.xml" ||
    fail "metainfo has no project_license"
if command -v rsvg-convert >/dev/null; then
    for s in 16 22 24 32 48 64 128 256 512; do
        png="$root/share/icons/hicolor/${s}x${s}/apps/$id.png"
        [ -f "$png" ] || fail "not installed: ${png#$root/}"
        file "$png" | grep "PNG image data, $s x $s" >/dev/null || fail "${png#$root/} is not a ${s}x${s} PNG: $(file "$png")"
    done
fi
mime="$root/share/mime/packages/$id.xml"
[ -f "$mime" ] || fail "not installed: share/mime/packages/$id.xml"
mkdir -p "$tmp/mime/packages" && cp "$mime" "$tmp/mime/packages/"
update-mime-database "$tmp/mime" >/dev/null 2>&1 || fail "update-mime-database rejects $id.xml"
grep -q 'application/x-tlblab-script:\*\.tlb' "$tmp/mime/globs" || fail "*.tlb is not application/x-tlblab-script"
for t in application/x-tlblab-script application/x-tlblab-lesson; do
    grep -q "MimeType=.*$t;" "$root/share/applications/$id.desktop" || fail "the desktop file does not open $t"
done
if command -v help2man >/dev/null; then
    for m in tlblab-cli tlblab; do
        [ -f "$root/share/man/man1/$m.1" ] || { [ $m = tlblab ] && [ ! -x "$root/bin/tlblab" ]; } ||
            fail "not installed: share/man/man1/$m.1"
    done
    page="$root/share/man/man1/tlblab-cli.1"
    for sec in 'SH SYNOPSIS\|SH DESCRIPTION' 'SH "EXIT STATUS"\|SH EXIT STATUS' 'SS run' 'SS check' 'SS list' 'SS export' 'SS stress'; do
        grep -q "^\.$sec" "$page" || fail "tlblab-cli.1 has no .$sec"
    done
    ! grep -q "$build" "$page" || fail "tlblab-cli.1 names the build directory"
    if command -v man >/dev/null; then man -l "$page" > /dev/null 2>&1 || fail "man -l tlblab-cli.1"; fi
fi
comp="$root/share/bash-completion/completions/tlblab-cli"
[ -f "$comp" ] || fail "not installed: share/bash-completion/completions/tlblab-cli"
bash -n "$comp" || fail "the completion script does not parse"
# The completion at work, with the installed tlblab-cli: COMPREPLY for a few command lines.
complete_words() {
    PATH="$root/bin:$PATH" bash -c 'shopt -s extglob; source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tlblab_cli; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
complete_words tlblab-cli "" | grep -x check >/dev/null || fail "completion: no subcommand 'check'"
complete_words tlblab-cli run erra | grep -x erratum-383 >/dev/null || fail "completion: no lesson id erratum-383"
complete_words tlblab-cli run erratum-383 --variant fix- | grep -x fix-flush >/dev/null || fail "completion: no variant fix-flush"
complete_words tlblab-cli stress --cy | grep -x -- --cycles >/dev/null || fail "completion: no option --cycles of stress"

# Run from an empty directory without TLBLAB_LESSON_DIR. A probe lesson that exists only in the
# moved tree proves that list and check read the installed lessons, not the source tree's.
cd "$tmp"
unset TLBLAB_LESSON_DIR
cat > "$root/share/tlblab/lessons/zz-install-probe.yaml" <<'YAML'
id: zz-install-probe
title: Install probe
steps:
  - title: a table
    ops: |
      table probe
      map probe 0x1000 0x5000 4K 4K
      cpu0 load_cr3 probe
      cpu0 access 0x1000 read kernel
    expect:
      - cpu0 access_ok 0x5000
YAML
"$cli" list > list.txt || { cat list.txt; fail "tlblab-cli list"; }
grep -q zz-install-probe list.txt || { cat list.txt; fail "list does not read the installed lessons"; }
for l in "${lessons[@]}"; do
    grep -q "$(basename "$l" .yaml)" list.txt || fail "list does not show $(basename "$l")"
done
"$cli" check > check.txt 2>&1 || { cat check.txt; fail "tlblab-cli check (bundled lessons)"; }
grep -q '^ok *zz-install-probe' check.txt || { cat check.txt; fail "check did not play the installed lessons"; }
echo "install-check: ok (${#lessons[@]} lessons, installed tree relocated to $root)"
