#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `tlblab-cli ... --format json` of list, check, run and stress, parsed back: every line one JSON
# object (run: one object) with "schema": 1 and the fields a script relies on; exit statuses kept;
# nothing but JSON on stdout; no progress line when piped (check, stress, export), one on a
# terminal; export --out without an extension.
#
#   tests/packaging/cli-json.sh TLBLAB_CLI
set -euo pipefail
cli=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tlblab-json.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "cli-json: FAIL: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

"$cli" list --format json > "$tmp/list.jsonl" 2> "$tmp/list.err" || fail "list --format json"
"$cli" check --format json > "$tmp/check.jsonl" 2> "$tmp/check.err" || fail "check --format json"
"$cli" run erratum-383 --variant buggy --format json > "$tmp/run.json" || fail "run --format json"
"$cli" stress --cycles 3000 --seed 7 --format json > "$tmp/stress.jsonl" 2> "$tmp/stress.err" || fail "stress --format json"
set +e
"$cli" check --format json "$here/../lessons/failing" > "$tmp/failing.jsonl" 2>/dev/null
status=$?
set -e
[ $status -eq 1 ] || fail "check --format json of a failing lesson exits $status, not 1"
[ ! -s "$tmp/check.err" ] && [ ! -s "$tmp/stress.err" ] || fail "progress or noise on a piped stderr: $(cat "$tmp"/*.err)"

python3 - "$tmp" <<'PY' || fail "JSON output"
import json, sys, os
tmp = sys.argv[1]
def lines(name):
    out = []
    for n, line in enumerate(open(os.path.join(tmp, name)), 1):
        obj = json.loads(line)
        assert isinstance(obj, dict), f"{name}:{n}: not an object"
        assert obj.get("schema") == 1, f"{name}:{n}: schema {obj.get('schema')}"
        out.append(obj)
    return out
lessons = lines("list.jsonl")
ids = [l["id"] for l in lessons]
assert "erratum-383" in ids, ids
e = lessons[ids.index("erratum-383")]
assert {"buggy", "fix-flush", "fix-trampoline"} <= {v["name"] for v in e["variants"]}, e["variants"]
assert e["title"] and os.path.isfile(e["path"]), e
runs = lines("check.jsonl")
summary = runs.pop()["summary"]
assert summary == {"files": len(lessons), "runs": len(runs), "failed": 0, "bad": 0}, summary
assert all(r["status"] == "ok" and r["checks"] > 0 for r in runs), runs
assert {(r["lesson"], r["variant"]) for r in runs} >= {("erratum-383", "buggy"), ("erratum-383", "fix-flush")}
failing = lines("failing.jsonl")
assert failing[-1]["summary"]["failed"] >= 1 and any(r["status"] == "failed" for r in failing[:-1]), failing
run = json.load(open(os.path.join(tmp, "run.json")))
assert run["schema"] == 1 and run["lesson"] == "erratum-383" and run["variant"] == "buggy", run.keys()
assert run["failed"] == 0 and len(run["steps"]) >= 6
assert run["steps"][-1]["cpus"][1]["mce"]["mc0_status"] == "0xb600000000010015"
stress = lines("stress.jsonl")
assert [s["variant"] for s in stress] == ["buggy", "fix-flush", "fix-trampoline"], stress
assert all(s["cycles"] == 3000 and s["seed"] == 7 for s in stress)
assert stress[0]["machine_checks"] > 0 and stress[2]["machine_checks"] == 0, stress
assert "misses" in stress[0]["per_context_switch"]
print(f"cli-json: {len(lessons)} lessons, {len(runs)} checked runs, {len(run['steps'])} run steps, {len(stress)} stress variants")
PY

# On a terminal (a pseudo-terminal from util-linux's script), stress and check draw a progress line.
if command -v script >/dev/null; then
    TERM=xterm script -qec "$cli stress --cycles 200000 --variant buggy --jobs 1" /dev/null | tr '\r' '\n' > "$tmp/tty.txt"
    grep -aq 'stress buggy [0-9]*/200000 cycles, [0-9]*/s' "$tmp/tty.txt" || fail "no stress progress on a terminal: $(head -c 400 "$tmp/tty.txt")"
    TERM=xterm script -qec "$cli check" /dev/null | tr '\r' '\n' > "$tmp/tty-check.txt"
    grep -aq 'check 0/[0-9]* lesson files' "$tmp/tty-check.txt" || fail "no check progress on a terminal"
    # export of many steps: the line counts the steps written, one per step, up to all of them.
    mkdir "$tmp/tty-export"
    TERM=xterm script -qec "$cli export erratum-383 --format svg --out $tmp/tty-export/f.svg" /dev/null | tr '\r' '\n' > "$tmp/tty-export.txt"
    grep -aq 'export 9/9 steps' "$tmp/tty-export.txt" || fail "no export progress on a terminal: $(head -c 400 "$tmp/tty-export.txt")"
fi

# export of many steps, piped: the files and nothing on stderr (no progress line), for the core's
# SVG and for a format drawn by Qt.
mkdir "$tmp/piped"
"$cli" export erratum-383 --format svg --out "$tmp/piped/f.svg" > "$tmp/export.out" 2> "$tmp/export.err" || fail "export svg"
"$cli" export erratum-383 --format png --scale 0.5 --out "$tmp/piped/p.png" >> "$tmp/export.out" 2>> "$tmp/export.err" ||
    fail "export png"
[ "$(ls "$tmp/piped" | grep -c '^f-step.*\.svg$')" -eq 9 ] || fail "export svg wrote $(ls "$tmp/piped")"
[ "$(ls "$tmp/piped" | grep -c '^p-step.*\.png$')" -eq 9 ] || fail "export png wrote $(ls "$tmp/piped")"
# (Qt's own note about XDG_RUNTIME_DIR, when the environment has none, is not ours.)
grep -v '^QStandardPaths: XDG_RUNTIME_DIR' "$tmp/export.err" > "$tmp/export-ours.err" || true
[ ! -s "$tmp/export-ours.err" ] || fail "progress or noise on a piped stderr of export: $(head -c 400 "$tmp/export-ours.err")"

# export --out without an extension gets the format's.
"$cli" export erratum-383 --steps 2 --format tikz --out "$tmp/fig" >/dev/null || fail "export tikz"
[ -f "$tmp/fig.tex" ] || fail "export --format tikz --out fig wrote $(ls "$tmp")"
"$cli" export erratum-383 --steps 2 --format html --out "$tmp/slides" >/dev/null || fail "export html"
[ -f "$tmp/slides.html" ] || fail "export --format html --out slides wrote $(ls "$tmp")"
echo "cli-json: ok"
