// SPDX-License-Identifier: GPL-3.0-or-later
// Lesson player: builds the Timeline of a lesson under one variant and checks its expectations;
// expectation evaluation; JSON of played steps; the bundled-lesson search path.
#include "expect_grammar.hpp"
#include "tlblab/json.hpp"
#include "tlblab/lesson.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#ifndef TLBLAB_INSTALLED_LESSON_DIR
#define TLBLAB_INSTALLED_LESSON_DIR ""
#endif

namespace tlblab {

namespace {

std::string entryText(const TlbEntry& e) {
    return fmt::format("{} {} {} {} pa {} ({})", hex32(e.va), pageSizeName(e.size), e.global ? "global" : "nonglobal",
                       e.user ? "user" : "supervisor", hex(e.pa), originName(e.origin));
}

bool entryMatches(const Expectation& x, const TlbEntry& e) {
    return (!x.size || *x.size == e.size) && (!x.global || *x.global == e.global) && (!x.user || *x.user == e.user) &&
           (!x.origin || *x.origin == e.origin);
}

bool compare(u64 a, Compare c, u64 b) {
    switch (c) {
    case Compare::Eq: return a == b;
    case Compare::Ne: return a != b;
    case Compare::Lt: return a < b;
    case Compare::Le: return a <= b;
    case Compare::Gt: return a > b;
    case Compare::Ge: return a >= b;
    }
    return false;
}

const char* compareText(Compare c) {
    for (const CompareInfo& k : kCompares)
        if (k.cmp == c) return k.word;
    return "?";
}

const char* levelName(int level) { return level == 0 ? "PDPTE" : level == 1 ? "PDE" : "PTE"; }

u64 statValue(const CpuStats& s, const std::string& name) {
    const std::optional<Counter> c = counterNamed(name);
    return c ? s[*c] : 0;
}

// ---- one check per kind of expectation ---------------------------------------------------------
//
// Each gets the machine after the step, the step as played and the CPU the expectation names
// (nullptr for a machine-wide one), and says whether it holds and what it found.

struct Finding {
    bool ok = false;
    std::string found;
};

struct Subject {
    const Machine& m;
    const PlayedStep& step;
    const Cpu* cpu;
};

// tlb_has, tlb_lacks, tlb_count: the entries of the CPU's TLB that cover the address.
Finding checkTlb(const Expectation& x, const Subject& s) {
    std::vector<TlbEntry> cover;
    bool matched = false;
    for (const auto& e : s.cpu->tlb.entries())
        if (e.covers(x.va)) {
            cover.push_back(e);
            matched = matched || entryMatches(x, e);
        }
    std::string found = fmt::format("cpu{} holds {} entr{} for {}", s.cpu->id, cover.size(),
                                    cover.size() == 1 ? "y" : "ies", hex32(x.va));
    for (std::size_t i = 0; i < cover.size(); ++i) found += (i ? "; " : ": ") + entryText(cover[i]);
    if (x.kind == ExpectKind::TlbCount) return {cover.size() == x.value, found};
    return {x.kind == ExpectKind::TlbHas ? matched : !matched, found};
}

Finding checkCr3(const Expectation& x, const Subject& s) {
    const Cpu& c = *s.cpu;
    const u64 cr3 = c.regs.cr3 & pae::kCr3PdptMask;
    const std::string name = s.m.tableName(c.regs.cr3);
    std::string found = fmt::format("cpu{} CR3 = {} ({})", c.id, hex32(c.regs.cr3), name.empty() ? "?" : name);
    if (x.hasValue) return {cr3 == (x.value & pae::kCr3PdptMask), found};
    auto pa = s.m.tableNamed(x.name);
    if (!pa) return {false, fmt::format("there is no table '{}' (yet); {}", x.name, found)};
    return {cr3 == *pa, found};
}

// Does the entry's raw value have the flags the expectation asks for?
bool entryFlagsMatch(const Expectation& x, u64 raw) {
    bool ok = (raw & pae::P) != 0;
    if (x.size) ok = ok && ((raw & pae::PS) != 0) == (*x.size == PageSize::M2);
    if (x.global) ok = ok && ((raw & pae::G) != 0) == *x.global;
    if (x.user) ok = ok && ((raw & pae::US) != 0) == *x.user;
    return ok;
}

// entry TABLE VA LEVEL ...: walks from the named table down to the level; an absent or 2M-leaf
// entry on the way means there is no entry at that level.
Finding checkEntry(const Expectation& x, const Subject& s) {
    auto t = s.m.tableNamed(x.name);
    if (!t) return {false, fmt::format("there is no table '{}' (yet)", x.name)};
    const PhysMemory& mem = s.m.memory();
    u64 addr = pae::pdpteAddress(*t, x.va);
    u64 raw = mem.read64(addr);
    for (int level = 1; level <= x.level; ++level) {
        const bool leaf = level == 2 && (raw & pae::PS);
        if (!(raw & pae::P) || leaf)
            return {x.present == false, fmt::format("{} of {} for {}: no {} (the {} is {})", x.name, levelName(level - 1),
                                                    hex32(x.va), levelName(level), levelName(level - 1),
                                                    leaf ? "a 2M leaf" : "not present")};
        addr = pae::childEntryAddress(raw, level, x.va);
        raw = mem.read64(addr);
    }
    std::string found = fmt::format("{} {} for {} at {} = {} ({})", x.name, levelName(x.level), hex32(x.va), hex(addr),
                                    hex(raw), pae::describeEntry(raw, x.level));
    if (x.present == false) return {!(raw & pae::P), found};
    if (x.hasValue) return {raw == x.value, found};
    return {entryFlagsMatch(x, raw), found};
}

Finding checkMachineCheck(const Expectation& x, const Subject& s) {
    const Cpu& c = *s.cpu;
    if (!hasMachineCheck(c)) return {false, fmt::format("cpu{} has taken no machine check", c.id)};
    std::string found = fmt::format("cpu{} MC0_STATUS = {}, MCG_STATUS = {}", c.id, hex(c.mc0Status), hex(c.mcgStatus));
    if (x.hasValue) return {(c.mc0Status & ~pae::MCI_STATUS_OVER) == (x.value & ~pae::MCI_STATUS_OVER), found};
    return {true, found};
}

Finding checkNoMachineCheck(const Expectation& /*x*/, const Subject& s) {
    for (const auto& cpu : s.m.cpus())
        if ((!s.cpu || cpu.id == s.cpu->id) && hasMachineCheck(cpu))
            return {false, fmt::format("cpu{} took a machine check: MC0_STATUS = {}", cpu.id, hex(cpu.mc0Status))};
    return {true, s.cpu ? fmt::format("cpu{} has taken no machine check", s.cpu->id) : "no CPU has taken a machine check"};
}

// page_fault, no_page_fault: the faults the step's operations took (on the CPU, or on any).
Finding checkPageFault(const Expectation& x, const Subject& s) {
    std::vector<std::string> faults;
    bool matched = false;
    for (const auto& list : s.step.events)
        for (const auto& e : list)
            if (e.kind == EventKind::PageFault && (x.cpu < 0 || e.cpu == x.cpu)) {
                faults.push_back(fmt::format("cpu{} at {} error code {} ({})", e.cpu, hex32(e.va), hex(e.count),
                                             pae::describeErrorCode(e.count)));
                if (!x.hasValue || e.count == x.value) matched = true;
            }
    std::string found = faults.empty() ? "no page fault in this step" : "page fault: ";
    for (std::size_t i = 0; i < faults.size(); ++i) found += (i ? "; " : "") + faults[i];
    if (x.kind == ExpectKind::PageFault) return {matched, found};
    return {faults.empty(), found};
}

// access_ok: the step's last access on the CPU.
Finding checkAccess(const Expectation& x, const Subject& s) {
    const PlayedStep& step = s.step;
    for (std::size_t i = step.ops.size(); i-- > 0;) {
        const Op& op = step.ops[i];
        if (op.code != OpCode::Access || op.cpu != x.cpu || i >= step.results.size()) continue;
        const OpResult& res = step.results[i];
        const bool ok = res.outcome == OpResult::Outcome::Ok;
        return {ok && (!x.hasValue || res.pa == x.value),
                fmt::format("cpu{} access {}: {}{}", x.cpu, hex32(op.a), outcomeName(res.outcome),
                            ok ? " pa " + hex(res.pa) : "")};
    }
    return {false, fmt::format("this step has no access on cpu{}", x.cpu)};
}

Finding checkCpuState(const Expectation& x, const Subject& s) {
    const Cpu& c = *s.cpu;
    return {x.name == cpuStateName(c.state), fmt::format("cpu{} is {}", c.id, cpuStateName(c.state))};
}

// task NAME: `idle` holds for any task without an mm (the swapper tasks).
Finding checkTask(const Expectation& x, const Subject& s) {
    const Cpu& c = *s.cpu;
    const Task* task = c.currentTask >= 0 ? &s.m.tasks()[static_cast<std::size_t>(c.currentTask)] : nullptr;
    const std::string name = task ? task->name : "none";
    const bool ok = (x.name == "idle" && task) ? task->mm < 0 : name == x.name;
    return {ok, fmt::format("cpu{} runs {}", c.id, name)};
}

Finding checkTlbState(const Expectation& x, const Subject& s) {
    const Cpu& c = *s.cpu;
    return {(x.name == "lazy") == (c.tlbState == TlbState::Lazy), fmt::format("cpu{} is {}", c.id, tlbStateName(c.tlbState))};
}

Finding checkPge(const Expectation& x, const Subject& s) {
    const Cpu& c = *s.cpu;
    return {c.regs.pge() == (x.value != 0), fmt::format("cpu{} CR4.PGE = {}", c.id, c.regs.pge() ? 1 : 0)};
}

Finding checkPanic(const Expectation& x, const Subject& s) {
    const KernelState& k = s.m.kernel();
    return {k.panicked == (x.kind == ExpectKind::Panic),
            k.panicked ? "the kernel panicked: " + k.panicMessage : "the kernel has not panicked"};
}

// stat (the change over this step) and total (since the start), of one CPU or summed over all.
Finding checkStat(const Expectation& x, const Subject& s) {
    const bool total = x.kind == ExpectKind::TotalStat;
    u64 v = 0;
    for (const auto& cpu : s.m.cpus()) {
        if (s.cpu && cpu.id != s.cpu->id) continue;
        const auto id = static_cast<std::size_t>(cpu.id);
        if (total) v += statValue(cpu.stats, x.name);
        else if (id < s.step.stats.size()) v += statValue(s.step.stats[id], x.name);
    }
    return {compare(v, x.cmp, x.value),
            fmt::format("{}{}{} = {} (expected {} {})", s.cpu ? fmt::format("cpu{} ", s.cpu->id) : "all CPUs ",
                        total ? "total " : "", x.name, v, compareText(x.cmp), x.value)};
}

Finding check(const Expectation& x, const Subject& s) {
    switch (x.kind) {
    case ExpectKind::TlbHas:
    case ExpectKind::TlbLacks:
    case ExpectKind::TlbCount: return checkTlb(x, s);
    case ExpectKind::Cr3: return checkCr3(x, s);
    case ExpectKind::Entry: return checkEntry(x, s);
    case ExpectKind::MachineCheck: return checkMachineCheck(x, s);
    case ExpectKind::NoMachineCheck: return checkNoMachineCheck(x, s);
    case ExpectKind::PageFault:
    case ExpectKind::NoPageFault: return checkPageFault(x, s);
    case ExpectKind::Access: return checkAccess(x, s);
    case ExpectKind::CpuState: return checkCpuState(x, s);
    case ExpectKind::Task: return checkTask(x, s);
    case ExpectKind::TlbState: return checkTlbState(x, s);
    case ExpectKind::Pge: return checkPge(x, s);
    case ExpectKind::Panic:
    case ExpectKind::NoPanic: return checkPanic(x, s);
    case ExpectKind::Stat:
    case ExpectKind::TotalStat: return checkStat(x, s);
    }
    return {false, "internal: unknown expectation"};
}

// Why the expectation cannot be checked on this machine at all (empty: it can).
std::string uncheckable(const Expectation& x, const Machine& m) {
    if (x.cpu >= static_cast<int>(m.cpus().size()))
        return fmt::format("cpu{} does not exist (the machine has {} CPUs)", x.cpu, m.cpus().size());
    const ExpectKindInfo* info = expectKindInfo(x.kind);
    if (x.cpu < 0 && info && info->cpu == CpuUse::Required) return fmt::format("'{}' needs a CPU", info->word);
    return {};
}

}  // namespace

ExpectResult evaluate(const Expectation& x, const Machine& m, const PlayedStep& step) {
    ExpectResult r;
    r.text = x.text;
    r.loc = x.loc;
    if (std::string why = uncheckable(x, m); !why.empty()) {
        r.message = std::move(why);
        return r;
    }
    Finding f = check(x, Subject{m, step, x.cpu >= 0 ? &m.cpu(x.cpu) : nullptr});
    r.passed = f.ok;
    r.message = std::move(f.found);
    return r;
}

bool PlayedStep::passed() const {
    return std::all_of(expectations.begin(), expectations.end(), [](const ExpectResult& r) { return r.passed; });
}

const LessonVariant& Lesson::pickVariant(const std::string& name) const {
    if (variants.empty()) throw OpError(SourceLoc{path, 0, 0}, fmt::format("lesson '{}' has no variant", id));
    const LessonVariant* v = name.empty() ? &variants.front() : variant(name);
    if (!v) {
        std::string names;
        for (const auto& n : variantNames()) names += (names.empty() ? "" : ", ") + n;
        throw OpError(SourceLoc{path, 0, 0}, fmt::format("lesson '{}' has no variant '{}' (it has: {})", id, name, names));
    }
    return *v;
}

std::vector<Op> variantOps(const LessonVariant& v) {
    if (!v.fromFile) return {};
    Op model;
    model.code = OpCode::CpuModel;
    model.name = cpuModelName(v.model);
    model.loc = v.loc;
    Op kernel;
    kernel.code = OpCode::KernelVariant;
    kernel.name = kernelVariantName(v.kernel);
    kernel.loc = v.loc;
    return {model, kernel};
}

LessonRun::LessonRun(const Lesson& lesson, const std::string& variant, int toStep) : m_lesson(lesson) {
    const LessonVariant* v = &m_lesson.pickVariant(variant);
    m_variant = static_cast<std::size_t>(v - m_lesson.variants.data());
    for (const auto& op : variantOps(*v)) m_timeline.append(op);
    for (const auto& op : m_lesson.setup) m_timeline.append(op);
    m_setupEnd = m_timeline.size();

    int number = 0;
    for (std::size_t i = 0; i < m_lesson.steps.size(); ++i) {
        const LessonStep& ls = m_lesson.steps[i];
        if (!ls.appliesTo(v->name)) continue;
        if (toStep > 0 && number >= toStep) break;
        PlayedStep ps;
        ps.lessonStep = static_cast<int>(i);
        ps.number = ++number;
        ps.firstOp = m_timeline.size();
        std::vector<CpuStats> before;
        for (const auto& c : m_timeline.head().cpus()) before.push_back(c.stats);
        for (const auto& op : ls.ops) {
            ps.results.push_back(m_timeline.append(op));
            ps.events.push_back(m_timeline.eventsOf(m_timeline.size()));
            ps.ops.push_back(op);
        }
        ps.lastOp = m_timeline.size();
        const Machine& after = m_timeline.head();
        for (std::size_t c = 0; c < after.cpus().size(); ++c)
            ps.stats.push_back(c < before.size() ? after.cpus()[c].stats - before[c] : after.cpus()[c].stats);
        for (const auto& x : ls.expectations)
            if (x.appliesTo(v->name)) ps.expectations.push_back(evaluate(x, after, ps));
        m_steps.push_back(std::move(ps));
    }
}

const LessonStep& LessonRun::lessonStep(const PlayedStep& s) const {
    return m_lesson.steps.at(static_cast<std::size_t>(s.lessonStep));
}

bool LessonRun::allPassed() const {
    return std::all_of(m_steps.begin(), m_steps.end(), [](const PlayedStep& s) { return s.passed(); });
}

std::vector<ExpectResult> LessonRun::failures() const {
    std::vector<ExpectResult> out;
    for (const auto& s : m_steps)
        for (const auto& r : s.expectations)
            if (!r.passed) out.push_back(r);
    return out;
}

nlohmann::json stepJson(LessonRun& run, const PlayedStep& s) {
    using nlohmann::json;
    const LessonStep& ls = run.lessonStep(s);
    json j;
    j["step"] = s.number;
    j["lesson_step"] = s.lessonStep + 1;
    j["title"] = ls.title;
    j["variant"] = run.variant().name;
    json ops = json::array();
    for (std::size_t i = 0; i < s.ops.size(); ++i) {
        json o = {{"op", formatOp(s.ops[i])}};
        if (i < s.results.size()) addResultJson(o, s.ops[i], s.results[i]);
        ops.push_back(std::move(o));
    }
    j["ops"] = std::move(ops);
    json events = json::array();
    for (const auto& list : s.events)
        for (const auto& e : list) events.push_back(eventJson(e));
    j["events"] = std::move(events);
    const Machine& m = run.timeline().seek(s.lastOp);
    json cpus = json::array();
    for (std::size_t c = 0; c < m.cpus().size(); ++c) cpus.push_back(cpuJson(m, static_cast<int>(c)));
    j["cpus"] = std::move(cpus);
    json expect = json::array();
    for (const auto& r : s.expectations)
        expect.push_back({{"expect", r.text},
                          {"at", fmt::format("{}:{}", r.loc.line, r.loc.col)},
                          {"passed", r.passed},
                          {"found", r.message}});
    j["expectations"] = std::move(expect);
    return j;
}

nlohmann::json runJson(LessonRun& run) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& s : run.steps()) a.push_back(stepJson(run, s));
    return a;
}

// ---- bundled lessons -------------------------------------------------------------------------

std::vector<std::string> lessonDirs() {
    namespace fs = std::filesystem;
    std::vector<std::string> candidates;
    // getenv: TLB Lab sets the environment only at start-up, on the main thread (QT_QPA_PLATFORM),
    // never while lessons are looked up.
    // NOLINTBEGIN(concurrency-mt-unsafe)
    if (const char* env = std::getenv("TLBLAB_LESSON_DIR"); env && *env) candidates.emplace_back(env);
    // An installed executable uses the lessons installed with it, even where the source tree exists;
    // a build-tree executable has no ../share/tlblab/lessons and falls through to the source tree.
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back((exe.parent_path() / ".." / "share" / "tlblab" / "lessons").lexically_normal().string());
    // The XDG base directories: the user's own lessons, then the system's data folders.
    const char* home = std::getenv("HOME");
    const char* dataHome = std::getenv("XDG_DATA_HOME");
    if (dataHome && *dataHome == '/') candidates.push_back(std::string(dataHome) + "/tlblab/lessons");
    else if (home && *home) candidates.push_back(std::string(home) + "/.local/share/tlblab/lessons");
    const char* dataDirs = std::getenv("XDG_DATA_DIRS");
    // NOLINTEND(concurrency-mt-unsafe)
    std::string dirs = dataDirs && *dataDirs ? dataDirs : "/usr/local/share:/usr/share";
    for (std::size_t pos = 0; pos <= dirs.size();) {
        const std::size_t colon = std::min(dirs.find(':', pos), dirs.size());
        const std::string d = dirs.substr(pos, colon - pos);
        if (!d.empty() && d.front() == '/') candidates.push_back(d + "/tlblab/lessons");  // relative: ignored (XDG)
        pos = colon + 1;
    }
    candidates.emplace_back(TLBLAB_INSTALLED_LESSON_DIR);
    std::vector<std::string> out;
    for (const auto& c : candidates) {
        if (c.empty() || !fs::is_directory(c, ec)) continue;
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    return out;
}

SourceKind sourceKind(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path p(path);
    const std::string ext = p.extension().string();
    if (ext == ".yaml" || ext == ".yml") return SourceKind::Lesson;
    std::error_code ec;
    if (!ext.empty() || path == "-" || fs::is_regular_file(p, ec)) return SourceKind::Script;
    return SourceKind::Lesson;  // a bundled lesson id
}

std::optional<std::string> findLesson(const std::string& idOrPath) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_regular_file(idOrPath, ec)) return idOrPath;
    if (idOrPath.empty() || idOrPath.find('/') != std::string::npos || fs::path(idOrPath).has_extension())
        return std::nullopt;
    for (const auto& dir : lessonDirs()) {
        fs::path p = fs::path(dir) / (idOrPath + ".yaml");
        if (fs::is_regular_file(p, ec)) return p.string();
    }
    return std::nullopt;
}

std::vector<std::string> bundledLessons() {
    namespace fs = std::filesystem;
    for (const auto& dir : lessonDirs()) {
        std::vector<std::pair<std::pair<int, std::string>, std::string>> found;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
            int order = 1000000;  // a lesson that does not load sorts last; `check` reports it
            try {
                order = loadLesson(e.path().string()).order;
            } catch (const OpError&) {
            }
            found.push_back({{order, e.path().stem().string()}, e.path().string()});
        }
        if (found.empty()) continue;
        std::sort(found.begin(), found.end());
        std::vector<std::string> out;
        out.reserve(found.size());
        for (auto& f : found) out.push_back(std::move(f.second));
        return out;
    }
    return {};
}

}  // namespace tlblab
