#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the golden JSON traces of lesson 4 from a built tlblab-cli.
#   tests/lessons/regen-golden.sh [path/to/tlblab-cli]   (default: build/dev/app/tlblab-cli)
# Review `git diff tests/lessons/golden` before committing: every change must be intended.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-$here/../../build/dev/app/tlblab-cli}
for v in buggy fix-flush fix-trampoline buggy-correct-cpu; do
    out="$here/golden/erratum-383.$v.json"
    # run's JSON is one object; the golden file is its "steps" array (what runJson gives).
    "$cli" run erratum-383 --variant "$v" --format json |
        python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["steps"], indent=1, sort_keys=True))' > "$out.tmp"
    mv "$out.tmp" "$out"
done
echo "regenerated: $(ls "$here"/golden/*.json | wc -l) golden files"
