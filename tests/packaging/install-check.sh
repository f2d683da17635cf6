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
id=io.github.tlblab.TlbLab

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
appstreamcli validate --no-net --pedantic "$root/share/metainfo/$id.metainfo.xml" >/dev/null ||
    fail "appstreamcli validate: $(appstreamcli validate --no-net "$root/share/metainfo/$id.metainfo.xml")"
exe=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$root/share/applications/$id.desktop")
icon=$(sed -n 's/^Icon=//p' "$root/share/applications/$id.desktop")
[ "$exe" = tlblab ] || fail "Exec= names '$exe', not tlblab"
[ "$icon" = "$id" ] || fail "Icon= names '$icon', not $id"
grep -q "<launchable type=\"desktop-id\">$id.desktop</launchable>" "$root/share/metainfo/$id.metainfo.xml" ||
    fail "metainfo does not launch $id.desktop"

# --version and --help exit 0 and say what they should.
cli="$root/bin/tlblab-cli"
"$cli" --version | grep -q '^tlblab-cli [0-9]' || fail "tlblab-cli --version"
"$cli" --help | grep -q 'Usage' || fail "tlblab-cli --help"
if [ -x "$root/bin/tlblab" ]; then
    QT_QPA_PLATFORM=offscreen "$root/bin/tlblab" --version | grep -q '^tlblab [0-9]' || fail "tlblab --version"
    QT_QPA_PLATFORM=offscreen "$root/bin/tlblab" --help | grep -q 'Usage' || fail "tlblab --help"
fi

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
