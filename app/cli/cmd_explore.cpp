// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli explore LESSON: exhaustive interleaving search of a lesson's explore: section. Exit
// status: 0 no machine check reachable (complete), 1 reachable, 3 search incomplete, 2 bad input.
// tlblab-cli stress: seeded hotplug stress runs per kernel variant.
#include "commands.hpp"
#include "progress.hpp"

#include "tlblab/atomic_file.hpp"
#include "tlblab/explore.hpp"
#include "tlblab/lesson.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>

#include <unistd.h>

namespace tlblab::cli {

namespace {

struct ExploreCliOptions {
    std::string lesson;
    std::vector<std::string> variants;
    int maxDepth = 64;
    std::string out;
    bool noReduction = false;
    bool noSymmetry = false;
    bool fine = false;
    int bench = 0;
    int jobs = 0;
    u64 maxStates = 0;
    double maxSeconds = 0;
    std::string maxMemory;
    std::string progress = "auto";
    std::string format = "text";
};

constexpr int kExitIncomplete = 3;

std::string outPath(const std::string& out, const std::string& variant, bool several) {
    if (!several) return out;
    std::filesystem::path p(out);
    return (p.parent_path() / (p.stem().string() + "." + variant + p.extension().string())).string();
}

// "512M", "2G", "65536" (bytes); false if malformed or zero.
bool parseBytes(const std::string& text, u64& out) {
    if (text.empty()) return false;
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        return false;
    }
    std::string unit = text.substr(used);
    double scale = 1;
    if (unit == "K" || unit == "KiB") scale = 1024.0;
    else if (unit == "M" || unit == "MiB") scale = 1048576.0;
    else if (unit == "G" || unit == "GiB") scale = 1073741824.0;
    else if (!unit.empty() && unit != "B") return false;
    if (!(v > 0) || v * scale > 1.0e18) return false;
    out = static_cast<u64>(v * scale);
    return out > 0;
}

std::string mib(u64 bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0); }

int runExplore(const ExploreCliOptions& o) {
    auto path = findLesson(o.lesson);
    if (!path) {
        std::cerr << "tlblab-cli: error: no lesson '" << o.lesson << "': not a file and not a bundled lesson\n";
        return kExitBadInput;
    }
    Lesson lesson;
    std::vector<std::string> variants = o.variants;
    try {
        lesson = loadLesson(*path);
        if (!lesson.explore) {
            std::cerr << *path << ":0:0: error: lesson '" << lesson.id
                      << "' has no explore: section (threads, speculation, goal)\n";
            return kExitBadInput;
        }
        if (variants.empty()) variants = lesson.variantNames();
        for (const auto& v : variants) (void)problemFromLesson(lesson, v, o.fine);  // check every variant first
    } catch (const OpError& e) {
        std::cerr << e.format() << "\n";
        return kExitBadInput;
    }
    if (o.maxDepth < 1) {
        std::cerr << "tlblab-cli: error: --max-depth must be at least 1\n";
        return kExitBadInput;
    }
    if (o.jobs < 0 || o.jobs > 1024) {
        std::cerr << "tlblab-cli: error: --jobs must be between 0 (every core) and 1024\n";
        return kExitBadInput;
    }
    if (!(o.maxSeconds >= 0) || o.maxSeconds > 1.0e9) {
        std::cerr << "tlblab-cli: error: --max-seconds must be a number of seconds, 0 for no limit\n";
        return kExitBadInput;
    }
    if (o.progress != "auto" && o.progress != "json" && o.progress != "none") {
        std::cerr << "tlblab-cli: error: --progress must be auto, json or none\n";
        return kExitBadInput;
    }
    if (o.format != "text" && o.format != "json") {
        std::cerr << "tlblab-cli: error: --format must be text or json\n";
        return kExitBadInput;
    }
    ExploreOptions eo;
    eo.maxDepth = o.maxDepth;
    eo.reduction = !o.noReduction;
    eo.symmetry = !o.noSymmetry;
    eo.threads = o.jobs;
    eo.maxStates = o.maxStates;
    eo.maxSeconds = o.maxSeconds;
    if (!o.maxMemory.empty() && !parseBytes(o.maxMemory, eo.maxMemory)) {
        std::cerr << "tlblab-cli: error: --max-memory must be a size like 512M or 2G\n";
        return kExitBadInput;
    }
    if (eo.maxMemory == 0) eo.maxMemory = defaultExploreMemoryBudget();
    const bool tty = isatty(fileno(stderr)) != 0;
    if (o.progress == "json") {
        eo.progress = [](const ExploreProgress& p) {
            nlohmann::json j{{"states", p.states},           {"transitions", p.transitions}, {"depth", p.depth},
                             {"frontier", p.frontier},       {"memory_bytes", p.memoryBytes},
                             {"states_per_second", p.statesPerSecond}, {"seconds", p.seconds}};
            std::cerr << j.dump() << "\n" << std::flush;
        };
    } else if (o.progress == "auto" && tty) {
        eo.progress = [](const ExploreProgress& p) {
            std::cerr << fmt::format("\r  {} states, frontier {}, depth {}, {:.0f} states/s, {} ", p.states, p.frontier,
                                     p.depth, p.statesPerSecond, mib(p.memoryBytes))
                      << std::flush;
        };
    }
    int status = kExitOk;
    bool anyFound = false, anyIncomplete = false;
    if (o.bench > 0 && o.format == "text")
        fmt::print("{:<40} {:>10} {:>8} {:>10} {:>12} {:>11} {:>12} {:>9} {:>9}\n", "problem (variant)", "verdict",
                   "states", "states/s", "states/CPU-s", "bytes/state", "peak memory", "time", "CPU time");
    for (const auto& v : variants) {
        const ExploreProblem problem = problemFromLesson(lesson, v, o.fine);
        ExploreResult r = explore(problem, eo);
        if (eo.progress && o.progress == "auto") std::cerr << "\r\033[K" << std::flush;
        std::vector<double> times{r.seconds};
        for (int i = 1; i < o.bench; ++i) times.push_back(explore(problem, eo).seconds);
        std::sort(times.begin(), times.end());
        const double t = times[times.size() / 2];
        anyFound = anyFound || r.found;
        anyIncomplete = anyIncomplete || (!r.found && !r.complete);
        if (o.format == "json") {
            fmt::print("{}\n", exploreJson(problem.name, r, o.maxDepth));
        } else if (o.bench > 0) {
            fmt::print("{:<40} {:>10} {:>8} {:>10.0f} {:>12.0f} {:>11.1f} {:>12} {:>8.3f}s {:>8.3f}s\n", problem.name,
                       r.found ? "reachable" : r.complete ? "proved" : "incomplete", r.states,
                       t > 0 ? static_cast<double>(r.states) / t : 0.0,
                       r.cpuSeconds > 0 ? static_cast<double>(r.states) / r.cpuSeconds : 0.0,
                       r.states ? static_cast<double>(r.visitedBytes) / static_cast<double>(r.states) : 0.0,
                       mib(std::max(r.peakMemory, processPeakMemory())), t, r.cpuSeconds);
        } else {
            fmt::print("{}\n", exploreSummary(problem.name, r, o.maxDepth));
        }
        if (r.found && !o.out.empty()) {
            const std::string file = outPath(o.out, v, variants.size() > 1);
            try {
                writeFileAtomic(file, scheduleLessonYaml(lesson, v, r));
            } catch (const std::exception& e) {
                std::cerr << "tlblab-cli: error: " << e.what() << "\n";
                return kExitBadInput;
            }
            if (o.format == "text") fmt::print("  counterexample written to {} (play it with: tlblab-cli run {})\n", file, file);
        }
    }
    if (o.bench > 0 && o.format == "text")
        fmt::print("(median of {} runs; {} threads; time: wall clock to verdict; CPU time: of the first run, every thread; "
                   "bytes/state: visited set and counterexample records; peak memory: the process's peak resident "
                   "memory)\n",
                   o.bench, o.jobs > 0 ? std::to_string(o.jobs) : "all");
    std::fflush(stdout);
    if (anyFound) status = kExitExpectationFailed;
    else if (anyIncomplete) status = kExitIncomplete;
    return status;
}

// The most hotplug cycles one stress run does per variant (README "Explore and stress").
constexpr u64 kMaxStressCycles = 1'000'000'000;

struct StressCliOptions {
    std::vector<std::string> variants;
    std::string model = "erratum383";
    int cpus = 3;
    u64 cycles = 100000;
    u64 seed = 1;
    std::string csv;
    int jobs = 0;
    double specRate = 0.5;
    int activity = 3;
    std::string format = "text";
};

int runStressCommand(const StressCliOptions& o) {
    StressOptions so;
    if (!parseCpuModel(o.model, so.model)) {
        std::cerr << "tlblab-cli: error: unknown cpu model '" << o.model << "' (erratum383|correct)\n";
        return kExitBadInput;
    }
    std::vector<KernelVariant> kinds;
    std::vector<std::string> names = o.variants;
    if (names.empty() || (names.size() == 1 && names[0] == "all")) names = {"buggy", "fix-flush", "fix-trampoline"};
    for (const auto& n : names) {
        KernelVariant k{};
        if (!parseKernelVariant(n, k)) {
            std::cerr << "tlblab-cli: error: unknown kernel variant '" << n << "' (buggy|fix-flush|fix-trampoline|all)\n";
            return kExitBadInput;
        }
        kinds.push_back(k);
    }
    if (o.cpus < 3 || o.cpus > kMaxCpus) {
        std::cerr << "tlblab-cli: error: --cpus must be between 3 and " << kMaxCpus
                  << " (cpu0 drives hotplug, one CPU cycles, the others run tasks)\n";
        return kExitBadInput;
    }
    if (o.cycles < 1 || o.cycles > kMaxStressCycles) {
        std::cerr << "tlblab-cli: error: --cycles must be between 1 and " << kMaxStressCycles
                  << " (about half an hour per variant at the measured speed)\n";
        return kExitBadInput;
    }
    if (o.specRate < 0 || o.specRate > 1) {
        std::cerr << "tlblab-cli: error: --speculation-rate must be between 0 and 1\n";
        return kExitBadInput;
    }
    so.cpus = o.cpus;
    so.cycles = o.cycles;
    so.seed = o.seed;
    so.jobs = o.jobs;
    so.speculationRate = o.specRate;
    if (o.activity < 0 || o.activity > 1000) {
        std::cerr << "tlblab-cli: error: --activity must be between 0 and 1000\n";
        return kExitBadInput;
    }
    so.activity = o.activity;
    if (o.format != "text" && o.format != "json") {
        std::cerr << "tlblab-cli: error: --format must be text or json, not '" << o.format << "'\n";
        return kExitBadInput;
    }
    const bool json = o.format == "json";
    std::vector<StressResult> results;
    // Progress on a terminal: the run goes on a worker while this thread redraws the line.
    std::atomic<u64> cyclesDone{0};
    so.cyclesDone = &cyclesDone;
    auto run = [&](KernelVariant k) {
        so.variant = k;
        Progress progress(fmt::format("stress {}", kernelVariantName(k)), static_cast<double>(o.cycles), "cycles");
        if (!progress.active()) return runStress(so);
        cyclesDone = 0;
        auto done = std::async(std::launch::async, [&so] { return runStress(so); });
        while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
            progress.update(static_cast<double>(cyclesDone.load()));
        return done.get();
    };
    if (!json) {
        fmt::print("stress: {} CPUs, cpu model {}, {} hotplug cycles per variant, seed {}, activity {}, jobs {}\n",
                   o.cpus, o.model, o.cycles, o.seed, o.activity, o.jobs > 0 ? std::to_string(o.jobs) : "all cores");
        fmt::print("{:<15} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}\n", "variant", "MCs", "MC/1000",
                   "misses", "walks", "flushNG", "flushAll", "invlpg", "flushPF", "seconds", "cycles/s");
        fmt::print("{:<15} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "", "", "", "(per context switch)", "", "",
                   "", "", "");
    }
    for (KernelVariant k : kinds) {
        std::fflush(stdout);
        StressResult r = run(k);
        if (json) {
            // One object per variant and line (the same figures as the text table and the CSV).
            const nlohmann::json perSwitch = {{"misses", r.perSwitch(r.stats.misses)},
                                              {"walks", r.perSwitch(r.stats.walks)},
                                              {"flush_non_global", r.perSwitch(r.stats.flushNonGlobal)},
                                              {"flush_all", r.perSwitch(r.stats.flushAll)},
                                              {"invlpg", r.perSwitch(r.stats.invlpg)},
                                              {"flush_page_fault", r.perSwitch(r.stats.flushPageFault)}};
            std::cout << nlohmann::json{{"schema", 1},
                                        {"variant", kernelVariantName(k)},
                                        {"cpu_model", o.model},
                                        {"cpus", o.cpus},
                                        {"seed", o.seed},
                                        {"cycles", r.cycles},
                                        {"machine_checks", r.machineChecks},
                                        {"machine_checks_per_1000", r.machineChecksPer1000()},
                                        {"context_switches", r.stats.contextSwitches},
                                        {"per_context_switch", perSwitch},
                                        {"rejected_ops", r.rejectedOps},
                                        {"seconds", r.seconds}}
                             .dump()
                      << std::endl;
        } else {
            fmt::print("{:<15} {:>9} {:>8.3f} {:>8.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>10.0f}\n",
                       kernelVariantName(k), r.machineChecks, r.machineChecksPer1000(), r.perSwitch(r.stats.misses),
                       r.perSwitch(r.stats.walks), r.perSwitch(r.stats.flushNonGlobal), r.perSwitch(r.stats.flushAll),
                       r.perSwitch(r.stats.invlpg), r.perSwitch(r.stats.flushPageFault), r.seconds,
                       r.seconds > 0 ? static_cast<double>(r.cycles) / r.seconds : 0.0);
            if (r.rejectedOps) fmt::print("  warning: {} operations were refused by the machine\n", r.rejectedOps);
        }
        results.push_back(r);
    }
    if (!o.csv.empty()) {
        try {
            writeFileAtomic(o.csv, stressCsv(results));
        } catch (const std::exception& e) {
            std::cerr << "tlblab-cli: error: " << e.what() << "\n";
            return kExitBadInput;
        }
        if (!json) fmt::print("CSV written to {}\n", o.csv);
    }
    std::fflush(stdout);
    return kExitOk;
}

}  // namespace

void registerExplore(CLI::App& app, Context& ctx) {
    auto eo = std::make_shared<ExploreCliOptions>();
    CLI::App* ex = app.add_subcommand(
        "explore", "Search every interleaving of a lesson's explore: section for a machine check");
    ex->add_option("lesson", eo->lesson, "Bundled lesson id or lesson file")->required();
    ex->add_option("--variant", eo->variants, "Variant(s) to search (default: every variant of the lesson)");
    ex->add_option("--max-depth", eo->maxDepth, "Longest schedule searched")->capture_default_str();
    ex->add_option("--out", eo->out,
                   "Write the shortest counterexample as a lesson file (FILE.VARIANT.yaml with several variants)");
    ex->add_flag("--no-reduction", eo->noReduction, "Search without the partial-order reduction");
    ex->add_flag("--no-symmetry", eo->noSymmetry, "Search without merging states of interchangeable bystander CPUs");
    ex->add_flag("--fine", eo->fine,
                 "Run the kernel paths as their real steps: clone_pgd_range, flush_tlb_all as one IPI per CPU, "
                 "do_boot_cpu's INIT and STARTUP, start_secondary, zap_low_mappings");
    ex->add_option("--bench", eo->bench,
                   "Repeat each search N times; print states/s, bytes per state, peak memory and time per variant")
        ->expected(0, 1)
        ->default_str("5");
    ex->add_option("--jobs", eo->jobs, "Worker threads (default: every core); results do not depend on it");
    ex->add_option("--max-states", eo->maxStates, "Stop, incomplete (exit 3), after N states (default: no limit)");
    ex->add_option("--max-seconds", eo->maxSeconds, "Stop, incomplete (exit 3), after N seconds (default: no limit)");
    ex->add_option("--max-memory", eo->maxMemory,
                   "Stop, incomplete (exit 3), before the search uses more (512M, 2G; default: half the available memory)");
    ex->add_option("--progress", eo->progress, "auto (on a terminal), json (JSON lines on stderr) or none")
        ->capture_default_str();
    ex->add_option("--format", eo->format, "text or json (one JSON object per variant)")->capture_default_str();
    ex->callback([eo, &ctx]() { ctx.exitCode = runExplore(*eo); });

    auto so = std::make_shared<StressCliOptions>();
    CLI::App* st = app.add_subcommand("stress", "Seeded CPU hotplug stress runs: crash rate and TLB cost per variant");
    st->add_option("--variant", so->variants, "buggy, fix-flush, fix-trampoline or all (default: all)");
    st->add_option("--cpu-model", so->model, "erratum383 or correct")->capture_default_str();
    st->add_option("--cpus", so->cpus, "CPUs (at least 3)")->capture_default_str();
    st->add_option("--cycles", so->cycles, "Hotplug cycles per variant")->capture_default_str();
    st->add_option("--seed", so->seed, "Seed; the same seed gives the same figures")->capture_default_str();
    st->add_option("--csv", so->csv, "Also write the figures as CSV");
    st->add_option("--jobs", so->jobs, "Worker threads (default: every core); figures do not depend on it");
    st->add_option("--speculation-rate", so->specRate, "Chance that a random activity step speculates")
        ->capture_default_str();
    st->add_option("--activity", so->activity,
                   "Up to N random task/idle/speculation steps around each hotplug step")
        ->capture_default_str();
    st->add_option("--format", so->format, "text, or json: one object per variant and line")->capture_default_str();
    st->callback([so, &ctx]() { ctx.exitCode = runStressCommand(*so); });
}

}  // namespace tlblab::cli
