// SPDX-License-Identifier: GPL-3.0-or-later
// Builds a SessionData and its Timeline from a lesson or an op-language script. Pure C++ (no
// Qt), so it runs on a worker thread. Errors are thrown as LoadError with FILE:LINE:COL text.
#pragma once

#include "Session.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace tlblab::ui {

class LoadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;  // what() = "FILE:LINE:COL: error: ..."
};

struct LoadedSession {
    std::shared_ptr<SessionData> data;
    std::shared_ptr<Timeline> timeline;
};

// Keyframe interval of the app's script timelines: small, so stepping back replays few ops;
// doubled (up to the maximum) while the keyframes would exceed kKeyframeBudget.
constexpr std::size_t kAppKeyframeInterval = 16;
constexpr std::size_t kMaxAppKeyframeInterval = 8192;
// Bytes one copy of `m` may hold of its own (TLBs, registers, frames as if unshared): an estimate.
std::size_t machineCopyBytes(const Machine& m);
std::size_t keyframeIntervalFor(std::size_t ops, std::size_t machineBytes);

// `what` is a bundled lesson id, a lesson file, or a script (*.tlb: one step per op).
// `variant` "" = the lesson's default.
LoadedSession loadSession(const std::string& what, const std::string& variant);

// A script given as text (tests, benchmarks): one step per op after the set-up ops.
LoadedSession loadScriptText(const std::string& text, const std::string& name);

// Appends an op to a session under construction (its text and swimlane marks; no counters).
void appendOp(SessionData& data, Timeline& tl, const Op& op);
// Records an op's text and marks (within kMarkBudget), and the counters after a step.
void recordOp(SessionData& data, const Op& op, const EventList& events);
void recordStats(SessionData& data, int step, const Machine& m);

}  // namespace tlblab::ui
