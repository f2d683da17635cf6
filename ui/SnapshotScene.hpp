// SPDX-License-Identifier: GPL-3.0-or-later
// The diagram scene of a snapshot: the machine, the step's events (what changed, the walk path)
// and the lesson step's highlights, laid out for a target size (the canvas's, in pixels).
// Plain C++; the canvas and the exports draw its result.
#pragma once

#include "Session.hpp"

#include "tlblab/diagram.hpp"

namespace tlblab::ui {

struct SceneTarget {
    double width = 1920, height = 1080;  // the canvas the scene is laid out for
    bool legend = false;                 // draw the colour legend
};

SceneOptions sceneOptionsFor(const Snapshot& snap, const SceneTarget& target = {});
Scene sceneFor(const Snapshot& snap, const SceneTarget& target = {});

}  // namespace tlblab::ui
