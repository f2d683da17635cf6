// SPDX-License-Identifier: GPL-3.0-or-later
// `tlblab --bench`: step-to-painted-frame time at 2, 8 and 64 CPUs, and start-up to first frame.
#pragma once

#include <QElapsedTimer>

namespace tlblab::gui {

// Runs the benchmark, prints its figures to stdout; returns the exit status.
int runBench(const QElapsedTimer& sinceStart);

}  // namespace tlblab::gui
