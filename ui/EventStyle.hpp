// SPDX-License-Identifier: GPL-3.0-or-later
// Colours and importance of event kinds, shared by the changes list and the swimlane.
#pragma once

#include "tlblab/events.hpp"

#include <QColor>

namespace tlblab::ui {

// 0 = detail (hits, kernel enter/exit), 1 = ordinary change, 2 = key event (CR3 load, IPI,
// flush, speculative or global fill, page fault), 3 = failure (multimatch, machine check, panic).
int eventWeight(const Event& e);
QColor eventColor(const Event& e, bool dark);

}  // namespace tlblab::ui
