// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/timeline.hpp"

#include <stdexcept>

namespace tlblab {

Timeline::Timeline(Machine initial, std::size_t keyframeInterval, bool storeEvents)
    : m_interval(keyframeInterval ? keyframeInterval : 1), m_storeEvents(storeEvents), m_head(initial),
      m_cur(initial) {
    m_keyframes.push_back(std::move(initial));
}

OpResult Timeline::append(const Op& op, EventList* events) {
    EventList ev;
    OpResult r;
    try {
        r = m_head.execute(op, m_storeEvents || events ? &ev : nullptr);
    } catch (...) {
        // Machine::execute is all-or-nothing for OpError; this holds for anything else too (out of
        // memory): the head is again the replay of the recorded ops.
        rebuildHead();
        throw;
    }
    m_ops.push_back(op);
    if (events) *events = ev;
    if (m_storeEvents) {
        m_events.push_back(std::move(ev));
        m_results.push_back(r);
    }
    if (m_ops.size() % m_interval == 0) m_keyframes.push_back(m_head);
    return r;
}

void Timeline::truncate(std::size_t steps) {
    if (steps >= m_ops.size()) return;
    m_ops.resize(steps);
    if (m_storeEvents) {
        m_events.resize(steps);
        m_results.resize(steps);
    }
    m_keyframes.resize(steps / m_interval + 1);
    rebuildHead();
    if (m_pos > steps) {
        m_cur = m_head;
        m_pos = steps;
    }
}

void Timeline::rebuildHead() {
    m_head = m_keyframes.back();
    for (std::size_t i = (m_keyframes.size() - 1) * m_interval; i < m_ops.size(); ++i) m_head.execute(m_ops[i], nullptr);
}

const Machine& Timeline::seek(std::size_t step) {
    if (step > m_ops.size()) step = m_ops.size();
    if (step == m_pos) return m_cur;
    if (step < m_pos || step - m_pos > m_interval || step / m_interval != m_pos / m_interval) {
        const std::size_t k = step / m_interval;
        if (!(step > m_pos && k == m_pos / m_interval)) {
            m_cur = m_keyframes[k];
            m_pos = k * m_interval;
        }
    }
    for (; m_pos < step; ++m_pos) m_cur.execute(m_ops[m_pos], nullptr);
    return m_cur;
}

EventList Timeline::eventsOf(std::size_t step) {
    if (step == 0 || step > m_ops.size()) return {};
    if (m_storeEvents) return m_events[step - 1];
    Machine m = seek(step - 1);
    EventList ev;
    m.execute(m_ops[step - 1], &ev);
    return ev;
}

OpResult Timeline::resultOf(std::size_t step) {
    if (step == 0 || step > m_ops.size()) return {};
    if (m_storeEvents) return m_results[step - 1];
    Machine m = seek(step - 1);
    return m.execute(m_ops[step - 1], nullptr);
}

}  // namespace tlblab
