// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli list | run LESSON | check PATH...: the bundled lessons, played headless.
#include "commands.hpp"
#include "progress.hpp"

#include "tlblab/json.hpp"
#include "tlblab/lesson.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>

namespace tlblab::cli {

namespace {

// Version of the JSON that list, check and run print (`schema` in each object); a change that
// breaks a reader bumps it.
constexpr int kJsonSchema = 1;

bool checkFormat(const std::string& format) {
    if (format == "text" || format == "json") return true;
    std::cerr << "tlblab-cli: error: --format must be text or json, not '" << format << "'\n";
    return false;
}

struct RunOptions {
    std::string lesson;
    std::string variant;
    std::string format = "text";
    int toStep = 0;
    bool allEvents = false;
};

// Resolves LESSON (bundled id or path) and loads it; prints the error and returns nullopt.
std::optional<Lesson> load(const std::string& idOrPath) {
    auto path = findLesson(idOrPath);
    if (!path) {
        std::string ids;
        for (const auto& p : bundledLessons()) ids += (ids.empty() ? "" : ", ") + std::filesystem::path(p).stem().string();
        std::cerr << "tlblab-cli: error: no lesson '" << idOrPath << "': not a file and not a bundled lesson"
                  << (ids.empty() ? std::string(" (no lesson directory found)") : " (bundled: " + ids + ")") << "\n";
        return std::nullopt;
    }
    try {
        return loadLesson(*path);
    } catch (const OpError& e) {
        std::cerr << e.format() << "\n";
        return std::nullopt;
    }
}

std::string where(const SourceLoc& l) { return fmt::format("{}:{}:{}", l.file, l.line, l.col); }

// ---- text rendering --------------------------------------------------------------------------

std::string indent(const std::string& text, const std::string& pad) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        out += line.empty() ? "\n" : pad + line + "\n";
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    return out;
}

std::string cpuLine(const Machine& m, const Cpu& c) {
    std::string table = m.tableName(c.regs.cr3);
    std::string s = fmt::format("cpu{} {:<7} CR3 {} ({})", c.id, cpuStateName(c.state), hex32(c.regs.cr3),
                                table.empty() ? "?" : table);
    if (c.currentTask >= 0) {
        const Task& t = m.tasks()[static_cast<std::size_t>(c.currentTask)];
        s += "  task " + t.name;
        if (t.mm < 0 && c.activeMm >= 0)
            s += fmt::format(" (active_mm {}, {})", m.mms()[static_cast<std::size_t>(c.activeMm)].name,
                             c.tlbState == TlbState::Lazy ? "lazy TLB" : "TLBSTATE_OK");
    }
    if (!c.regs.pge()) s += "  PGE off";
    s += fmt::format("  TLB {} entr{}", c.tlb.size(), c.tlb.size() == 1 ? "y" : "ies");
    if (hasMachineCheck(c))
        s += fmt::format("  MACHINE CHECK MC0_STATUS {} MCG_STATUS {}", hex(c.mc0Status), hex(c.mcgStatus));
    return s;
}

std::string entryLine(const TlbEntry& e) {
    return fmt::format("#{} {} {} -> {}{}{}{} ({})", e.id, hex32(e.va), pageSizeName(e.size), hex(e.pa),
                       e.global ? " global" : "", e.user ? " user" : " supervisor", e.writable ? " rw" : "",
                       originName(e.origin));
}

bool keyEvent(const Event& e) {
    switch (e.kind) {
    case EventKind::TlbHit: case EventKind::TlbMiss: case EventKind::TlbFill: case EventKind::TlbEvict:
    case EventKind::TlbMove: case EventKind::TlbInvalidate: case EventKind::KernelExit: case EventKind::IpiReceive:
    case EventKind::Output:
        return false;
    case EventKind::TlbFlush: return e.count > 0;
    default: return true;
    }
}

void printStep(LessonRun& run, const PlayedStep& s, const RunOptions& o, const std::string& pendingAnswer) {
    const LessonStep& ls = run.lessonStep(s);
    std::string cpus;
    for (int c : ls.cpus) cpus += (cpus.empty() ? "" : ", ") + fmt::format("cpu{}", c);
    const std::string head = fmt::format("Step {}/{}: {}{}", s.number, run.steps().size(), ls.title,
                                         cpus.empty() ? "" : "   [" + cpus + "]");
    std::cout << "\n" << head << "\n" << std::string(std::min<std::size_t>(head.size(), 100), '=') << "\n";
    if (!pendingAnswer.empty()) std::cout << pendingAnswer << "\n";
    const std::string& narration = ls.narrationIn(run.variant().name);
    if (!narration.empty()) std::cout << indent(narration, "  ");

    if (!s.ops.empty()) {
        std::cout << "\n  Operations:\n";
        for (std::size_t i = 0; i < s.ops.size(); ++i) {
            std::string line = "    " + formatOp(s.ops[i]);
            const OpResult& r = s.results[i];
            if (r.outcome == OpResult::Outcome::Ok)
                line += fmt::format("  => ok, pa {} ({}, TLB {})", hex(r.pa), pageSizeName(r.size), r.tlbHit ? "hit" : "miss");
            else if (r.outcome == OpResult::Outcome::PageFault)
                line += fmt::format("  => PAGE FAULT, error code {} ({})", hex(r.errorCode), pae::describeErrorCode(r.errorCode));
            else if (r.outcome == OpResult::Outcome::MachineCheck)
                line += fmt::format("  => MACHINE CHECK, MC0_STATUS {}", hex(r.mc0Status));
            std::cout << line << "\n";
            if (!r.output.empty()) std::cout << indent(r.output, "      ");
        }
    }

    const Machine before = run.timeline().seek(s.firstOp);
    const Machine& after = run.timeline().seek(s.lastOp);
    std::cout << "\n  CPUs after the step:\n";
    for (const auto& c : after.cpus()) std::cout << "    " << cpuLine(after, c) << "\n";

    std::vector<std::string> changes;
    for (const auto& c : after.cpus()) {
        std::map<u32, TlbEntry> old, now;
        for (const auto& e : before.cpu(c.id).tlb.entries()) old[e.id] = e;
        for (const auto& e : c.tlb.entries()) now[e.id] = e;
        std::vector<TlbEntry> added, removed;
        for (const auto& [id, e] : now)
            if (!old.count(id)) added.push_back(e);
        for (const auto& [id, e] : old)
            if (!now.count(id)) removed.push_back(e);
        if (removed.size() > 6) changes.push_back(fmt::format("cpu{} - {} entries removed", c.id, removed.size()));
        else
            for (const auto& e : removed) changes.push_back(fmt::format("cpu{} - {}", c.id, entryLine(e)));
        if (added.size() > 6) changes.push_back(fmt::format("cpu{} + {} entries added", c.id, added.size()));
        else
            for (const auto& e : added) changes.push_back(fmt::format("cpu{} + {}", c.id, entryLine(e)));
    }
    if (!changes.empty()) {
        std::cout << "\n  TLB changes:\n";
        for (const auto& l : changes) std::cout << "    " << l << "\n";
    }

    std::vector<std::string> events;
    for (const auto& list : s.events)
        for (const auto& e : list)
            if (o.allEvents || keyEvent(e)) events.push_back(describe(e));
    if (!events.empty()) {
        std::cout << "\n  Events" << (o.allEvents ? "" : " (--all-events for every one)") << ":\n";
        for (const auto& l : events) std::cout << "    " << l << "\n";
    }

    if (!s.expectations.empty()) {
        std::cout << "\n  Checks:\n";
        for (const auto& r : s.expectations) {
            std::cout << "    " << (r.passed ? "ok    " : "FAILED") << " " << r.text << "\n";
            if (!r.passed) std::cout << "           found: " << r.message << "\n";
        }
    }
    if (const Question* qp = ls.questionIn(run.variant().name)) {
        const Question& q = *qp;
        std::cout << "\n  Question: " << q.prompt << "\n";
        for (std::size_t i = 0; i < q.choices.size(); ++i) std::cout << "    " << i + 1 << ") " << q.choices[i] << "\n";
    }
}

int reportFailures(const LessonRun& run) {
    int n = 0;
    for (const auto& s : run.steps())
        for (const auto& r : s.expectations)
            if (!r.passed) {
                std::cerr << where(r.loc) << ": error: expectation failed (step " << s.number << ", variant "
                          << run.variant().name << "): " << r.text << "; found: " << r.message << "\n";
                ++n;
            }
    return n;
}

int runLesson(const RunOptions& o) {
    if (!checkFormat(o.format)) return kExitBadInput;
    auto lesson = load(o.lesson);
    if (!lesson) return kExitBadInput;
    std::unique_ptr<LessonRun> run;
    try {
        run = std::make_unique<LessonRun>(*lesson, o.variant, o.toStep);
    } catch (const OpError& e) {
        std::cerr << e.format() << "\n";
        return kExitBadInput;
    }
    if (o.format == "json") {
        const nlohmann::json out = {{"schema", kJsonSchema},
                                    {"lesson", lesson->id},
                                    {"variant", run->variant().name},
                                    {"failed", run->failures().size()},
                                    {"steps", runJson(*run)}};
        std::cout << out.dump(1) << "\n";
    } else {
        const LessonVariant& v = run->variant();
        std::string others;
        for (const auto& n : lesson->variantNames())
            if (n != v.name) others += (others.empty() ? "" : ", ") + n;
        std::cout << lesson->title << "\n"
                  << "Lesson " << lesson->id << ", variant " << v.name << ": " << v.description << "\n";
        if (!others.empty()) std::cout << "(other variants, with --variant: " << others << ")\n";
        if (!lesson->summary.empty()) std::cout << indent(lesson->summary, "  ");
        std::string pending;
        for (const auto& s : run->steps()) {
            printStep(*run, s, o, pending);
            pending.clear();
            const LessonStep& ls = run->lessonStep(s);
            if (const Question* qp = ls.questionIn(run->variant().name)) {
                const Question& q = *qp;
                pending = fmt::format("  Answer to the question of step {}: {}) {}", s.number, q.answer + 1,
                                      q.choices[static_cast<std::size_t>(q.answer)]);
                if (!q.explanation.empty()) pending += "\n" + indent(q.explanation, "    ");
            }
        }
        if (!pending.empty()) std::cout << "\n" << pending << "\n";
        std::size_t checks = 0;
        for (const auto& s : run->steps()) checks += s.expectations.size();
        const auto failed = run->failures().size();
        std::cout << "\n"
                  << (failed ? fmt::format("{} of {} checks FAILED", failed, checks)
                             : fmt::format("All {} checks hold.", checks))
                  << "\n";
    }
    return reportFailures(*run) ? kExitExpectationFailed : kExitOk;
}

int listLessons(const std::string& format) {
    if (!checkFormat(format)) return kExitBadInput;
    const auto paths = bundledLessons();
    if (paths.empty()) {
        std::cerr << "tlblab-cli: error: no lesson directory found (set TLBLAB_LESSON_DIR)\n";
        return kExitBadInput;
    }
    int status = kExitOk;
    for (const auto& p : paths) {
        try {
            Lesson l = loadLesson(p);
            if (format == "json") {
                nlohmann::json variants = nlohmann::json::array();
                for (const auto& v : l.variants) variants.push_back({{"name", v.name}, {"description", v.description}});
                std::cout << nlohmann::json{{"schema", kJsonSchema}, {"id", l.id},          {"title", l.title},
                                            {"minutes", l.minutes},  {"path", p},           {"variants", variants}}
                                 .dump()
                          << "\n";
                continue;
            }
            std::cout << fmt::format("{:<18} {}", l.id, l.title) << (l.minutes ? fmt::format(" ({} min)", l.minutes) : "")
                      << "\n";
            for (const auto& v : l.variants) std::cout << fmt::format("    {:<20} {}", v.name, v.description) << "\n";
        } catch (const OpError& e) {
            std::cerr << e.format() << "\n";
            status = kExitBadInput;
        }
    }
    return status;
}

int checkLessons(const std::vector<std::string>& args, const std::string& format) {
    namespace fs = std::filesystem;
    if (!checkFormat(format)) return kExitBadInput;
    const bool json = format == "json";
    auto result = [json](const std::string& status, const std::string& file, const std::string& id,
                         const std::string& variant, std::size_t steps, std::size_t checks, int failedChecks) {
        if (!json) return;
        nlohmann::json j = {{"schema", kJsonSchema}, {"status", status}, {"file", file}};
        if (!id.empty()) j["lesson"] = id;
        if (!variant.empty()) j["variant"] = variant;
        if (status != "bad") {
            j["steps"] = steps;
            j["checks"] = checks;
            j["failed_checks"] = failedChecks;
        }
        std::cout << j.dump() << "\n";
    };
    std::vector<std::string> files;
    if (args.empty()) files = bundledLessons();
    for (const auto& a : args) {
        std::error_code ec;
        if (fs::is_directory(a, ec)) {
            std::set<std::string> found;
            for (const auto& e : fs::directory_iterator(a, ec))
                if (e.is_regular_file() && e.path().extension() == ".yaml") found.insert(e.path().string());
            files.insert(files.end(), found.begin(), found.end());
        } else if (auto p = findLesson(a)) {
            files.push_back(*p);
        } else {
            std::cerr << a << ":0:0: error: no such lesson file or directory\n";
            return kExitBadInput;
        }
    }
    if (files.empty()) {
        std::cerr << "tlblab-cli: error: no lesson files to check\n";
        return kExitBadInput;
    }
    int bad = 0, failed = 0, runs = 0;
    Progress progress("check", static_cast<double>(files.size()), "lesson files");
    for (std::size_t fi = 0; fi < files.size(); ++fi) {
        const std::string& f = files[fi];
        progress.update(static_cast<double>(fi));
        Lesson lesson;
        try {
            lesson = loadLesson(f);
        } catch (const OpError& e) {
            progress.clear();
            std::cerr << e.format() << "\n";
            if (!json) std::cout << fmt::format("BAD    {}", visibleText(f)) << "\n";
            result("bad", f, {}, {}, 0, 0, 0);
            ++bad;
            continue;
        }
        for (const auto& v : lesson.variants) {
            ++runs;
            try {
                LessonRun run(lesson, v.name);
                std::size_t checks = 0;
                for (const auto& s : run.steps()) checks += s.expectations.size();
                progress.clear();
                const int n = reportFailures(run);
                if (!json)
                    std::cout << fmt::format("{:<6} {} [{}]: {} steps, {} checks{}", n ? "FAILED" : "ok", lesson.id,
                                             v.name, run.steps().size(), checks, n ? fmt::format(", {} failed", n) : "")
                              << "\n";
                result(n ? "failed" : "ok", f, lesson.id, v.name, run.steps().size(), checks, n);
                failed += n ? 1 : 0;
            } catch (const OpError& e) {
                progress.clear();
                std::cerr << e.format() << "\n";
                if (!json) std::cout << fmt::format("BAD    {} [{}]", lesson.id, v.name) << "\n";
                result("bad", f, lesson.id, v.name, 0, 0, 0);
                ++bad;
            }
        }
    }
    progress.clear();
    if (json) {
        std::cout << nlohmann::json{{"schema", kJsonSchema},
                                    {"summary", {{"files", files.size()}, {"runs", runs}, {"failed", failed}, {"bad", bad}}}}
                         .dump()
                  << "\n";
        return bad ? kExitBadInput : failed ? kExitExpectationFailed : kExitOk;
    }
    std::cout << fmt::format("{} lesson file{}, {} run{}: {} failed, {} bad", files.size(), files.size() == 1 ? "" : "s",
                             runs, runs == 1 ? "" : "s", failed, bad)
              << "\n";
    return bad ? kExitBadInput : failed ? kExitExpectationFailed : kExitOk;
}

}  // namespace

void registerLessonCommands(CLI::App& app, Context& ctx) {
    auto listFormat = std::make_shared<std::string>("text");
    CLI::App* list = app.add_subcommand("list", "List the bundled lessons and their variants");
    list->add_option("--format", *listFormat, "text, or json: one object per lesson and line")->capture_default_str();
    list->callback([listFormat, &ctx]() { ctx.exitCode = listLessons(*listFormat); });

    auto ro = std::make_shared<RunOptions>();
    CLI::App* run = app.add_subcommand("run", "Play a lesson headless and check its expectations "
                                              "(exit 0: all hold, 1: one fails, 2: bad input)");
    run->add_option("lesson", ro->lesson, "A bundled lesson's id (see 'list') or a lesson file")->required();
    run->add_option("--variant", ro->variant, "Variant to play (default: the lesson's first)");
    run->add_option("--format", ro->format, "text, or json: one object with the steps' machine states")
        ->capture_default_str();
    run->add_option("--to-step", ro->toStep, "Stop after this many steps")->check(CLI::Range(0, 1000000));
    run->add_flag("--all-events", ro->allEvents, "Text format: print every event, not only the key ones");
    run->callback([ro, &ctx]() { ctx.exitCode = runLesson(*ro); });

    auto paths = std::make_shared<std::vector<std::string>>();
    auto checkFormatOpt = std::make_shared<std::string>("text");
    CLI::App* check = app.add_subcommand("check", "Load and play lessons (files, directories or ids; default: the "
                                                  "bundled ones) under every variant and report");
    check->add_option("paths", *paths, "Lesson files or directories");
    check->add_option("--format", *checkFormatOpt, "text, or json: one object per lesson run and line, then a summary")
        ->capture_default_str();
    check->callback([paths, checkFormatOpt, &ctx]() { ctx.exitCode = checkLessons(*paths, *checkFormatOpt); });
}

}  // namespace tlblab::cli
