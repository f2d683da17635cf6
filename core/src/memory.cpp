// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/memory.hpp"

#include <stdexcept>

namespace tlblab {

PhysMemory::FrameTable& PhysMemory::framesForWrite() {
    // Copy on write: a table shared with another copy is copied first (its frames stay shared).
    if (m_frames.use_count() > 1) m_frames = std::make_shared<FrameTable>(*m_frames);
    return *m_frames;
}

void PhysMemory::write64(u64 pa, u64 value) {
    auto& slot = framesForWrite()[pa >> 12];
    m_writeLog[m_writes++ % kWriteLogSize] = pa;
    if (!slot) {
        slot = std::make_shared<Frame>(Frame{});
        m_writes += kWriteLogSize;
    }
    else if (slot.use_count() > 1) slot = std::make_shared<Frame>(*slot);  // copy on write
    (*slot)[(pa & 0xfff) >> 3] = value;
}

u64 PhysMemory::allocFrame(const std::string& frameName) {
    while (m_frames->count(m_nextTableFrame >> 12)) m_nextTableFrame += 0x1000;
    const u64 pa = m_nextTableFrame;
    m_nextTableFrame += 0x1000;
    framesForWrite()[pa >> 12] = std::make_shared<Frame>(Frame{});
    m_writes += kWriteLogSize + 1;
    name(pa, frameName);
    return pa;
}

void PhysMemory::name(u64 framePa, const std::string& n) {
    framePa &= ~u64{0xfff};
    if (m_symbols.use_count() > 1) m_symbols = std::make_shared<Symbols>(*m_symbols);  // copy on write
    Symbols& s = *m_symbols;
    auto old = s.names.find(framePa);
    if (old != s.names.end()) s.byName.erase(old->second);
    s.names[framePa] = n;
    s.byName[n] = framePa;
}

std::optional<std::string> PhysMemory::nameOf(u64 framePa) const {
    auto it = m_symbols->names.find(framePa & ~u64{0xfff});
    if (it == m_symbols->names.end()) return std::nullopt;
    return it->second;
}

std::optional<u64> PhysMemory::frameNamed(const std::string& n) const {
    auto it = m_symbols->byName.find(n);
    if (it == m_symbols->byName.end()) return std::nullopt;
    return it->second;
}

}  // namespace tlblab
