#include "tlblab/tlb.hpp"

#include <algorithm>
#include <stdexcept>

namespace tlblab {

TlbConfig TlbConfig::amdFam10h() {
    TlbConfig c;
    c.preset = "amd-fam10h";
    c.levels = {
        {"L1", {{"L1 DTLB", 48, 48, true, true}}},
        {"L2", {{"L2 DTLB 4K", 512, 4, true, false}, {"L2 DTLB 2M", 128, 2, false, true}}},
    };
    return c;
}

TlbConfig TlbConfig::tiny() {
    TlbConfig c;
    c.preset = "tiny";
    c.levels = {
        {"L1", {{"L1 DTLB", 4, 4, true, true}}},
        {"L2", {{"L2 DTLB 4K", 8, 2, true, false}}},
    };
    return c;
}

bool TlbConfig::byName(const std::string& name, TlbConfig& out) {
    if (name == "amd-fam10h") { out = amdFam10h(); return true; }
    if (name == "tiny") { out = tiny(); return true; }
    return false;
}

std::vector<std::string> TlbConfig::presetNames() { return {"amd-fam10h", "tiny"}; }

Tlb::Tlb(const TlbConfig& config) : m_config(config) {
    unsigned level = 0;
    for (const auto& l : config.levels) {
        for (const auto& ac : l.arrays) {
            if (ac.entries == 0 || ac.ways == 0 || ac.entries % ac.ways != 0 || ac.ways > 64)
                throw std::invalid_argument("TLB array '" + ac.name +
                                            "': entries must be a non-zero multiple of ways (<= 64)");
            Array a;
            a.config = ac;
            a.level = level;
            a.sets = ac.entries / ac.ways;
            a.slots.resize(ac.entries);
            a.tagBase.assign(ac.entries, 1u);
            a.tagMask.assign(ac.entries, 0u);
            a.valid.assign(ac.entries, 0);
            m_arrays.push_back(std::move(a));
        }
        ++level;
    }
    if (m_arrays.size() > 0xffff) throw std::invalid_argument("too many TLB arrays");
}

std::size_t Tlb::size() const {
    std::size_t n = 0;
    for (const auto& a : m_arrays)
        for (auto v : a.valid) n += v;
    return n;
}

std::vector<TlbEntry> Tlb::entries() const {
    std::vector<TlbEntry> out;
    for (const auto& a : m_arrays)
        for (std::size_t i = 0; i < a.slots.size(); ++i)
            if (a.valid[i]) out.push_back(a.slots[i]);
    return out;
}

unsigned Tlb::setOf(const Array& arr, u32 va, PageSize s) const {
    if (arr.sets == 1) return 0;
    return (va >> (s == PageSize::K4 ? 12 : 21)) % arr.sets;
}

void Tlb::scanSet(const Array& arr, std::size_t a, unsigned set, u32 va, TlbMatches& m) const {
    const unsigned ways = arr.config.ways;
    const u32* base = arr.tagBase.data() + set * ways;
    const u32* mask = arr.tagMask.data() + set * ways;
    // Branch-free count first (vectorises); the slots are found only when something matched.
    unsigned hits = 0;
    for (unsigned w = 0; w < ways; ++w) hits += (va & mask[w]) == base[w];
    if (hits == 0) return;
    for (unsigned w = 0; w < ways && m.count < TlbMatches::kMax; ++w)
        if ((va & mask[w]) == base[w])
            m.slot[m.count++] = TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(set * ways + w)};
}

void Tlb::scanArray(std::size_t a, u32 va, TlbMatches& m) const {
    const Array& arr = m_arrays[a];
    if (arr.sets == 1) {
        scanSet(arr, a, 0, va, m);
        return;
    }
    unsigned s4 = arr.config.holds4K ? setOf(arr, va, PageSize::K4) : ~0u;
    unsigned s2 = arr.config.holds2M ? setOf(arr, va, PageSize::M2) : ~0u;
    if (s4 != ~0u) scanSet(arr, a, s4, va, m);
    if (s2 != ~0u && s2 != s4) {
        // Only 2M entries can match in the 2M set (a 4K entry there would index elsewhere).
        scanSet(arr, a, s2, va, m);
    }
}

void Tlb::setSlot(Array& arr, unsigned idx, const TlbEntry& e) {
    arr.slots[idx] = e;
    arr.tagMask[idx] = pageMask(e.size);
    arr.tagBase[idx] = e.va & pageMask(e.size);
    if (!arr.valid[idx]) ++arr.validCount;
    arr.valid[idx] = 1;
}

void Tlb::clearSlot(Array& arr, unsigned idx) {
    arr.slots[idx] = TlbEntry{};
    arr.tagMask[idx] = 0;
    arr.tagBase[idx] = 1;
    if (arr.valid[idx]) --arr.validCount;
    arr.valid[idx] = 0;
}

int Tlb::nextArrayFor(unsigned fromLevel, PageSize s) const {
    for (std::size_t a = 0; a < m_arrays.size(); ++a) {
        const auto& arr = m_arrays[a];
        if (arr.level < fromLevel) continue;
        if ((s == PageSize::K4 && arr.config.holds4K) || (s == PageSize::M2 && arr.config.holds2M))
            return static_cast<int>(a);
    }
    return -1;
}

TlbSlot Tlb::place(std::size_t a, TlbEntry e, EventList* ev, int cpu) {
    Array& arr = m_arrays[a];
    const unsigned ways = arr.config.ways;
    const unsigned set = setOf(arr, e.va, e.size);
    unsigned victim = set * ways;
    bool found = false;
    for (unsigned w = 0; w < ways; ++w) {
        unsigned idx = set * ways + w;
        if (!arr.valid[idx]) { victim = idx; found = true; break; }
    }
    if (!found) {
        u64 oldest = ~u64{0};
        for (unsigned w = 0; w < ways; ++w) {
            unsigned idx = set * ways + w;
            if (arr.slots[idx].lastUse < oldest) { oldest = arr.slots[idx].lastUse; victim = idx; }
        }
        TlbEntry old = arr.slots[victim];
        clearSlot(arr, victim);
        int next = nextArrayFor(arr.level + 1, old.size);
        if (next >= 0) {
            if (ev) {
                Event x{EventKind::TlbMove, cpu};
                x.va = old.va; x.pa = old.pa; x.entryId = old.id; x.size = old.size; x.global = old.global;
                x.origin = old.origin;
                x.detail = arr.config.name + " -> " + m_arrays[static_cast<std::size_t>(next)].config.name;
                ev->push_back(std::move(x));
            }
            place(static_cast<std::size_t>(next), old, ev, cpu);
        } else if (ev) {
            Event x{EventKind::TlbEvict, cpu};
            x.va = old.va; x.pa = old.pa; x.entryId = old.id; x.size = old.size; x.global = old.global;
            x.origin = old.origin;
            x.detail = arr.config.name;
            ev->push_back(std::move(x));
        }
    }
    setSlot(arr, victim, e);
    return TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(victim)};
}

TlbSlot Tlb::fill(TlbEntry e, EventList* ev, int cpu) {
    int a = nextArrayFor(0, e.size);
    if (a < 0) return TlbSlot{0xffff, 0xffff};  // no array holds this page size: not cached
    e.lastUse = ++m_tick;
    if (ev) {
        Event x{EventKind::TlbFill, cpu};
        x.va = e.va; x.pa = e.pa; x.entryId = e.id; x.size = e.size; x.global = e.global; x.origin = e.origin;
        x.detail = m_arrays[static_cast<std::size_t>(a)].config.name;
        ev->push_back(std::move(x));
    }
    return place(static_cast<std::size_t>(a), e, ev, cpu);
}

TlbSlot Tlb::touch(TlbSlot s, EventList* ev, int cpu) {
    Array& arr = m_arrays[s.array];
    arr.slots[s.index].lastUse = ++m_tick;
    if (arr.level == 0) return s;
    // Promote to the first level that holds its size.
    TlbEntry e = arr.slots[s.index];
    int up = nextArrayFor(0, e.size);
    if (up < 0 || m_arrays[static_cast<std::size_t>(up)].level >= arr.level) return s;
    clearSlot(arr, s.index);
    if (ev) {
        Event x{EventKind::TlbMove, cpu};
        x.va = e.va; x.pa = e.pa; x.entryId = e.id; x.size = e.size; x.global = e.global; x.origin = e.origin;
        x.detail = arr.config.name + " -> " + m_arrays[static_cast<std::size_t>(up)].config.name;
        ev->push_back(std::move(x));
    }
    return place(static_cast<std::size_t>(up), e, ev, cpu);
}

void Tlb::remove(TlbSlot s, FlushKind why, EventList* ev, int cpu) {
    Array& arr = m_arrays[s.array];
    if (!arr.valid[s.index]) return;
    if (ev) {
        const TlbEntry& e = arr.slots[s.index];
        Event x{EventKind::TlbInvalidate, cpu};
        x.va = e.va; x.pa = e.pa; x.entryId = e.id; x.size = e.size; x.global = e.global; x.origin = e.origin;
        x.flush = why;
        x.detail = arr.config.name;
        ev->push_back(std::move(x));
    }
    clearSlot(arr, s.index);
}

namespace {
void logFlush(EventList* ev, int cpu, FlushKind why, unsigned n, u32 va) {
    if (!ev) return;
    Event x{EventKind::TlbFlush, cpu};
    x.flush = why;
    x.count = n;
    x.va = va;
    ev->push_back(std::move(x));
}
}  // namespace

unsigned Tlb::flushNonGlobal(bool pgeEnabled, EventList* ev, int cpu) {
    unsigned n = 0;
    for (std::size_t a = 0; a < m_arrays.size(); ++a) {
        // Visit valid slots only, and stop once all of them were seen (most arrays hold few entries).
        unsigned left = m_arrays[a].validCount;
        for (unsigned i = 0; left > 0 && i < m_arrays[a].slots.size(); ++i)
            if (m_arrays[a].valid[i]) {
                --left;
                if (pgeEnabled && m_arrays[a].slots[i].global) continue;
                remove(TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(i)}, FlushKind::NonGlobal,
                       ev, cpu);
                ++n;
            }
    }
    logFlush(ev, cpu, FlushKind::NonGlobal, n, 0);
    return n;
}

unsigned Tlb::flushAll(FlushKind why, EventList* ev, int cpu) {
    unsigned n = 0;
    for (std::size_t a = 0; a < m_arrays.size(); ++a)
        for (unsigned i = 0; m_arrays[a].validCount > 0 && i < m_arrays[a].slots.size(); ++i)
            if (m_arrays[a].valid[i]) {
                remove(TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(i)}, why, ev, cpu);
                ++n;
            }
    logFlush(ev, cpu, why, n, 0);
    return n;
}

unsigned Tlb::invalidatePage(u32 va, FlushKind why, EventList* ev, int cpu) {
    TlbMatches m = lookup(va);
    for (int i = 0; i < m.count; ++i) remove(m.slot[i], why, ev, cpu);
    logFlush(ev, cpu, why, static_cast<unsigned>(m.count), va);
    return static_cast<unsigned>(m.count);
}

unsigned Tlb::invalidateOverlapping(u32 va, PageSize size, FlushKind why, EventList* ev, int cpu) {
    unsigned n = 0;
    for (std::size_t a = 0; a < m_arrays.size(); ++a)
        for (unsigned i = 0; i < m_arrays[a].slots.size(); ++i) {
            if (!m_arrays[a].valid[i]) continue;
            const TlbEntry& e = m_arrays[a].slots[i];
            if (((e.va ^ va) & pageMask(e.size) & pageMask(size)) != 0) continue;
            remove(TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(i)}, why, ev, cpu);
            ++n;
        }
    if (n) logFlush(ev, cpu, why, n, va & pageMask(size));
    return n;
}

}  // namespace tlblab
