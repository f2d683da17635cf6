// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli explore LESSON: exhaustive interleaving search of a lesson's explore: section.
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

namespace tlblab::cli {

namespace {

struct ExploreCliOptions {
    std::string lesson;
    std::vector<std::string> variants;
    int maxDepth = 64;
    std::string out;
    bool noReduction = false;
    int bench = 0;
};

std::string outPath(const std::string& out, const std::string& variant, bool several) {
    if (!several) return out;
    std::filesystem::path p(out);
    return (p.parent_path() / (p.stem().string() + "." + variant + p.extension().string())).string();
}

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
        for (const auto& v : variants) (void)problemFromLesson(lesson, v);  // check every variant first
    } catch (const OpError& e) {
        std::cerr << e.format() << "\n";
        return kExitBadInput;
    }
    if (o.maxDepth < 1) {
        std::cerr << "tlblab-cli: error: --max-depth must be at least 1\n";
        return kExitBadInput;
    }
    ExploreOptions eo;
    eo.maxDepth = o.maxDepth;
    eo.reduction = !o.noReduction;
    int status = kExitOk;
    for (const auto& v : variants) {
        const ExploreProblem problem = problemFromLesson(lesson, v);
        ExploreResult r = explore(problem, eo);
        std::vector<double> times{r.seconds};
        for (int i = 1; i < o.bench; ++i) times.push_back(explore(problem, eo).seconds);
        std::sort(times.begin(), times.end());
        const double t = times[times.size() / 2];
        fmt::print("{}", exploreSummary(problem.name, r, o.maxDepth));
        if (o.bench > 0)
            fmt::print("\n  bench: {} runs, median time to verdict {:.4f} s, {:.0f} states/s, {:.0f} transitions/s", times.size(),
                       t, t > 0 ? static_cast<double>(r.states) / t : 0.0,
                       t > 0 ? static_cast<double>(r.transitions) / t : 0.0);
        fmt::print("\n");
        if (r.found && !o.out.empty()) {
            const std::string file = outPath(o.out, v, variants.size() > 1);
            try {
                writeFileAtomic(file, scheduleLessonYaml(lesson, v, r));
            } catch (const std::exception& e) {
                std::cerr << "tlblab-cli: error: " << e.what() << "\n";
                return kExitBadInput;
            }
            fmt::print("  counterexample written to {} (play it with: tlblab-cli run {})\n", file, file);
        }
    }
    std::fflush(stdout);
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
    ex->add_option("--bench", eo->bench, "Repeat each search N times and print the median time and states/s")
        ->expected(0, 1)
        ->default_str("5");
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
