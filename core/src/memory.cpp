// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/memory.hpp"

#include <stdexcept>

namespace tlblab {

void PhysMemory::write64(u64 pa, u64 value) {
    auto& slot = m_frames[pa >> 12];
    if (!slot) slot = std::make_shared<Frame>(Frame{});
    else if (slot.use_count() > 1) slot = std::make_shared<Frame>(*slot);  // copy on write
    (*slot)[(pa & 0xfff) >> 3] = value;
}

u64 PhysMemory::allocFrame(const std::string& frameName) {
    while (m_frames.count(m_nextTableFrame >> 12)) m_nextTableFrame += 0x1000;
    const u64 pa = m_nextTableFrame;
    m_nextTableFrame += 0x1000;
    m_frames[pa >> 12] = std::make_shared<Frame>(Frame{});
    name(pa, frameName);
    return pa;
}

void PhysMemory::name(u64 framePa, const std::string& n) {
    framePa &= ~u64{0xfff};
    auto old = m_names.find(framePa);
    if (old != m_names.end()) m_byName.erase(old->second);
    m_names[framePa] = n;
    m_byName[n] = framePa;
}

std::optional<std::string> PhysMemory::nameOf(u64 framePa) const {
    auto it = m_names.find(framePa & ~u64{0xfff});
    if (it == m_names.end()) return std::nullopt;
    return it->second;
}

std::optional<u64> PhysMemory::frameNamed(const std::string& n) const {
    auto it = m_byName.find(n);
    if (it == m_byName.end()) return std::nullopt;
    return it->second;
}

}  // namespace tlblab
