#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the .deb of a build directory with cpack and checks it:
#   - its Depends are bookworm packages that are installed here (so apt can satisfy them);
#   - unpacked into a fresh root, its tlblab-cli --version works and `tlblab-cli check` plays every
#     bundled lesson from the package's own /usr/share/tlblab/lessons;
#   - with --system (root only, changes this machine): `dpkg -i` the package, run
#     /usr/bin/tlblab-cli check, then `dpkg -r tlblab` (only tlblab itself is removed).
#
#   tests/packaging/deb-check.sh BUILD_DIR [--system]
set -euo pipefail
build=$(cd "$1" && pwd)
mode=${2:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tlblab-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "deb-check: FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$tmp/out" >/dev/null) || fail "cpack"
deb=$(ls "$tmp"/out/tlblab_*.deb)
echo "deb-check: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb -f "$deb" Package Version Architecture Depends

# Every dependency (first alternative of each) must be a package installed on this machine.
depends=$(dpkg-deb -f "$deb" Depends)
IFS=',' read -r -a deps <<< "$depends"
for d in "${deps[@]}"; do
    pkg=$(echo "$d" | sed 's/|.*//; s/(.*)//; s/:any//' | xargs)
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep "install ok installed" >/dev/null ||
        fail "dependency '$pkg' is not an installed package here"
done

# A fresh root: only the package's files.
dpkg-deb -x "$deb" "$tmp/root"
cli="$tmp/root/usr/bin/tlblab-cli"
[ -x "$cli" ] || fail "no /usr/bin/tlblab-cli in the package"
for f in usr/share/applications/io.github.tlblab.tlblab.desktop usr/share/metainfo/io.github.tlblab.tlblab.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/io.github.tlblab.tlblab.svg usr/share/doc/tlblab/copyright \
         usr/share/mime/packages/io.github.tlblab.tlblab.xml usr/share/bash-completion/completions/tlblab-cli; do
    [ -f "$tmp/root/$f" ] || fail "not in the package: /$f"
done
# Debian's machine-readable copyright file, naming the licence.
head -n 1 "$tmp/root/usr/share/doc/tlblab/copyright" |
    grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' || fail "copyright is not DEP-5"
grep -q '^License: GPL-3+' "$tmp/root/usr/share/doc/tlblab/copyright" || fail "copyright names no GPL-3+ licence"
# Man pages (from help2man) and PNG icons (from rsvg-convert), where the build machine has the tools.
if command -v help2man >/dev/null; then
    for m in tlblab-cli tlblab; do
        [ $m = tlblab ] && [ ! -x "$tmp/root/usr/bin/tlblab" ] && continue
        [ -f "$tmp/root/usr/share/man/man1/$m.1" ] || [ -f "$tmp/root/usr/share/man/man1/$m.1.gz" ] ||
            fail "not in the package: /usr/share/man/man1/$m.1"
    done
fi
if command -v rsvg-convert >/dev/null; then
    for s in 16 32 48 64 128 256 512; do
        [ -f "$tmp/root/usr/share/icons/hicolor/${s}x${s}/apps/io.github.tlblab.tlblab.png" ] || fail "no ${s}x${s} icon"
    done
fi
# An installed build carries no path of the source tree (lessons are found beside the binary).
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for b in "$tmp"/root/usr/bin/*; do
    if strings "$b" | grep -F "$src" > "$tmp/paths.txt"; then
        fail "$(basename "$b") names the source tree: $(head -n 3 "$tmp/paths.txt")"
    fi
done
"$cli" --version
n=$(ls "$tmp"/root/usr/share/tlblab/lessons/*.yaml | wc -l)
[ "$n" -gt 0 ] || fail "no bundled lessons in the package"
(cd "$tmp" && env -u TLBLAB_LESSON_DIR "$cli" check) || fail "tlblab-cli check from the unpacked package"
echo "deb-check: unpacked package checks its $n bundled lessons"

if [ "$mode" = --system ]; then
    [ "$(id -u)" -eq 0 ] || fail "--system needs root"
    dpkg -i "$deb" >/dev/null
    status=0
    (cd "$tmp" && env -u TLBLAB_LESSON_DIR /usr/bin/tlblab-cli check) || status=1
    /usr/bin/tlblab-cli --version
    dpkg -r tlblab >/dev/null
    [ $status -eq 0 ] || fail "/usr/bin/tlblab-cli check after dpkg -i"
    echo "deb-check: dpkg -i, /usr/bin/tlblab-cli check, dpkg -r: ok"
fi
