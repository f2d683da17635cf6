#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Adds the SPDX licence line to every source file that lacks it (C++, CMake, shell, Python), or with
# --check lists those files and exits 1 if there is any. Idempotent: a file that already has the line
# in its first 5 lines is left alone. A file's shebang stays on line 1.
#
#   tools/add-spdx.sh [--check] [SOURCE_DIR]      (default: the repository this script is in)
set -euo pipefail
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
root=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
spdx='SPDX-License-Identifier: GPL-3.0-or-later'

# The source files: tracked ones in a git checkout, else every file outside build trees.
list_files() {
    if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$root" ls-files --cached --others --exclude-standard
    else
        (cd "$root" && find . -path ./build -prune -o -path './build-*' -prune -o -path ./.git -prune -o -type f -print |
            sed 's|^\./||')
    fi
}

# The comment style of a source file, or nothing for a file that is not source.
style() {
    case "$1" in
        *.cpp | *.hpp | *.h | *.cc | *.hpp.in | *.cpp.in) echo '//' ;;
        CMakeLists.txt | */CMakeLists.txt | *.cmake | *.sh | *.py | *.bash) echo '#' ;;
        *)
            # Extension-less executables with a shell or Python shebang (.ci/run, completions).
            if [ -f "$root/$1" ] && head -c 2 "$root/$1" | grep -q '^#!' &&
                head -n 1 "$root/$1" | grep -Eq 'sh|python'; then echo '#'; fi ;;
    esac
}

missing=()
while IFS= read -r f; do
    [ -f "$root/$f" ] || continue
    c=$(style "$f")
    [ -n "$c" ] || continue
    head -n 5 "$root/$f" | grep -q "$spdx" && continue
    missing+=("$f")
    [ $check -eq 1 ] && continue
    tmp=$(mktemp "$root/$f.spdx.XXXXXX")
    if head -c 2 "$root/$f" | grep -q '^#!'; then
        { head -n 1 "$root/$f"; echo "$c $spdx"; tail -n +2 "$root/$f"; } > "$tmp"
    else
        { echo "$c $spdx"; cat "$root/$f"; } > "$tmp"
    fi
    chmod --reference="$root/$f" "$tmp"
    mv "$tmp" "$root/$f"
done < <(list_files | sort -u)

if [ $check -eq 1 ]; then
    if [ ${#missing[@]} -gt 0 ]; then
        echo "add-spdx: ${#missing[@]} source files without '$spdx' (run tools/add-spdx.sh):" >&2
        printf '  %s\n' "${missing[@]}" >&2
        exit 1
    fi
    echo "add-spdx: every source file carries '$spdx'"
else
    echo "add-spdx: added the line to ${#missing[@]} files"
fi
