// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/queries.hpp"

#include "tlblab/lesson.hpp"

#include <stdexcept>

namespace tlblab {

TlbEntryRef findTlbEntry(const Cpu& c, u32 id) {
    TlbEntryRef r;
    const auto& arrays = c.tlb.arrays();
    for (std::size_t a = 0; a < arrays.size(); ++a)
        for (std::size_t i = 0; i < arrays[a].valid.size(); ++i) {
            const TlbSlot slot{static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(i)};
            if (arrays[a].valid[i] && c.tlb.at(slot).id == id) {
                r.entry = &c.tlb.at(slot);
                r.array = arrays[a].config.name;
            }
        }
    return r;
}

std::array<u64, 3> walkEntryAddresses(const TlbEntry& e) {
    return {pae::pdpteAddress(pae::pdptBase(e.cr3), e.va), e.pdeAddr, e.pteAddr};
}

StaleCheck checkStale(const PhysMemory& mem, const Cpu& c, const TlbEntry& e) {
    PagingRegs regs = c.regs;
    regs.cr3 = e.cr3;
    regs.pdpte = pdptesFrom(mem, e.cr3);
    StaleCheck r;
    r.now = walk(mem, regs, e.va);
    if (!r.now.ok())
        r.state = Staleness::WalkFails;
    else if (r.now.size != e.size || r.now.frame != e.pa || r.now.global != e.global || r.now.user != e.user)
        r.state = Staleness::Differs;
    return r;
}

std::vector<DerivedTlbEntry> tlbEntriesDerivedFrom(const Machine& m, u64 entryPa) {
    std::vector<DerivedTlbEntry> out;
    for (const Cpu& c : m.cpus())
        for (const TlbEntry& e : c.tlb.entries()) {
            const std::array<u64, 3> read = walkEntryAddresses(e);
            if (read[0] == entryPa || read[1] == entryPa || read[2] == entryPa) out.push_back({c.id, e});
        }
    return out;
}

FixCost fixCostOf(const Machine& end, const std::string& variant) {
    FixCost f;
    f.variant = variant;
    for (const Cpu& c : end.cpus()) {
        f.contextSwitches += c.stats[Counter::ContextSwitches];
        f.misses += c.stats[Counter::Misses];
        f.walks += c.stats[Counter::Walks];
        f.flushAll += c.stats[Counter::FlushAll];
    }
    return f;
}

namespace {
bool hasBothFixes(const Lesson& l) {
    for (const char* v : kFixVariants)
        if (!l.variant(v)) return false;
    return true;
}
}  // namespace

FixCostComparison compareFixCosts(const std::vector<std::string>& lessons, const std::string& fallback) {
    std::vector<std::string> candidates;
    for (const std::string& p : lessons) {
        const Lesson l = loadLesson(p);
        if (hasBothFixes(l)) candidates.insert(l.order == 5 ? candidates.begin() : candidates.end(), p);
    }
    if (candidates.empty() && !fallback.empty()) candidates.push_back(fallback);
    if (candidates.empty())
        throw std::runtime_error(std::string("no lesson has the variants ") + kFixVariants[0] + " and " + kFixVariants[1]);
    FixCostComparison r;
    r.lessonPath = candidates.front();
    const Lesson lesson = loadLesson(r.lessonPath);
    r.lessonTitle = lesson.title;
    for (const char* v : kFixVariants) {
        const LessonRun run(lesson, v);
        r.costs.push_back(fixCostOf(run.timeline().head(), run.variant().name));
    }
    return r;
}

}  // namespace tlblab
