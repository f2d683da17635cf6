// SPDX-License-Identifier: GPL-3.0-or-later
// The diagram scene of a snapshot: the machine, the step's events (what changed, the walk path)
// and the lesson step's highlights. Plain C++; the canvas and the exports draw its result.
#pragma once

#include "Session.hpp"

#include "tlblab/diagram.hpp"

namespace tlblab::ui {

SceneOptions sceneOptionsFor(const Snapshot& snap);
Scene sceneFor(const Snapshot& snap);

}  // namespace tlblab::ui
