#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes a man page from a program's own --help and --version with help2man, so the page cannot
# drift from the program. For a program with subcommands, each subcommand's --help becomes a
# subsection of SUBCOMMANDS. EXTRA is a help2man include file (EXIT STATUS, FILES, SEE ALSO...).
#
#   cmake/gen-man.sh PROGRAM OUT.1 "one-line description" EXTRA [--subcommands]
set -euo pipefail
prog=$1 out=$2 desc=$3 extra=$4 subs=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$extra" "$tmp/include"
# roff: a line may not start with . or ', and a backslash is \e.
roff() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
if [ "$subs" = --subcommands ]; then
    {
        echo '[SUBCOMMANDS]'
        for s in $("$prog" --help | sed -n '/^[Ss][Uu][Bb][Cc][Oo][Mm][Mm][Aa][Nn][Dd][Ss]:/,$p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
            echo ".SS $s"
            echo '.nf'
            "$prog" "$s" --help | roff
            echo '.fi'
        done
    } >> "$tmp/include"
fi
# help2man needs the program's name for --help and --version; the build path must not show.
ln -s "$(cd "$(dirname "$prog")" && pwd)/$(basename "$prog")" "$tmp/$(basename "$prog")"
QT_QPA_PLATFORM=offscreen help2man --no-info --no-discard-stderr -n "$desc" -i "$tmp/include" \
    -o "$out.tmp" "$tmp/$(basename "$prog")"
sed -i "s|$tmp/||g" "$out.tmp"
mv "$out.tmp" "$out"
