// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/tlb.hpp"

#include "event_builder.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

Tlb::Tlb(const TlbConfig& config) : m_config(std::make_shared<const TlbConfig>(config)) {
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
            a.entries.resize(ac.entries);
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
        for (std::size_t i = 0; i < a.entries.size(); ++i)
            if (a.valid[i]) out.push_back(a.entries[i]);
    return out;
}

[[gnu::always_inline]] inline unsigned Tlb::setOf(const Array& arr, u32 va, PageSize s) const {
    if (arr.sets == 1) return 0;
    const u32 page = va >> (s == PageSize::K4 ? 12 : 21);
    // Set counts are powers of two in every preset: a mask instead of a division (hot path).
    return (arr.sets & (arr.sets - 1)) == 0 ? page & (arr.sets - 1) : page % arr.sets;
}

namespace {
// Bit w of the result is set when way w of a set (base/mask arrays of `ways` <= 64 words)
// matches va. SSE2 does four ways per step, AVX2 (when the CPU has it) eight; the scalar loop
// is the portable definition. All three give the same bits.
[[gnu::always_inline]] inline u64 matchBitsScalar(const u32* base, const u32* mask, unsigned ways, u32 va,
                                                  unsigned w, u64 bits) {
    for (; w < ways; ++w) bits |= static_cast<u64>((va & mask[w]) == base[w]) << w;
    return bits;
}

#if defined(__SSE2__)
[[gnu::always_inline]] inline u64 matchFour(__m128i v, const u32* base, const u32* mask, unsigned at) {
    const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask + at));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at));
    const __m128i eq = _mm_cmpeq_epi32(_mm_and_si128(v, m), b);
    return static_cast<u64>(static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(eq))));
}
#endif

[[gnu::always_inline]] inline u64 matchBitsSse(const u32* base, const u32* mask, unsigned ways, u32 va) {
    u64 bits = 0;
    unsigned w = 0;
#if defined(__SSE2__)
    const __m128i v = _mm_set1_epi32(static_cast<int>(va));
    for (; w + 16 <= ways; w += 16)
        bits |= (matchFour(v, base, mask, w) | matchFour(v, base, mask, w + 4) << 4 |
                 matchFour(v, base, mask, w + 8) << 8 | matchFour(v, base, mask, w + 12) << 12)
                << w;
    for (; w + 4 <= ways; w += 4) bits |= matchFour(v, base, mask, w) << w;
#endif
    return matchBitsScalar(base, mask, ways, va, w, bits);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define TLBLAB_HAVE_AVX2_PATH 1
__attribute__((target("avx2"))) u64 matchBitsAvx2(const u32* base, const u32* mask, unsigned ways, u32 va) {
    u64 bits = 0;
    unsigned w = 0;
    const __m256i v = _mm256_set1_epi32(static_cast<int>(va));
    for (; w + 8 <= ways; w += 8) {
        const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + w));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(base + w));
        const __m256i eq = _mm256_cmpeq_epi32(_mm256_and_si256(v, m), b);
        bits |= static_cast<u64>(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(eq)))) << w;
    }
    return matchBitsScalar(base, mask, ways, va, w, bits);
}

bool cpuHasAvx2() noexcept {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
const bool kUseAvx2 = cpuHasAvx2();  // decided once at start-up
#endif

[[gnu::always_inline]] inline u64 matchBits(const u32* base, const u32* mask, unsigned ways, u32 va) {
#if defined(TLBLAB_HAVE_AVX2_PATH)
    if (ways >= 16 && kUseAvx2) return matchBitsAvx2(base, mask, ways, va);
#endif
    return matchBitsSse(base, mask, ways, va);
}
}  // namespace

[[gnu::always_inline]] inline void Tlb::scanSet(const Array& arr, std::size_t a, unsigned set, u32 va,
                                                TlbMatches& m) const {
    const unsigned ways = arr.config.ways;  // <= 64 (checked in the constructor)
    const u32* base = arr.tagBase.data() + static_cast<std::size_t>(set) * ways;
    const u32* mask = arr.tagMask.data() + static_cast<std::size_t>(set) * ways;
    for (u64 bits = matchBits(base, mask, ways, va); bits; bits &= bits - 1) {
        ++m.total;
        if (m.count == TlbMatches::kMax) continue;
        const unsigned w = static_cast<unsigned>(std::countr_zero(bits));
        m.slot[static_cast<std::size_t>(m.count++)] =
            TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(set * ways + w)};
    }
}

[[gnu::always_inline]] inline void Tlb::scanArray(std::size_t a, u32 va, TlbMatches& m) const {
    const Array& arr = m_arrays[a];
    if (arr.validCount == 0) return;  // nothing can match
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

void Tlb::scanAll(u32 va, TlbMatches& m) const {
    for (std::size_t a = 0; a < m_arrays.size(); ++a) scanArray(a, va, m);
}

void Tlb::setSlot(Array& arr, unsigned idx, const TlbEntry& e) {
    arr.entries[idx] = e;
    arr.tagMask[idx] = pageMask(e.size);
    arr.tagBase[idx] = e.va & pageMask(e.size);
    if (!arr.valid[idx]) ++arr.validCount;
    arr.valid[idx] = 1;
}

void Tlb::clearSlot(Array& arr, unsigned idx) {
    arr.entries[idx] = TlbEntry{};
    arr.tagMask[idx] = 0;
    arr.tagBase[idx] = 1;
    if (arr.valid[idx]) --arr.validCount;
    arr.valid[idx] = 0;
}

namespace {
// An event about one entry: its page, frame, id, size, G bit and origin. Inlined into the fill
// path, where it folds to one null test without an event list.
[[gnu::always_inline]] inline EventBuilder entryEvent(EventList* ev, EventKind kind, int cpu, const TlbEntry& e) {
    return addEvent(ev, kind, cpu).va(e.va).pa(e.pa).entryId(e.id).size(e.size).global(e.global).origin(e.origin);
}
}  // namespace

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
    // The first free way of the set; a full array has none (skip the search: miss path).
    for (unsigned w = 0; arr.validCount < arr.entries.size() && w < ways; ++w) {
        unsigned idx = set * ways + w;
        if (!arr.valid[idx]) { victim = idx; found = true; break; }
    }
    if (!found) {
        // Least recently used way (the first one on a tie), without branches.
        u64 oldest = ~u64{0};
        for (unsigned w = 0; w < ways; ++w) {
            const unsigned idx = set * ways + w;
            const u64 t = arr.entries[idx].lastUse;
            const bool older = t < oldest;
            oldest = older ? t : oldest;
            victim = older ? idx : victim;
        }
        TlbEntry old = arr.entries[victim];
        clearSlot(arr, victim);
        int next = nextArrayFor(arr.level + 1, old.size);
        if (next >= 0) {
            entryEvent(ev, EventKind::TlbMove, cpu, old)
                .detail("{} -> {}", arr.config.name, m_arrays[static_cast<std::size_t>(next)].config.name);
            place(static_cast<std::size_t>(next), old, ev, cpu);
        } else {
            entryEvent(ev, EventKind::TlbEvict, cpu, old).detail(arr.config.name);
        }
    }
    setSlot(arr, victim, e);
    return TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(victim)};
}

TlbSlot Tlb::fill(TlbEntry e, EventList* ev, int cpu) {
    int a = nextArrayFor(0, e.size);
    if (a < 0) return TlbSlot{0xffff, 0xffff};  // no array holds this page size: not cached
    e.lastUse = ++m_tick;
    entryEvent(ev, EventKind::TlbFill, cpu, e).detail(m_arrays[static_cast<std::size_t>(a)].config.name);
    return place(static_cast<std::size_t>(a), e, ev, cpu);
}

TlbSlot Tlb::promote(TlbSlot s, EventList* ev, int cpu) {
    Array& arr = m_arrays[s.array];
    // Promote to the first level that holds its size.
    TlbEntry e = arr.entries[s.index];
    int up = nextArrayFor(0, e.size);
    if (up < 0 || m_arrays[static_cast<std::size_t>(up)].level >= arr.level) return s;
    clearSlot(arr, s.index);
    entryEvent(ev, EventKind::TlbMove, cpu, e)
        .detail("{} -> {}", arr.config.name, m_arrays[static_cast<std::size_t>(up)].config.name);
    return place(static_cast<std::size_t>(up), e, ev, cpu);
}

void Tlb::remove(TlbSlot s, FlushKind why, EventList* ev, int cpu) {
    Array& arr = m_arrays[s.array];
    if (!arr.valid[s.index]) return;
    entryEvent(ev, EventKind::TlbInvalidate, cpu, arr.entries[s.index]).flush(why).detail(arr.config.name);
    clearSlot(arr, s.index);
}

namespace {
void logFlush(EventList* ev, int cpu, FlushKind why, unsigned n, u32 va) {
    addEvent(ev, EventKind::TlbFlush, cpu).flush(why).count(n).va(va);
}
}  // namespace

unsigned Tlb::flushNonGlobal(bool pgeEnabled, EventList* ev, int cpu) {
    unsigned n = 0;
    for (std::size_t a = 0; a < m_arrays.size(); ++a) {
        // Visit valid entries only, and stop once all of them were seen (most arrays hold few entries).
        unsigned left = m_arrays[a].validCount;
        for (unsigned i = 0; left > 0 && i < m_arrays[a].entries.size(); ++i)
            if (m_arrays[a].valid[i]) {
                --left;
                if (pgeEnabled && m_arrays[a].entries[i].global) continue;
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
        for (unsigned i = 0; m_arrays[a].validCount > 0 && i < m_arrays[a].entries.size(); ++i)
            if (m_arrays[a].valid[i]) {
                remove(TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(i)}, why, ev, cpu);
                ++n;
            }
    logFlush(ev, cpu, why, n, 0);
    return n;
}

unsigned Tlb::invalidatePage(u32 va, FlushKind why, EventList* ev, int cpu) {
    unsigned n = 0;
    for (TlbMatches m = lookup(va); m.count > 0; m = lookup(va)) {  // more than kMax: several rounds
        for (int i = 0; i < m.count; ++i) remove(m.slot[i], why, ev, cpu);
        n += static_cast<unsigned>(m.count);
    }
    logFlush(ev, cpu, why, n, va);
    return n;
}

unsigned Tlb::invalidateOverlapping(u32 va, PageSize size, FlushKind why, EventList* ev, int cpu) {
    unsigned n = 0;
    for (std::size_t a = 0; a < m_arrays.size(); ++a)
        for (unsigned i = 0; i < m_arrays[a].entries.size(); ++i) {
            if (!m_arrays[a].valid[i]) continue;
            const TlbEntry& e = m_arrays[a].entries[i];
            if (((e.va ^ va) & pageMask(e.size) & pageMask(size)) != 0) continue;
            remove(TlbSlot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(i)}, why, ev, cpu);
            ++n;
        }
    if (n) logFlush(ev, cpu, why, n, va & pageMask(size));
    return n;
}

}  // namespace tlblab
