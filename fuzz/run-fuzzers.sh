#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs each libFuzzer target for a fixed time from its seed corpus; fails on any crash, leak,
# timeout or sanitizer report.
#
#   fuzz/run-fuzzers.sh [BUILD_DIR] [SECONDS_PER_TARGET]
#
# BUILD_DIR is a build of the `fuzz` preset (default build/fuzz; built here if it is missing);
# SECONDS defaults to 30 (six targets x 30 s: the CPU time three targets x 60 s took). New inputs go to BUILD_DIR/fuzz-corpus/<target>/, crashes to
# BUILD_DIR/fuzz-artifacts/<target>/. Every crash found becomes a regression: copy the artifact
# into fuzz/regressions/<target>/, fix the bug, and the ctest "fuzz: fuzz_<target> replays its seeds and regressions" keeps it fixed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build/fuzz}
seconds=${2:-30}
targets=(ops lesson export lesson_export session svg)

for t in "${targets[@]}"; do
    if [ ! -f "$build/fuzz/fuzz_$t.seeds" ]; then
        cmake --preset fuzz -B "$build" >/dev/null
        break
    fi
done
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]/#/fuzz_}"

# One target: its log in BUILD/fuzz-<target>.log; exit status non-zero on a crash.
fuzz_one() {
    local t=$1 work="$build/fuzz-corpus/$1" artifacts="$build/fuzz-artifacts/$1" dict=fuzz/ops.dict maxlen=8192
    mkdir -p "$work" "$artifacts"
    read -r -a seeds < "$build/fuzz/fuzz_$t.seeds"
    case $t in  # whole bundled lessons as seeds
        lesson | lesson_export | session | svg) dict=fuzz/lesson.dict; maxlen=65536 ;;
    esac
    # -timeout: one input may take at most 30 s (a 4 GiB map under ASan takes a few seconds).
    LSAN_OPTIONS=suppressions="$PWD/fuzz/lsan-suppressions.txt" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -max_len=$maxlen \
            -dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
            "$work" "${seeds[@]}" > "$build/fuzz-$t.log" 2>&1
}

# The targets run at the same time (each for the full time), so CI waits `seconds`, not six times it.
declare -A pids
for t in "${targets[@]}"; do
    echo "== fuzz_$t: ${seconds}s from $(cat "$build/fuzz/fuzz_$t.seeds")"
    fuzz_one "$t" &
    pids[$t]=$!
done
status=0
for t in "${targets[@]}"; do
    if wait "${pids[$t]}"; then
        echo "fuzz_$t: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$build/fuzz-$t.log" | tail -1)" \
             "$(grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$build/fuzz-$t.log" | tr -s ' \n' ' ')"
    else
        status=1
        echo "fuzz_$t FAILED; the last lines of $build/fuzz-$t.log:"
        tail -n 40 "$build/fuzz-$t.log"
        echo "artifacts (copy each into fuzz/regressions/$t/ once fixed): $(ls "$build/fuzz-artifacts/$t")"
    fi
done
exit $status
