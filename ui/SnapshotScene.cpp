// SPDX-License-Identifier: GPL-3.0-or-later
#include "SnapshotScene.hpp"

#include "tlblab/export.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tlblab::ui {

SceneOptions sceneOptionsFor(const Snapshot& snap, const SceneTarget& target) {
    SceneOptions o;
    o.events = snap.stepEvents;
    if (const StepInfo* s = snap.stepInfo()) {
        for (int c : s->cpus) o.highlightCpus.insert(c);
        if (snap.atStepEnd) addHighlights(snap.machine, s->highlights, o);
        o.title = fmt::format("Step {}: {}", snap.step + 1, s->title);
    } else if (snap.session) {
        o.title = snap.session->title;
    }
    // A canvas not shown yet has no size: lay out for the default.
    if (target.width >= 50 && target.height >= 50) {
        o.targetWidth = target.width;
        o.targetHeight = target.height;
    }
    o.legend = target.legend;
    return o;
}

Scene sceneFor(const Snapshot& snap, const SceneTarget& target) {
    return buildScene(snap.machine, sceneOptionsFor(snap, target));
}

}  // namespace tlblab::ui
