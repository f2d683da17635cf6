// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli challenge LESSON [--challenge ID] --answer FILE|DIR ...: checks students' answers to a
// lesson's challenge (one verdict line each), or, without --answer, prints the challenges.
#include "commands.hpp"

#include "tlblab/atomic_file.hpp"

#include "tlblab/challenge.hpp"
#include "tlblab/lesson.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace tlblab::cli {

namespace {

struct ChallengeCliOptions {
    std::string lesson;
    std::string challenge;
    std::vector<std::string> answers;
    std::string format = "text";
    std::string out;
};

// Answer files: each path given, a folder's regular files (sorted, dot files left out).
std::vector<std::string> answerFiles(const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    for (const auto& p : paths) {
        std::error_code ec;
        if (std::filesystem::is_directory(p, ec)) {
            std::vector<std::string> dir;
            for (const auto& e : std::filesystem::directory_iterator(p, ec))
                if (e.is_regular_file() && e.path().filename().string().rfind('.', 0) != 0) dir.push_back(e.path().string());
            std::sort(dir.begin(), dir.end());
            out.insert(out.end(), dir.begin(), dir.end());
        } else {
            out.push_back(p);
        }
    }
    return out;
}

void printChallenges(const Lesson& lesson, const std::vector<const Challenge*>& list) {
    for (const Challenge* c : list) {
        fmt::print("{} ({} challenge): {}\n\n{}\n", c->id, challengeKindName(c->kind), c->title, c->goal);
        const std::string threads = challengeThreadListing(lesson, *c);
        if (!threads.empty())
            fmt::print("\nThe threads{}:\n{}", c->kind == ChallengeKind::Fix ? " (line numbers for 'after cpuN K')" : "", threads);
        if (!c->answerTemplate.empty()) fmt::print("\nAnswer template:\n{}", c->answerTemplate);
        fmt::print("\n");
    }
}

int runChallenge(const ChallengeCliOptions& o) {
    if (o.format != "text" && o.format != "json") {
        std::cerr << "tlblab-cli: error: --format must be text or json\n";
        return kExitBadInput;
    }
    auto path = findLesson(o.lesson);
    if (!path) {
        std::cerr << "tlblab-cli: error: no lesson '" << o.lesson << "': not a file and not a bundled lesson\n";
        return kExitBadInput;
    }
    Lesson lesson;
    const Challenge* challenge = nullptr;
    try {
        lesson = loadLesson(*path);
        if (o.answers.empty() && o.challenge.empty()) {
            if (lesson.challenges.empty()) throw OpError(SourceLoc{*path, 0, 0}, "lesson '" + lesson.id + "' has no challenges");
            std::vector<const Challenge*> all;
            for (const auto& c : lesson.challenges) all.push_back(&c);
            printChallenges(lesson, all);
            return kExitOk;
        }
        challenge = &pickChallenge(lesson, o.challenge);
    } catch (const OpError& e) {
        std::cerr << e.format() << "\n";
        return kExitBadInput;
    }
    if (o.answers.empty()) {
        printChallenges(lesson, {challenge});
        return kExitOk;
    }
    const std::vector<std::string> files = answerFiles(o.answers);
    if (files.empty()) {
        std::cerr << "tlblab-cli: error: no answer files in " << o.answers.front() << "\n";
        return kExitBadInput;
    }
    if (!o.out.empty() && files.size() != 1) {
        std::cerr << "tlblab-cli: error: --out needs exactly one answer\n";
        return kExitBadInput;
    }
    const bool one = files.size() == 1;
    int status = kExitOk, solved = 0, bad = 0;
    for (const auto& file : files) {
        nlohmann::json j;
        j["answer"] = file;
        j["lesson"] = lesson.id;
        j["challenge"] = challenge->id;
        try {
            const ChallengeVerdict v = checkChallenge(lesson, *challenge, readInput(file), file);
            const nlohmann::json vj = verdictJson(v);
            j.update(vj);
            j["status"] = v.solved ? "solved" : "not_solved";
            solved += v.solved;
            if (!v.solved) status = std::max(status, kExitExpectationFailed);
            if (o.format == "text") {
                fmt::print("{}: {}\n", file, v.solved ? v.reason : "NOT SOLVED: " + v.reason);
                if (one) {
                    if (v.at.line > 0 && !v.solved) fmt::print("  at {}:{}:{}\n", v.at.file, v.at.line, v.at.col);
                    for (const auto& d : v.details) fmt::print("  {}\n", d);
                    if (v.solved && !challenge->debrief.empty()) fmt::print("\n{}", challenge->debrief);
                }
            }
            if (!o.out.empty() && !v.counterexampleYaml.empty()) {
                writeFileAtomic(o.out, v.counterexampleYaml);  // the one writer: complete or untouched
                if (o.format == "text")
                    fmt::print("  counterexample written to {} (play it with: tlblab-cli run {})\n", o.out, o.out);
            }
        } catch (const OpError& e) {
            ++bad;
            status = kExitBadInput;
            j["status"] = "bad_input";
            j["error"] = e.format();
            if (o.format == "text") fmt::print("{}: BAD INPUT: {}\n", file, e.format());
        } catch (const std::exception& e) {
            ++bad;
            status = kExitBadInput;
            j["status"] = "bad_input";
            j["error"] = e.what();
            if (o.format == "text") fmt::print("{}: BAD INPUT: {}\n", file, e.what());
        }
        if (o.format == "json") fmt::print("{}\n", j.dump());
    }
    if (!one && o.format == "text")
        fmt::print("total: {} answers, {} solved, {} not solved, {} bad input\n", files.size(), solved,
                   files.size() - static_cast<std::size_t>(solved) - static_cast<std::size_t>(bad), bad);
    std::fflush(stdout);
    return status;
}

}  // namespace

void registerChallenge(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<ChallengeCliOptions>();
    CLI::App* c = app.add_subcommand(
        "challenge", "Check answers to a lesson's challenge (exit 0 solved, 1 not solved, 2 bad input)");
    c->add_option("lesson", o->lesson, "Bundled lesson id or lesson file")->required();
    c->add_option("--challenge", o->challenge, "The challenge's id (needed when the lesson has several)");
    c->add_option("--answer", o->answers, "An answer file, or a folder of them (one verdict line each); repeatable");
    c->add_option("--format", o->format, "text or json (one JSON object per answer per line)")->capture_default_str();
    c->add_option("--out", o->out, "Write the counterexample as a lesson file (one answer only)");
    c->callback([o, &ctx]() { ctx.exitCode = runChallenge(*o); });
}

}  // namespace tlblab::cli
