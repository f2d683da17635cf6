// SPDX-License-Identifier: GPL-3.0-or-later
// Deterministic history of a machine: a list of operations, a keyframe snapshot every
// `interval` steps, and replay in between, so seeking to any step costs at most one keyframe
// copy plus `interval` operations whatever the history's length.
#pragma once

#include "tlblab/machine.hpp"

#include <optional>
#include <vector>

namespace tlblab {

class Timeline {
public:
    // Interval 2048: a 10^6-step history (events not stored) stays under 256 MiB with 3 CPUs and a
    // seek replays at most 2047 operations (tlblab-cli bench measures both).
    explicit Timeline(Machine initial = Machine{}, std::size_t keyframeInterval = 2048, bool storeEvents = true);

    // Runs op on the latest state and records it. Throws OpError with the timeline unchanged.
    OpResult append(const Op& op);
    // Forgets every step after `steps` (a branch point for "what if").
    void truncate(std::size_t steps);

    std::size_t size() const { return m_ops.size(); }  // number of steps
    const Op& op(std::size_t i) const { return m_ops.at(i); }
    const std::vector<Op>& ops() const { return m_ops; }
    const Machine& initial() const { return m_keyframes.front(); }
    const Machine& head() const { return m_head; }

    // The machine after `step` operations (0 = initial state). Moves the cursor.
    const Machine& seek(std::size_t step);
    std::size_t position() const { return m_pos; }
    const Machine& current() const { return m_cur; }

    // Events and result of step `step` (1-based: produced by op(step - 1)).
    EventList eventsOf(std::size_t step);
    OpResult resultOf(std::size_t step);

    std::size_t keyframeInterval() const { return m_interval; }
    std::size_t keyframeCount() const { return m_keyframes.size(); }

private:
    void rebuildHead();  // the head = the last keyframe + the recorded ops after it
    std::size_t m_interval;
    bool m_storeEvents;
    std::vector<Op> m_ops;
    std::vector<Machine> m_keyframes;  // [k] = state after k * interval steps
    std::vector<EventList> m_events;   // per step, when stored
    std::vector<OpResult> m_results;   // per step, when stored
    Machine m_head;
    Machine m_cur;
    std::size_t m_pos = 0;
};

}  // namespace tlblab
