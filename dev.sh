#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# TLB Lab developer entry point.
#   ./dev.sh start   install what is missing, build, start the app on the erratum 383 lesson
#                    (without a display: say so and run the headless demo instead)
#   ./dev.sh test    install what is missing, build, run every test; then the whole suite again
#                    under AddressSanitizer + UBSan (preset asan) and the five fuzz targets for 36 s each
#                    (TLBLAB_QUICK=1 skips those two; TLBLAB_FUZZ_SECONDS changes the 36)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

cmd=${1:-start}
jobs=$(nproc 2>/dev/null || echo 2)

setup() {
    bash ./install-deps.sh
    cmake --preset "$1" >/dev/null
    cmake --build --preset "$1" -j "$jobs"
}

case "$cmd" in
start)
    setup dev
    if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
        exec ./build/dev/app/gui/tlblab erratum-383
    fi
    echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the headless demo instead."
    echo "  (for the window, run this again from a desktop session)"
    exec ./build/dev/app/tlblab-cli run erratum-383
    ;;
test)
    setup dev
    ctest --preset dev -j "$jobs"
    if [ "${TLBLAB_QUICK:-0}" != 1 ]; then
        cmake --preset asan >/dev/null
        cmake --build --preset asan -j "$jobs"
        ctest --preset asan -j "$jobs"
        ./fuzz/run-fuzzers.sh build/fuzz "${TLBLAB_FUZZ_SECONDS:-36}"
    fi
    ;;
*)
    echo "usage: ./dev.sh start|test" >&2
    exit 2
    ;;
esac
