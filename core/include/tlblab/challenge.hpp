// SPDX-License-Identifier: GPL-3.0-or-later
// Challenges (issue 14): a lesson element that sets the student a goal and checks the answer with
// the simulator itself, exhaustively where it can. Three kinds:
//
// - build: the student writes operations (only the challenge's `allowed` ones) from an empty machine
//   and must reach a TLB multimatch machine check; one more operation, marked
//   with a leading '+', must then prevent it (the same ops plus that one: no machine check, and the
//   access that machine-checked completes).
// - fix: the student inserts one operation (`after cpuN K: OP`) into a thread of an explore problem
//   (the lesson's explore: section or the challenge's own); the explorer decides over every
//   interleaving whether a machine check is still reachable and, if so, gives the shortest schedule.
// - count: the student predicts which CPUs can die (`dies: cpu1`); a search of every interleaving
//   counts, per CPU, the reachable crash states and the crashing schedules.
//
// The lesson format and both answer formats are documented in lessons/README.md ("Challenges").
// Lessons hold challenges (Lesson::challenges); loading checks them (core/src/lesson_challenge.cpp).
#pragma once

#include "tlblab/ops.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tlblab {

struct Lesson;
struct ExploreSpec;

enum class ChallengeKind : std::uint8_t { Build, Fix, Count };
const char* challengeKindName(ChallengeKind k);  // "build" / "fix" / "count"

struct Challenge {
    std::string id;     // unique in the lesson; `tlblab-cli challenge --challenge ID`
    std::string title;
    ChallengeKind kind = ChallengeKind::Build;
    std::string goal;   // what the student is asked, light markup as narration
    std::string answerTemplate;  // what the editor starts with (optional)
    std::string debrief;         // shown once solved (optional)
    // build: the operations the script may use; fix: the operations that may be inserted.
    std::vector<OpCode> allowed;
    // build: the operations the one '+' line may use (empty: the part that prevents is not asked).
    std::vector<OpCode> prevent;
    std::string variant;     // fix / count: the lesson variant whose machine is searched ("" = the first)
    // fix / count: the challenge's own explore problem (the lesson's explore: section if null).
    std::shared_ptr<const ExploreSpec> explore;
    int maxDepth = 64;       // fix / count: the longest schedule searched
    SourceLoc loc;
};

// A parsed answer. Parsing checks only the answer's own language; the rules of the challenge
// (allowed operations, the goal) are the verdict's business.
struct ChallengeAnswer {
    std::vector<Op> ops;    // build: the script without the '+' line
    int insertAt = -1;      // build: index into ops before which the '+' op goes (-1: no '+' line)
    Op inserted;            // build: the '+' op; fix: the op to insert
    int cpu = -1;           // fix: the thread's CPU
    int after = 0;          // fix: the op goes after this many ops of the thread
    std::vector<int> dies;  // count: the predicted CPUs (empty: `dies: none`)
    SourceLoc placeLoc;     // fix / count: where the `after` / `dies` line is
};

// Parses an answer for `c`. Throws OpError (FILE:LINE:COL into the answer) on a malformed answer:
// an operation-language error, a bad `after` / `dies` line, two '+' lines, nothing at all.
ChallengeAnswer parseChallengeAnswer(const Challenge& c, std::string_view text, const std::string& file);

// Per CPU, what the count search found.
struct ChallengeCounts {
    u64 states = 0;        // distinct states reached (a state: the machine and every thread's position)
    u64 crashStates = 0;   // reachable states in which a CPU has just taken the first machine check
    u64 schedules = 0;     // crashing schedules: transition sequences from the start to a crash state
    std::vector<u64> crashStatesByCpu, schedulesByCpu;  // [cpu]
    bool complete = true;  // every state expanded within the depth and state limits
};

struct ChallengeVerdict {
    bool solved = false;
    std::string reason;                // one line: why it is (not) solved
    std::vector<std::string> details;  // further lines: what the machine did, the counterexample
    std::vector<std::string> counterexample;  // the operations of the schedule / script that crashes
    // A lesson file (YAML) that plays the counterexample step by step (empty if none), and its variant.
    std::string counterexampleYaml, counterexampleVariant;
    SourceLoc at;                      // where in the answer the reason points, if anywhere
    ChallengeCounts counts;            // count challenges
};

struct ChallengeOptions {
    const std::atomic<bool>* cancel = nullptr;  // polled by the searches; a cancelled check is not solved
    std::function<void(const std::string&)> progress;  // a line of progress now and then (search states)
};

// Checks an answer (its text, as read from `file`). Throws OpError (FILE:LINE:COL) for bad input: an
// answer that does not parse or whose operations cannot run (an unknown table, a halted CPU), and
// for a challenge whose problem cannot be built.
ChallengeVerdict checkChallenge(const Lesson& lesson, const Challenge& c, std::string_view answer,
                                const std::string& file, const ChallengeOptions& options = {});

// The challenge called `id` ("" = the only one); throws OpError (at the lesson) naming the ids.
const Challenge& pickChallenge(const Lesson& lesson, const std::string& id);

// The verdict as JSON: solved, reason, details, at {file, line, col}, counterexample, counts.
nlohmann::json verdictJson(const ChallengeVerdict& v);

// The explore problem searched for a fix / count challenge, with the threads listed for the
// student: "cpu0: 1 native_cpu_up cpu2" lines (the numbers an `after cpuN K` line counts).
std::string challengeThreadListing(const Lesson& lesson, const Challenge& c);

}  // namespace tlblab
