// SPDX-License-Identifier: GPL-3.0-or-later
#include "SnapshotScene.hpp"

#include "tlblab/export.hpp"

#include <fmt/format.h>

namespace tlblab::ui {

SceneOptions sceneOptionsFor(const Snapshot& snap) {
    SceneOptions o;
    o.events = snap.stepEvents;
    if (const StepInfo* s = snap.stepInfo()) {
        for (int c : s->cpus) o.highlightCpus.insert(c);
        if (snap.atStepEnd) addHighlights(snap.machine, s->highlights, o);
        o.title = fmt::format("Step {}: {}", snap.step + 1, s->title);
    } else if (snap.session) {
        o.title = snap.session->title;
    }
    return o;
}

Scene sceneFor(const Snapshot& snap) { return buildScene(snap.machine, sceneOptionsFor(snap)); }

}  // namespace tlblab::ui
