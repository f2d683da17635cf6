#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lines per function of C++ sources, longest first: a brace counter, not a parser.

  tools/function-lengths.py core/src/ops.cpp core/src/machine.cpp ...   [--over 80]

A function is a block opened on a line with a ')' at namespace or class level (lambdas and
blocks inside a function count towards it). String and character literals and // comments are
skipped. Exit status 1 when --over N is given and some function is longer than N lines.
"""
import re
import sys


def strip(line):
    line = re.sub(r'R"\((.*?)\)"', '""', line)
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split('//', 1)[0]


def functions(path):
    out, stack, pending = [], [], ''
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    for no, raw in enumerate(lines, 1):
        line = strip(raw)
        if line.lstrip().startswith('#'):
            continue  # preprocessor
        pending = (pending + ' ' + line.strip())[-400:]
        for ch in line:
            if ch == '{':
                head = pending.split(';')[-1].split('}')[-1]
                outer = stack[-1][0] if stack else 'ns'
                if re.search(r'\bnamespace\b[^()]*$', head) or 'extern "C"' in head:
                    kind = 'ns'
                elif outer in ('ns', 'class') and re.search(r'\b(class|struct|union|enum)\b[^()]*$', head):
                    kind = 'class'
                elif outer in ('ns', 'class') and ')' in head and '=' not in head.split(')')[-1]:
                    kind = 'fn'
                else:
                    kind = 'block'
                name = re.sub(r'\s+', ' ', head.split('(')[0]).strip().split(' ')[-1] if kind == 'fn' else ''
                stack.append((kind, no, name))
                pending = ''
            elif ch == '}' and stack:
                kind, start, name = stack.pop()
                if kind == 'fn':
                    out.append((no - start + 1, path, start, name))
                pending = ''
    return out


def main(argv):
    over = None
    if '--over' in argv:
        i = argv.index('--over')
        over = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    found = sorted((f for p in argv for f in functions(p)), reverse=True)
    long = [f for f in found if over is not None and f[0] > over]
    for n, path, start, name in (long if over is not None else found[:15]):
        print(f'{n:5} {path}:{start} {name}')
    if over is not None:
        print(f'{len(long)} function(s) over {over} lines')
        return 1 if long else 0
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
