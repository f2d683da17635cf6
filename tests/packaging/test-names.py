#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Every ctest is named "AREA: what it checks", AREA one of its labels, and every test has a label
# (so `ctest -L AREA` and `ctest -R '^AREA: '` select the same part of the suite).
#   test-names.py CTEST BUILD_DIR
import json
import re
import subprocess
import sys

ctest, build = sys.argv[1], sys.argv[2]
out = subprocess.run([ctest, '--test-dir', build, '--show-only=json-v1'], check=True, capture_output=True,
                     text=True).stdout
bad = []
tests = json.loads(out)['tests']
for t in tests:
    labels = next((p['value'] for p in t.get('properties', []) if p['name'] == 'LABELS'), [])
    m = re.match(r'([a-z]+): ?\S', t['name'])  # catch_discover_tests drops the space after TEST_PREFIX
    if not labels:
        bad.append(f"{t['name']}: no label")
    elif not m or m.group(1) not in labels:
        bad.append(f"{t['name']}: not named 'AREA: ...' with AREA one of its labels {labels}")
for b in bad:
    print(b)
print(f'{len(tests)} tests, {len(bad)} misnamed or unlabelled')
sys.exit(1 if bad or not tests else 0)
