// SPDX-License-Identifier: GPL-3.0-or-later
// What the controller plays: a timeline with the lesson's step structure, and the immutable
// snapshot it emits once per position. Plain C++ (no Qt): views read these, nothing else.
#pragma once

#include "tlblab/lesson.hpp"
#include "tlblab/machine.hpp"
#include "tlblab/timeline.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tlblab::ui {

using tlblab::Reference;  // title + source (URL or commit id)

struct StepInfo {
    std::string title;
    int number = 0;         // 1-based among the steps played (0 for a branch op)
    std::vector<int> cpus;  // acting CPUs
    std::string narration;  // light markup: *emphasis*, `code`, "- " list items, blank line = paragraph
    std::optional<Question> question;
    std::vector<Highlight> highlights;
    std::vector<ExpectResult> expectations;  // as evaluated when the lesson was played
    std::vector<std::string> tags;           // breakpoint tags
    std::size_t beginOp = 0;                 // timeline position before the step's first op
    std::size_t endOp = 0;                   // timeline position after its last op
};

// TLB occupancy of one CPU, by page size and G bit.
struct Occupancy {
    unsigned k4Global = 0, k4NonGlobal = 0, m2Global = 0, m2NonGlobal = 0;
    unsigned total() const { return k4Global + k4NonGlobal + m2Global + m2NonGlobal; }
};
Occupancy occupancyOf(const Tlb& tlb);

// Per-CPU counters after each timeline position (index 0 = initial state), for the plots.
struct PositionStats {
    std::vector<CpuStats> cpu;
    std::vector<Occupancy> occupancy;
};
PositionStats statsOf(const Machine& m);

// A loaded lesson (or script) under one variant. Built off the GUI thread, then shared read-only.
struct SessionData {
    std::string id;          // lesson id or script path
    std::string title;
    std::string summary;
    std::string sourcePath;
    std::vector<std::pair<std::string, std::string>> variants;  // name, one-line description
    std::string variant;
    std::size_t setupEnd = 0;  // timeline position after the machine set-up
    std::vector<StepInfo> steps;
    std::vector<Reference> references;
    std::vector<PositionStats> stats;  // size() == timeline size + 1
    std::vector<EventList> events;     // events[p] = events of op p (position p -> p + 1)
    std::vector<std::string> opTexts;  // formatOp of every op
    // Branch ("what if"): ops from branchPoint on were typed in the console.
    bool branch = false;
    std::size_t branchPoint = 0;

    std::size_t opCount() const { return opTexts.size(); }
    // Index of the step that `position` belongs to: the step whose (beginOp, endOp] holds it;
    // -1 at or before the set-up's end.
    int stepAt(std::size_t position) const;
    // Position a step index shows (its end); -1 -> setupEnd.
    std::size_t positionOfStep(int step) const;
};

// The one thing views receive: an immutable picture of one position.
struct Snapshot {
    std::shared_ptr<const SessionData> session;
    Machine machine;  // the machine at `position` (a copy: views can never change the controller's)
    std::size_t position = 0;
    int step = -1;             // lesson step index (-1: set-up)
    bool atStepEnd = false;    // position == the step's end
    EventList stepEvents;      // events of the step's ops up to `position`
    EventList lastOpEvents;    // events of the op that led to `position`
    std::string lastOpText;    // that op's text
    OpResult lastResult;
    const StepInfo* stepInfo() const {
        return step >= 0 && session && static_cast<std::size_t>(step) < session->steps.size()
                   ? &session->steps[static_cast<std::size_t>(step)]
                   : nullptr;
    }
    // The previous step's question (its answer is revealed now).
    const StepInfo* previousStepInfo() const {
        return step >= 1 && session ? &session->steps[static_cast<std::size_t>(step - 1)] : nullptr;
    }
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace tlblab::ui
