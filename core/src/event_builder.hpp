// SPDX-License-Identifier: GPL-3.0-or-later
// Appending one Event to a list that may be absent. The explorer and predictAccess run the machine
// with no list (nullptr): then nothing is built, every setter is a no-op and a detail given as a
// format string is never formatted, so the hot path pays one null test per event.
//
//     addEvent(ev, EventKind::Cr3Write, c.id).before(old).after(value);
//     if (EventBuilder e = addEvent(ev, EventKind::PdpteLoad, c.id)) e.detail(tableName(base));  // costly value
//
// The event is appended when the builder is made, so no argument of its setters may append to the
// same list (that would reorder the events and leave the builder pointing at a moved element).
#pragma once

#include "tlblab/events.hpp"

#include <fmt/format.h>

#include <string>
#include <utility>

namespace tlblab {

class EventBuilder {
public:
    EventBuilder(EventList* list, EventKind kind, int cpu) : m_e(list ? &list->emplace_back(kind, cpu) : nullptr) {}

    explicit operator bool() const { return m_e != nullptr; }

    EventBuilder& other(int v) { return set(&Event::other, v); }
    EventBuilder& va(u64 v) { return set(&Event::va, v); }
    EventBuilder& pa(u64 v) { return set(&Event::pa, v); }
    EventBuilder& before(u64 v) { return set(&Event::before, v); }
    EventBuilder& after(u64 v) { return set(&Event::after, v); }
    EventBuilder& entryId(u32 v) { return set(&Event::entryId, v); }
    EventBuilder& count(u32 v) { return set(&Event::count, v); }
    EventBuilder& size(PageSize v) { return set(&Event::size, v); }
    EventBuilder& origin(Origin v) { return set(&Event::origin, v); }
    EventBuilder& flush(FlushKind v) { return set(&Event::flush, v); }
    EventBuilder& global(bool v) { return set(&Event::global, v); }
    EventBuilder& failLevel(int v) { return set(&Event::failLevel, v); }
    EventBuilder& trace(std::size_t level, const WalkTraceStep& step) {
        if (m_e) m_e->trace[level] = step;
        return *this;
    }
    EventBuilder& detail(const char* s) { return set(&Event::detail, s); }
    // A string: copied only when there is a list (an rvalue is moved).
    EventBuilder& detail(const std::string& s) { return set(&Event::detail, s); }
    EventBuilder& detail(std::string&& s) {
        if (m_e) m_e->detail = std::move(s);
        return *this;
    }
    // Formatted only when there is a list.
    template <typename... Args>
    EventBuilder& detail(fmt::format_string<Args...> format, Args&&... args) {
        if (m_e) m_e->detail = fmt::format(format, std::forward<Args>(args)...);
        return *this;
    }

private:
    template <typename Field, typename Value>
    EventBuilder& set(Field Event::*field, const Value& v) {
        if (m_e) m_e->*field = v;
        return *this;
    }

    Event* m_e;
};

// The builder of a new event of `kind` by `cpu` (-1: machine-wide) at the end of `list` (may be null).
inline EventBuilder addEvent(EventList* list, EventKind kind, int cpu = -1) { return {list, kind, cpu}; }

}  // namespace tlblab
