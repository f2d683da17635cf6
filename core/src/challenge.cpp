// SPDX-License-Identifier: GPL-3.0-or-later
// Challenges: parsing a student's answer and checking it with the simulator (see challenge.hpp).
#include "tlblab/challenge.hpp"

#include "tlblab/explore.hpp"
#include "tlblab/lesson.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>
#include <optional>
#include <unordered_map>

namespace tlblab {

const char* challengeKindName(ChallengeKind k) {
    switch (k) {
    case ChallengeKind::Build: return "build";
    case ChallengeKind::Fix: return "fix";
    case ChallengeKind::Count: return "count";
    }
    return "?";
}

namespace {

// An answer is a small text file; past these limits it is bad input, not an attempt.
constexpr std::size_t kMaxAnswerBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxAnswerOps = 20000;
// The count search keeps a record per state; past this many states it stops (incomplete).
constexpr std::size_t kMaxCountStates = 500000;

struct AnswerLine {
    std::string_view text;  // without the line end
    int line = 0;
};

std::vector<AnswerLine> splitLines(std::string_view text, const std::string& file) {
    if (text.size() > kMaxAnswerBytes)
        throw OpError(SourceLoc{file, 0, 0}, fmt::format("the answer is {} bytes; an answer may have at most {} (1 MiB)",
                                                         text.size(), kMaxAnswerBytes));
    if (const std::size_t bad = findNonText(text); bad != std::string_view::npos)
        throw OpError(offsetLoc(text, bad, file), fmt::format("byte {:#04x} is not text (an answer is UTF-8 text)",
                                                              static_cast<unsigned char>(text[bad])));
    std::vector<AnswerLine> out;
    std::size_t pos = 0;
    int line = 1;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view l = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        out.push_back(AnswerLine{l, line});
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
        ++line;
    }
    return out;
}

std::size_t firstWordAt(std::string_view l) {
    std::size_t i = 0;
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    return i;
}

bool blank(std::string_view l) {
    const std::size_t i = firstWordAt(l);
    return i == l.size() || l[i] == '#';
}

// An operation of a thread: the `cpuN` prefix may be left out (as in a lesson's explore: threads).
Op threadOp(std::string_view text, const SourceLoc& loc, int cpu) {
    Op op;
    const bool prefixed = text.size() > 3 && text.substr(0, 3) == "cpu" && std::isdigit(static_cast<unsigned char>(text[3]));
    bool ok = false;
    if (!prefixed) {
        // A CPU operation written without its CPU: read it with the thread's prefix, positions unchanged.
        const std::string withCpu = fmt::format("cpu{} {}", cpu, text);
        SourceLoc shifted = loc;
        shifted.col -= static_cast<int>(withCpu.size() - text.size());
        try {
            ok = parseOp(withCpu, shifted, op);
            op.loc = loc;
        } catch (const OpError&) {
            ok = false;  // a machine-wide operation, or a bad one: the plain reading below says which
        }
    }
    if (!ok && !parseOp(text, loc, op)) throw OpError(loc, "an operation is missing after the ':'");
    if (op.cpu >= 0 && op.cpu != cpu)
        throw OpError(op.loc, fmt::format("this operation runs on cpu{}, but the line puts it into cpu{}'s thread", op.cpu, cpu));
    return op;
}

// A CPU the machine model can have at all (cpu0 .. cpu63): the language's CPU word, bounded.
bool cpuWord(std::string_view s, int& cpu) {
    int c = -1;
    if (!parseCpuWord(s, c) || c >= kMaxCpus) return false;
    cpu = c;
    return true;
}

// Splits a line into words (spaces, tabs and commas separate), each with its 1-based column.
std::vector<std::pair<std::string_view, int>> wordsOf(std::string_view l, std::size_t from, std::size_t to) {
    std::vector<std::pair<std::string_view, int>> out;
    std::size_t i = from;
    while (i < to) {
        if (l[i] == ' ' || l[i] == '\t' || l[i] == ',') {
            ++i;
            continue;
        }
        std::size_t e = i;
        while (e < to && l[e] != ' ' && l[e] != '\t' && l[e] != ',') ++e;
        out.emplace_back(l.substr(i, e - i), static_cast<int>(i) + 1);
        i = e;
    }
    return out;
}

// A line of an answer that is not blank or a comment, and where its first word starts.
struct Statement {
    std::string_view text;
    int line = 0;
    std::size_t start = 0;  // index of the first word
    SourceLoc at;           // the first word's position
};

std::vector<Statement> statements(const std::vector<AnswerLine>& lines, const std::string& file) {
    std::vector<Statement> out;
    for (const AnswerLine& l : lines) {
        if (blank(l.text)) continue;
        const std::size_t start = firstWordAt(l.text);
        out.push_back(Statement{l.text, l.line, start, SourceLoc{file, l.line, static_cast<int>(start) + 1}});
    }
    return out;
}

void parseBuild(const std::vector<AnswerLine>& lines, const std::string& file, ChallengeAnswer& a) {
    for (const Statement& l : statements(lines, file)) {
        std::size_t start = l.start;
        const bool plus = l.text[start] == '+';
        if (plus) ++start;
        const SourceLoc loc{file, l.line, static_cast<int>(start) + 1};
        Op op;
        if (!parseOp(l.text.substr(start), loc, op)) {
            if (plus) throw OpError(SourceLoc{file, l.line, static_cast<int>(start)}, "a '+' line needs an operation after the '+'");
            continue;
        }
        if (plus) {
            if (a.insertAt >= 0)
                throw OpError(SourceLoc{file, l.line, static_cast<int>(start)},
                              fmt::format("only one operation may be marked with '+' (the first is on line {})", a.inserted.loc.line));
            a.insertAt = static_cast<int>(a.ops.size());
            a.inserted = std::move(op);
        } else {
            a.ops.push_back(std::move(op));
        }
        if (a.ops.size() + 1 > kMaxAnswerOps) throw OpError(loc, fmt::format("an answer may have at most {} operations", kMaxAnswerOps));
    }
    if (a.ops.empty()) throw OpError(SourceLoc{file, 1, 1}, "the answer has no operation (one operation per line)");
}

// after cpuN K: OPERATION
void parseFixLine(const Statement& l, const std::string& file, ChallengeAnswer& a) {
    const std::size_t colon = l.text.find(':', l.start);
    const std::size_t head = colon == std::string_view::npos ? l.text.size() : colon;
    const auto w = wordsOf(l.text, l.start, head);
    auto wordLoc = [&](std::size_t i) {
        return SourceLoc{file, l.line, i < w.size() ? w[i].second : static_cast<int>(head) + 1};
    };
    if (w.empty() || w[0].first != "after")
        throw OpError(l.at, "expected 'after cpuN K: OPERATION' (K: the number of the thread's line it goes after, 0 = first)");
    if (w.size() < 2 || !cpuWord(w[1].first, a.cpu))
        throw OpError(wordLoc(1), "expected a CPU after 'after' (cpu0, cpu1, ...)");
    u64 k = 0;
    if (w.size() < 3 || !parseNumber(w[2].first, k) || k > 100000)
        throw OpError(wordLoc(2), fmt::format("expected the line of cpu{}'s thread the operation goes after (0 = before its first)", a.cpu));
    if (w.size() > 3) throw OpError(wordLoc(3), fmt::format("unexpected '{}' before the ':'", w[3].first));
    if (colon == std::string_view::npos)
        throw OpError(SourceLoc{file, l.line, static_cast<int>(l.text.size()) + 1}, "expected ':' and the operation to insert");
    std::size_t opStart = colon + 1;
    while (opStart < l.text.size() && (l.text[opStart] == ' ' || l.text[opStart] == '\t')) ++opStart;
    a.after = static_cast<int>(k);
    a.placeLoc = l.at;
    a.inserted = threadOp(l.text.substr(opStart), SourceLoc{file, l.line, static_cast<int>(opStart) + 1}, a.cpu);
}

// dies: cpuN [cpuM ...] | dies: none
void parseCountLine(const Statement& l, const std::string& file, ChallengeAnswer& a) {
    const std::size_t hash = l.text.find('#', l.start);
    const std::size_t end = hash == std::string_view::npos ? l.text.size() : hash;
    const std::size_t colon = l.text.find(':', l.start);
    if (l.text.substr(l.start, 4) != "dies" || colon == std::string_view::npos || colon >= end ||
        !wordsOf(l.text, l.start + 4, colon).empty())
        throw OpError(l.at, "expected 'dies: cpuN [cpuM ...]' (the CPUs that can machine-check) or 'dies: none'");
    const auto w = wordsOf(l.text, colon + 1, end);
    if (w.empty()) throw OpError(SourceLoc{file, l.line, static_cast<int>(end) + 1}, "name the CPUs that can machine-check (or 'none')");
    for (const auto& [word, col] : w) {
        const SourceLoc wl{file, l.line, col};
        if (word == "none") {
            if (w.size() > 1) throw OpError(wl, "'none' stands alone");
            continue;
        }
        int cpu = -1;
        if (!cpuWord(word, cpu)) throw OpError(wl, fmt::format("expected a CPU (cpu0, cpu1, ...) or 'none', got '{}'", word));
        if (std::find(a.dies.begin(), a.dies.end(), cpu) != a.dies.end()) throw OpError(wl, fmt::format("cpu{} is named twice", cpu));
        a.dies.push_back(cpu);
    }
    std::sort(a.dies.begin(), a.dies.end());
    a.placeLoc = l.at;
}

// A fix or count answer is one line: `read` parses the first; no line, or a second one, is an error
// (`second` says it, given the first's line number).
void parseOneLine(const std::vector<AnswerLine>& lines, const std::string& file, ChallengeAnswer& a,
                  void (*read)(const Statement&, const std::string&, ChallengeAnswer&), const char* none,
                  std::string (*second)(int firstLine)) {
    const std::vector<Statement> st = statements(lines, file);
    if (st.empty()) throw OpError(SourceLoc{file, 1, 1}, none);
    read(st[0], file, a);
    if (st.size() > 1) throw OpError(st[1].at, second(a.placeLoc.line));
}

void parseFix(const std::vector<AnswerLine>& lines, const std::string& file, ChallengeAnswer& a) {
    parseOneLine(lines, file, a, parseFixLine, "the answer inserts no operation: write 'after cpuN K: OPERATION'",
                 [](int first) { return fmt::format("one operation only: the answer already inserts one on line {}", first); });
}

void parseCount(const std::vector<AnswerLine>& lines, const std::string& file, ChallengeAnswer& a) {
    parseOneLine(lines, file, a, parseCountLine, "the answer predicts nothing: write 'dies: cpuN' (or 'dies: none')",
                 [](int first) { return fmt::format("one prediction only: line {} already says which CPUs die", first); });
}

std::string keywordList(const std::vector<OpCode>& codes) {
    std::string s;
    for (OpCode c : codes) s += (s.empty() ? "" : ", ") + std::string(opKeyword(c));
    return s;
}

bool allowedIn(const std::vector<OpCode>& codes, OpCode c) { return std::find(codes.begin(), codes.end(), c) != codes.end(); }

std::string entryText(const TlbEntry& e) {
    return fmt::format("{} {} {} {} ({})", hex32(e.va), pageSizeName(e.size), e.global ? "global" : "non-global",
                       e.user ? "user" : "supervisor-only", originName(e.origin));
}

// "2 entries for 0x00400000: ...; ..." (what a CPU's TLB holds for an address).
std::string entriesFor(const Machine& m, int cpu, u32 va) {
    const Tlb& tlb = m.cpu(cpu).tlb;
    const TlbMatches mt = tlb.lookup(va);
    if (mt.count == 0) return fmt::format("no entry for {}", hex32(va));
    std::string s = fmt::format("{} entr{} for {}: ", mt.count, mt.count == 1 ? "y" : "ies", hex32(va));
    for (int k = 0; k < mt.count; ++k) s += (k ? "; " : "") + entryText(tlb.at(mt.slot[static_cast<std::size_t>(k)]));
    return s;
}

std::string cpus(const std::vector<int>& v) {
    if (v.empty()) return "none";
    std::string s;
    for (int c : v) s += fmt::format("{}cpu{}", s.empty() ? "" : " ", c);
    return s;
}

// ---- build ------------------------------------------------------------------------------------

struct ScriptRun {
    Machine start;
    Machine end;
    std::vector<OpResult> results;
    int crash = -1;  // index of the op that machine-checked
    int crashCpu = -1;
    bool multimatch = false;
    Machine beforeCrash;  // the machine just before that op
};

ScriptRun runScript(const Machine& start, const std::vector<Op>& ops) {
    ScriptRun r;
    r.start = start;
    r.end = start;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const bool first = r.crash < 0;
        if (first) r.beforeCrash = r.end;
        EventList ev;
        r.results.push_back(r.end.execute(ops[i], &ev));  // throws OpError at the answer's line
        if (first && r.results.back().outcome == OpResult::Outcome::MachineCheck) {
            r.crash = static_cast<int>(i);
            r.crashCpu = ops[i].cpu;
            r.multimatch = std::any_of(ev.begin(), ev.end(), [](const Event& e) { return e.kind == EventKind::Multimatch; });
        }
    }
    return r;
}

std::string resultText(const OpResult& r) {
    switch (r.outcome) {
    case OpResult::Outcome::Ok:
        return fmt::format("completes at pa {} ({}, TLB {})", hex(r.pa), pageSizeName(r.size), r.tlbHit ? "hit" : "miss");
    case OpResult::Outcome::PageFault: return fmt::format("page-faults (error code {})", hex(r.errorCode));
    case OpResult::Outcome::MachineCheck: return fmt::format("machine-checks (MC0_STATUS {})", hex(r.mc0Status));
    case OpResult::Outcome::None: break;
    }
    return "runs";
}

// A lesson that plays a script one operation per step (the debugger opens it like any lesson).
std::string scriptLessonYaml(const Lesson& lesson, const Challenge& c, const std::vector<Op>& ops, int crash, int crashCpu,
                             int marked) {
    YAML::Emitter y;
    y << YAML::BeginMap;
    y << YAML::Key << "id" << YAML::Value << fmt::format("{}-{}-counterexample", lesson.id, c.id);
    y << YAML::Key << "title" << YAML::Value << fmt::format("{}: your operations, one per step", c.title);
    y << YAML::Key << "steps" << YAML::Value << YAML::BeginSeq;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        y << YAML::BeginMap;
        y << YAML::Key << "title" << YAML::Value << fmt::format("Line {}: {}", ops[i].loc.line, formatOp(ops[i]));
        if (ops[i].cpu >= 0) y << YAML::Key << "cpu" << YAML::Value << fmt::format("cpu{}", ops[i].cpu);
        y << YAML::Key << "ops" << YAML::Value << YAML::BeginSeq << formatOp(ops[i]) << YAML::EndSeq;
        std::string nar = fmt::format("Line {} of your answer.", ops[i].loc.line);
        if (static_cast<int>(i) == marked) nar += " This is the operation you added.";
        if (static_cast<int>(i) == crash) nar += fmt::format(" Here cpu{} takes the machine check.", crashCpu);
        y << YAML::Key << "narration" << YAML::Value << nar;
        if (static_cast<int>(i) == crash)
            y << YAML::Key << "expect" << YAML::Value << YAML::BeginSeq << fmt::format("cpu{} machine_check", crashCpu)
              << YAML::EndSeq;
        y << YAML::EndMap;
        if (static_cast<int>(i) == crash) break;
    }
    y << YAML::EndSeq << YAML::EndMap;
    return fmt::format("# Generated by TLB Lab from challenge '{}' of lesson '{}'.\n{}\n", c.id, lesson.id, y.c_str());
}

// The answer's first operation that `allowed` does not list, as the verdict (nullopt: all are allowed).
std::optional<ChallengeVerdict> notAllowed(const std::vector<Op>& ops, const std::vector<OpCode>& allowed) {
    for (const Op& op : ops)
        if (!allowedIn(allowed, op.code)) {
            ChallengeVerdict v;
            v.at = op.loc;
            v.reason = fmt::format("line {}: '{}' is not allowed in this challenge (allowed: {})", op.loc.line,
                                   opKeyword(op.code), keywordList(allowed));
            return v;
        }
    return std::nullopt;
}

// Part 1 not reached: what the last access did and what its CPU's TLB holds afterwards.
ChallengeVerdict noMachineCheck(const std::vector<Op>& ops, const ScriptRun& run) {
    ChallengeVerdict v;
    v.reason = "no machine check: every operation ran and no CPU's TLB matched two entries for one address";
    const Op* lastAccess = nullptr;
    std::size_t index = 0;
    for (std::size_t i = 0; i < ops.size(); ++i)
        if (ops[i].code == OpCode::Access) {
            lastAccess = &ops[i];
            index = i;
        }
    if (!lastAccess) {
        v.details.emplace_back("there is no access: only an access can find two entries for its address");
        return v;
    }
    const u32 va = static_cast<u32>(lastAccess->a);
    v.details.push_back(fmt::format("the last access, line {} `{}`, {}", lastAccess->loc.line, formatOp(*lastAccess),
                                    resultText(run.results[index])));
    v.details.push_back(fmt::format("cpu{}'s TLB now holds {}", lastAccess->cpu, entriesFor(run.end, lastAccess->cpu, va)));
    return v;
}

// Part 2: the answer's '+' operation, inserted, must prevent the machine check of part 1 (`one`,
// at `crashOp`) and let that access complete. `v` holds part 1's details.
ChallengeVerdict checkPrevention(ChallengeVerdict v, const Lesson& lesson, const Challenge& c, const ChallengeAnswer& a,
                                 const ScriptRun& one, const std::string& part1) {
    const Op& crashOp = a.ops[static_cast<std::size_t>(one.crash)];
    if (a.insertAt < 0) {
        v.reason = "part 1 solved; part 2 missing: add the one operation that prevents the machine check, on a line of its "
                   "own marked with a leading '+'";
        return v;
    }
    if (!allowedIn(c.prevent, a.inserted.code)) {
        v.at = a.inserted.loc;
        v.reason = fmt::format("line {}: '{}' may not be the added operation (allowed: {})", a.inserted.loc.line,
                               opKeyword(a.inserted.code), keywordList(c.prevent));
        return v;
    }
    std::vector<Op> ops2 = a.ops;
    ops2.insert(ops2.begin() + a.insertAt, a.inserted);
    const ScriptRun two = runScript(one.start, ops2);
    const std::string added = fmt::format("`{}` (line {})", formatOp(a.inserted), a.inserted.loc.line);
    if (two.crash >= 0) {
        const Op& op2 = ops2[static_cast<std::size_t>(two.crash)];
        v.at = op2.loc;
        v.reason = fmt::format("part 1 solved; part 2 not: with {} added, line {} `{}` still machine-checks cpu{}", added,
                               op2.loc.line, formatOp(op2), two.crashCpu);
        v.details.push_back(fmt::format("just before line {}, cpu{}'s TLB holds {}", op2.loc.line, two.crashCpu,
                                        entriesFor(two.beforeCrash, two.crashCpu, static_cast<u32>(op2.a))));
        for (int i = 0; i <= two.crash; ++i) v.counterexample.push_back(formatOp(ops2[static_cast<std::size_t>(i)]));
        v.counterexampleYaml = scriptLessonYaml(lesson, c, ops2, two.crash, two.crashCpu, a.insertAt);
        v.counterexampleVariant = "default";
        return v;
    }
    const std::size_t after = static_cast<std::size_t>(one.crash) + (a.insertAt <= one.crash ? 1 : 0);
    const OpResult& r = two.results[after];
    if (r.outcome != OpResult::Outcome::Ok) {
        v.at = crashOp.loc;
        v.reason = fmt::format("part 1 solved; part 2 not: with {} added there is no machine check, but line {} `{}` now {}: "
                               "prevent the machine check and let the access complete",
                               added, crashOp.loc.line, formatOp(crashOp), resultText(r));
        return v;
    }
    v.solved = true;
    v.reason = fmt::format("solved: {}; with {} added, no CPU machine-checks and line {} {}", part1, added, crashOp.loc.line,
                           resultText(r));
    v.details.clear();
    return v;
}

// Part 1: the answer's operations, from an empty machine, must end in erratum 383's TLB multimatch.
ChallengeVerdict checkBuild(const Lesson& lesson, const Challenge& c, const ChallengeAnswer& a) {
    if (std::optional<ChallengeVerdict> v = notAllowed(a.ops, c.allowed)) return *v;
    const Machine start;  // an empty machine: 2 CPUs, erratum383, paging on, nothing mapped
    const ScriptRun one = runScript(start, a.ops);
    if (one.crash < 0) return noMachineCheck(a.ops, one);
    ChallengeVerdict v;
    const Op& crashOp = a.ops[static_cast<std::size_t>(one.crash)];
    const u32 va = static_cast<u32>(crashOp.a);
    const std::string part1 =
        fmt::format("line {} `{}` machine-checks cpu{} (MC0_STATUS {}, L1 TLB multimatch): its TLB holds {}", crashOp.loc.line,
                    formatOp(crashOp), one.crashCpu, hex(one.results.back().mc0Status), entriesFor(one.end, one.crashCpu, va));
    if (!one.multimatch || (one.end.cpu(one.crashCpu).mc0Status & ~pae::MCI_STATUS_OVER) != pae::kMc0StatusErratum383) {
        v.reason = "the machine check is not the TLB multimatch of erratum 383";
        return v;
    }
    v.details.push_back("part 1: " + part1);
    if (!c.prevent.empty()) return checkPrevention(std::move(v), lesson, c, a, one, part1);
    if (a.insertAt >= 0) {
        v.at = a.inserted.loc;
        v.reason = fmt::format("line {}: this challenge asks for no '+' operation", a.inserted.loc.line);
        return v;
    }
    v.solved = true;
    v.reason = "solved: " + part1;
    v.details.clear();
    return v;
}

// ---- fix and count: an explore problem --------------------------------------------------------

struct Problem {
    Lesson lesson;  // a copy whose explore: section is the one searched (the inserted op included)
    ExploreProblem problem;
};

Problem problemOf(const Lesson& lesson, const Challenge& c) {
    Problem p{lesson, {}};
    if (c.explore) p.lesson.explore = *c.explore;
    p.problem = problemFromLesson(p.lesson, c.variant);
    return p;
}

std::string scheduleLine(std::size_t i, const ScheduleStep& s, bool yours) {
    return fmt::format("{:>3}. {}{}", i + 1, formatOp(s.op),
                       s.speculation ? "   (speculation choice)" : yours ? "   <- your operation" : "");
}

// The fix leaves a machine check reachable: the shortest schedule to it, the inserted operation
// marked, and what the dying CPU's TLB holds just before a final access.
void explainStillReachable(ChallengeVerdict& v, const Problem& p, const Challenge& c, const ChallengeAnswer& a,
                           const ExploreResult& r, const std::string& where) {
    v.at = a.inserted.loc;
    v.reason = fmt::format("with {} a machine check is still reachable: cpu{} dies in a schedule of {} steps", where,
                           r.machineCheckCpu, r.schedule.size());
    v.details.emplace_back("the shortest schedule that still crashes:");
    for (std::size_t i = 0; i < r.schedule.size(); ++i) {
        const ScheduleStep& s = r.schedule[i];
        const bool yours = !s.speculation && s.cpu == a.cpu && s.threadIndex == a.after;
        v.details.push_back("  " + scheduleLine(i, s, yours));
        v.counterexample.push_back(formatOp(s.op));
    }
    const ScheduleStep& last = r.schedule.back();
    if (last.op.code == OpCode::Access) {
        std::vector<ScheduleStep> before(r.schedule.begin(), r.schedule.end() - 1);
        const Machine m = replaySchedule(p.problem, before);
        v.details.push_back(fmt::format("before step {}, cpu{}'s TLB holds {}", r.schedule.size(), last.cpu,
                                        entriesFor(m, last.cpu, static_cast<u32>(last.op.a))));
    }
    v.counterexampleVariant = p.lesson.pickVariant(c.variant).name;
    v.counterexampleYaml = scheduleLessonYaml(p.lesson, v.counterexampleVariant, r);
}

// The explorer's options for a challenge: its depth, the caller's cancel flag and progress line.
ExploreOptions exploreOptions(const Challenge& c, const ChallengeOptions& o) {
    ExploreOptions eo;
    eo.maxDepth = c.maxDepth;
    eo.cancel = o.cancel;
    if (o.progress)
        eo.progress = [&o](const ExploreProgress& pr) {
            o.progress(fmt::format("{} states, {} transitions, depth {}", pr.states, pr.transitions, pr.depth));
        };
    return eo;
}

void requireCpu(int cpu, int ncpu, const SourceLoc& at) {
    if (cpu >= ncpu)
        throw OpError(at, fmt::format("cpu{} does not exist: the machine has {} CPUs (cpu0..cpu{})", cpu, ncpu, ncpu - 1));
}

ChallengeVerdict checkFix(const Lesson& lesson, const Challenge& c, const ChallengeAnswer& a, const ChallengeOptions& o) {
    ChallengeVerdict v;
    Problem p = problemOf(lesson, c);
    const int ncpu = static_cast<int>(p.problem.initial.cpus().size());
    requireCpu(a.cpu, ncpu, a.placeLoc);
    auto& thread = p.problem.threads[static_cast<std::size_t>(a.cpu)];
    if (a.after > static_cast<int>(thread.size()))
        throw OpError(a.placeLoc, fmt::format("cpu{}'s thread has {} operation{}: K goes from 0 to {}", a.cpu, thread.size(),
                                              thread.size() == 1 ? "" : "s", thread.size()));
    if (!allowedIn(c.allowed, a.inserted.code)) {
        v.at = a.inserted.loc;
        v.reason = fmt::format("line {}: '{}' is not one of the operations you may insert ({})", a.inserted.loc.line,
                               opKeyword(a.inserted.code), keywordList(c.allowed));
        return v;
    }
    thread.insert(thread.begin() + a.after, a.inserted);
    p.lesson.explore->threads[a.cpu] = thread;
    const std::string where = fmt::format("`{}` after line {} of cpu{}'s thread", formatOp(a.inserted), a.after, a.cpu);

    const ExploreResult r = explore(p.problem, exploreOptions(c, o));
    const std::string counts = fmt::format("{} states, {} transitions, {} end state{}", r.states, r.transitions, r.endStates,
                                           r.endStates == 1 ? "" : "s");
    if (r.cancelled) {
        v.reason = "the check was cancelled";
        return v;
    }
    if (r.found) {
        explainStillReachable(v, p, c, a, r, where);
        return v;
    }
    if (!r.complete) {
        v.reason = fmt::format("no machine check found, but the search is incomplete (schedules longer than {} steps were "
                               "not searched)",
                               c.maxDepth);
        return v;
    }
    if (r.blockedEnds > 0) {
        v.at = a.inserted.loc;
        v.reason = fmt::format("no machine check, but with {} a thread never finishes in {} of the {} end states: the "
                               "operation cannot run there, so the code after it never runs",
                               where, r.blockedEnds, r.endStates);
        return v;
    }
    v.solved = true;
    v.reason = fmt::format("solved: with {} no machine check is reachable in any interleaving, and every thread runs to its "
                           "end (complete search: {})",
                           where, counts);
    return v;
}

// ---- count: every interleaving, counted --------------------------------------------------------

struct CountSearch {
    CountSearch(const ExploreProblem& p, const ChallengeOptions& o, int depth, int cpus)
        : problem(p), options(o), maxDepth(depth), ncpu(cpus) {}

    const ExploreProblem& problem;
    const ChallengeOptions& options;
    int maxDepth;
    int ncpu;
    unsigned slack = 0;
    bool cut = false;  // depth or state limit, a cycle, or cancelled
    bool cancelled = false;
    ChallengeCounts counts;

    struct Rec {
        std::vector<u64> schedules;  // [cpu] crashing schedules from this state
        std::vector<int> dist;       // [cpu] shortest schedule from here to that CPU's crash (max: none)
        std::vector<int> next;       // [cpu] the successor index on that schedule
        bool open = true;            // on the DFS path (a cycle if reached again)
    };
    std::unordered_map<u64, Rec> memo;
    std::unordered_map<u64, int> crashOf;  // crash state key -> the CPU that died
    u64 sinceProgress = 0;

    struct Succ {
        Machine m;
        std::vector<int> pcs;
        ScheduleStep step;
    };

    u64 keyOf(const Machine& m, const std::vector<int>& pcs) const {
        const StateHash h = hashMachine(m, slack);
        u64 k = h.lo ^ (h.hi * 0x9e3779b97f4a7c15ull);
        for (int pc : pcs) k = (k ^ static_cast<u64>(pc)) * 0x100000001b3ull + 0x7f4a7c15ull;
        return k;
    }

    // The transitions of a state, numbered: per CPU its next thread op, then each speculation address.
    int choices() const {
        int n = 0;
        for (int c = 0; c < ncpu; ++c) n += 1 + static_cast<int>(problem.speculation[static_cast<std::size_t>(c)].size());
        return n;
    }

    // Builds transition `choice` from (m, pcs) into `out`; false if it is not enabled or changes nothing.
    // One successor at a time: the search keeps one machine per level of its path, not a whole fan-out.
    bool successor(const Machine& m, const std::vector<int>& pcs, int choice, Succ& out) const {
        int c = 0;
        while (choice > static_cast<int>(problem.speculation[static_cast<std::size_t>(c)].size())) {
            choice -= 1 + static_cast<int>(problem.speculation[static_cast<std::size_t>(c)].size());
            ++c;
        }
        const auto cpu = static_cast<std::size_t>(c);
        if (choice == 0) {
            const auto& th = problem.threads[cpu];
            const int pc = pcs[cpu];
            if (pc >= static_cast<int>(th.size())) return false;
            out.m = m;
            try {
                out.m.execute(th[static_cast<std::size_t>(pc)], nullptr);
            } catch (const OpError&) {
                return false;
            }
            out.pcs = pcs;
            out.pcs[cpu]++;
            out.step = ScheduleStep{c, false, pc, th[static_cast<std::size_t>(pc)], {}};
            return true;
        }
        const u32 va = problem.speculation[cpu][static_cast<std::size_t>(choice - 1)];
        const Cpu& state = m.cpu(c);
        if (state.state == CpuState::Offline || state.state == CpuState::Halted) return false;
        if (!walk(m.memory(), state.regs, va).ok() || state.tlb.lookup(va).count != 0) return false;
        Op op;
        op.code = OpCode::Speculate;
        op.cpu = c;
        op.a = va;
        out.m = m;
        out.m.execute(op, nullptr);
        out.pcs = pcs;
        out.step = ScheduleStep{c, true, -1, op, {}};
        return true;
    }

    static int crashedCpu(const Machine& m) {
        for (const Cpu& c : m.cpus())
            if (c.mc0Status != 0) return c.id;
        return -1;
    }

    // Fills memo[key] for the state (m, pcs) reached at `depth`.
    void visit(const Machine& m, const std::vector<int>& pcs, u64 key, int depth) {
        Rec rec{std::vector<u64>(static_cast<std::size_t>(ncpu), 0),
                std::vector<int>(static_cast<std::size_t>(ncpu), std::numeric_limits<int>::max()),
                std::vector<int>(static_cast<std::size_t>(ncpu), -1), true};
        memo.emplace(key, rec);
        counts.states++;
        if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
            cancelled = cut = true;
        } else if (options.progress && ++sinceProgress >= 256) {
            sinceProgress = 0;
            options.progress(fmt::format("{} states, {} crash states", counts.states, counts.crashStates));
        }
        if (cut || depth >= maxDepth || memo.size() >= kMaxCountStates) {
            cut = true;
            memo[key].open = false;
            return;
        }
        Succ s;
        for (int i = 0, count = choices(); i < count; ++i) {
            if (!successor(m, pcs, i, s)) continue;
            const u64 k = keyOf(s.m, s.pcs);
            auto add = [&](int cpu, u64 n, int d) {
                const auto c = static_cast<std::size_t>(cpu);
                rec.schedules[c] = n > std::numeric_limits<u64>::max() - rec.schedules[c] ? std::numeric_limits<u64>::max()
                                                                                          : rec.schedules[c] + n;
                if (d < rec.dist[c]) {
                    rec.dist[c] = d;
                    rec.next[c] = i;
                }
            };
            if (const int dead = crashedCpu(s.m); dead >= 0) {
                if (crashOf.emplace(k, dead).second) {
                    counts.crashStates++;
                    counts.crashStatesByCpu[static_cast<std::size_t>(dead)]++;
                    counts.states++;
                }
                add(dead, 1, 1);
                continue;
            }
            auto it = memo.find(k);
            if (it == memo.end()) {
                visit(s.m, s.pcs, k, depth + 1);
                it = memo.find(k);
            } else if (it->second.open) {
                cut = true;  // a cycle: the schedules through it cannot be counted
                continue;
            }
            for (int cpu = 0; cpu < ncpu; ++cpu) {
                const auto c = static_cast<std::size_t>(cpu);
                if (it->second.schedules[c] > 0) add(cpu, it->second.schedules[c], it->second.dist[c] + 1);
            }
        }
        rec.open = false;
        memo[key] = std::move(rec);
    }
    // Searches every interleaving from the problem's initial machine, the speculation choices the
    // search's own (they replace the random policy, as in the explorer); fills `counts`.
    void run() {
        u64 totalOps = 0, totalSpec = 0;
        for (int cpu = 0; cpu < ncpu; ++cpu) {
            totalOps += problem.threads[static_cast<std::size_t>(cpu)].size();
            totalSpec += problem.speculation[static_cast<std::size_t>(cpu)].size();
        }
        slack = static_cast<unsigned>(std::min<u64>(1u << 20, 3 * totalOps + totalSpec * (totalOps + 1)));
        counts.crashStatesByCpu.assign(static_cast<std::size_t>(ncpu), 0);
        start = problem.initial;
        Op off;
        off.code = OpCode::Speculation;
        start.execute(off, nullptr);
        startPcs.assign(static_cast<std::size_t>(ncpu), 0);
        root = keyOf(start, startPcs);
        visit(start, startPcs, root, 0);
        counts.complete = !cut;
        counts.schedulesByCpu = memo[root].schedules;
        for (u64 n : counts.schedulesByCpu)
            counts.schedules = n > std::numeric_limits<u64>::max() - counts.schedules ? n : counts.schedules + n;
    }

    // The shortest schedule from the start to `cpu`'s machine check (after run()).
    std::vector<ScheduleStep> shortestTo(int cpu) const {
        std::vector<ScheduleStep> out;
        Machine m = start;
        std::vector<int> at = startPcs;
        u64 key = root;
        for (;;) {
            const auto it = memo.find(key);
            if (it == memo.end() || it->second.next[static_cast<std::size_t>(cpu)] < 0) break;
            Succ n;
            if (!successor(m, at, it->second.next[static_cast<std::size_t>(cpu)], n)) break;
            out.push_back(n.step);
            if (crashedCpu(n.m) >= 0) break;
            key = keyOf(n.m, n.pcs);
            m = std::move(n.m);
            at = std::move(n.pcs);
        }
        return out;
    }

    Machine start;
    std::vector<int> startPcs;
    u64 root = 0;
};

// The CPUs that die in some reachable state, and per CPU how often.
std::vector<int> dyingCpus(const ChallengeCounts& k) {
    std::vector<int> out;
    for (std::size_t cpu = 0; cpu < k.crashStatesByCpu.size(); ++cpu)
        if (k.crashStatesByCpu[cpu] > 0) out.push_back(static_cast<int>(cpu));
    return out;
}

std::vector<std::string> countDetails(const ChallengeCounts& k) {
    std::vector<std::string> out;
    for (std::size_t cpu = 0; cpu < k.crashStatesByCpu.size(); ++cpu)
        out.push_back(fmt::format("cpu{}: machine-checks in {} of the {} reachable crash states and {} of the {} "
                                  "crashing schedules",
                                  cpu, k.crashStatesByCpu[cpu], k.crashStates, k.schedulesByCpu[cpu], k.schedules));
    out.push_back(fmt::format("every interleaving searched: {} states", k.states));
    return out;
}

// A wrong prediction: the CPUs that really die, and the shortest schedule to the death of one the
// answer left out (or, if it named too many, of the first that dies).
void explainMisprediction(ChallengeVerdict& v, const Problem& p, const Challenge& c, const ChallengeAnswer& a,
                          const CountSearch& s, const std::vector<int>& actual) {
    v.at = a.placeLoc;
    v.reason = fmt::format("you predicted {}; the CPUs that can machine-check are: {}", cpus(a.dies), cpus(actual));
    int missed = -1;
    for (int cpu : actual)
        if (std::find(a.dies.begin(), a.dies.end(), cpu) == a.dies.end()) missed = cpu;
    if (missed < 0 && !actual.empty()) missed = actual.front();
    if (missed < 0) return;
    ExploreResult r;
    r.found = true;
    r.machineCheckCpu = missed;
    r.schedule = s.shortestTo(missed);
    v.details.push_back(fmt::format("the shortest schedule in which cpu{} dies:", missed));
    for (std::size_t i = 0; i < r.schedule.size(); ++i) {
        v.details.push_back("  " + scheduleLine(i, r.schedule[i], false));
        v.counterexample.push_back(formatOp(r.schedule[i].op));
    }
    v.counterexampleVariant = p.lesson.pickVariant(c.variant).name;
    v.counterexampleYaml = scheduleLessonYaml(p.lesson, v.counterexampleVariant, r);
}

ChallengeVerdict checkCount(const Lesson& lesson, const Challenge& c, const ChallengeAnswer& a, const ChallengeOptions& o) {
    ChallengeVerdict v;
    Problem p = problemOf(lesson, c);
    const int ncpu = static_cast<int>(p.problem.initial.cpus().size());
    for (int cpu : a.dies) requireCpu(cpu, ncpu, a.placeLoc);
    p.problem.threads.resize(static_cast<std::size_t>(ncpu));
    p.problem.speculation.resize(static_cast<std::size_t>(ncpu));
    CountSearch s(p.problem, o, c.maxDepth, ncpu);
    s.run();
    const ChallengeCounts& k = s.counts;
    v.counts = k;
    if (s.cancelled) {
        v.reason = "the check was cancelled";
        return v;
    }
    if (!k.complete) {
        v.reason = fmt::format("the search is incomplete (a schedule longer than {} steps, more than {} states, or a cycle "
                               "of states): the counts are not exact",
                               c.maxDepth, kMaxCountStates);
        return v;
    }
    const std::vector<int> actual = dyingCpus(k);
    v.details = countDetails(k);
    if (actual != a.dies) {
        explainMisprediction(v, p, c, a, s, actual);
        return v;
    }
    v.solved = true;
    v.reason = fmt::format("solved: {} every interleaving ({} crash states, {} crashing schedules)",
                           actual.empty() ? std::string("no CPU can machine-check in")
                                          : fmt::format("{} and no other CPU can machine-check, over", cpus(actual)),
                           k.crashStates, k.schedules);
    return v;
}

void listThread(std::string& s, const std::string& label, const std::vector<Op>& ops) {
    for (std::size_t i = 0; i < ops.size(); ++i)
        s += fmt::format("{:<6}{:>3}  {}\n", i == 0 ? label : "", i + 1, formatOp(ops[i]));
}

}  // namespace

ChallengeAnswer parseChallengeAnswer(const Challenge& c, std::string_view text, const std::string& file) {
    const std::vector<AnswerLine> lines = splitLines(text, file);
    ChallengeAnswer a;
    switch (c.kind) {
    case ChallengeKind::Build: parseBuild(lines, file, a); break;
    case ChallengeKind::Fix: parseFix(lines, file, a); break;
    case ChallengeKind::Count: parseCount(lines, file, a); break;
    }
    return a;
}

ChallengeVerdict checkChallenge(const Lesson& lesson, const Challenge& c, std::string_view answer, const std::string& file,
                                const ChallengeOptions& options) {
    const ChallengeAnswer a = parseChallengeAnswer(c, answer, file);
    switch (c.kind) {
    case ChallengeKind::Build: return checkBuild(lesson, c, a);
    case ChallengeKind::Fix: return checkFix(lesson, c, a, options);
    case ChallengeKind::Count: return checkCount(lesson, c, a, options);
    }
    return {};
}

const Challenge& pickChallenge(const Lesson& lesson, const std::string& id) {
    std::string ids;
    for (const Challenge& c : lesson.challenges) {
        if (c.id == id || (id.empty() && lesson.challenges.size() == 1)) return c;
        ids += (ids.empty() ? "" : ", ") + c.id;
    }
    const SourceLoc at{lesson.path, 0, 0};
    if (lesson.challenges.empty()) throw OpError(at, fmt::format("lesson '{}' has no challenges", lesson.id));
    if (id.empty())
        throw OpError(at, fmt::format("lesson '{}' has {} challenges ({}): pick one with --challenge", lesson.id,
                                      lesson.challenges.size(), ids));
    throw OpError(at, fmt::format("lesson '{}' has no challenge '{}' (it has: {})", lesson.id, id, ids));
}

nlohmann::json verdictJson(const ChallengeVerdict& v) {
    nlohmann::json j;
    j["solved"] = v.solved;
    j["reason"] = v.reason;
    j["details"] = v.details;
    if (v.at.line > 0) j["at"] = {{"file", v.at.file}, {"line", v.at.line}, {"col", v.at.col}};
    j["counterexample"] = v.counterexample;
    if (!v.counts.crashStatesByCpu.empty())
        j["counts"] = {{"states", v.counts.states},
                       {"crash_states", v.counts.crashStates},
                       {"crashing_schedules", v.counts.schedules},
                       {"crash_states_by_cpu", v.counts.crashStatesByCpu},
                       {"crashing_schedules_by_cpu", v.counts.schedulesByCpu},
                       {"complete", v.counts.complete}};
    return j;
}

std::string challengeThreadListing(const Lesson& lesson, const Challenge& c) {
    const ExploreSpec* x = c.explore ? c.explore.get() : lesson.explore ? &*lesson.explore : nullptr;
    if (c.kind == ChallengeKind::Build || !x) return {};
    std::string s;
    for (const auto& [cpu, ops] : x->threads) listThread(s, fmt::format("cpu{}:", cpu), ops);
    for (const auto& [cpu, vas] : x->speculation) {
        std::string list;
        for (u32 va : vas) list += (list.empty() ? "" : ", ") + hex32(va);
        s += fmt::format("cpu{} may speculatively cache {} at any point\n", cpu, list);
    }
    return s;
}

}  // namespace tlblab
