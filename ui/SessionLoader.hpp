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

// Keyframe interval of the app's timelines: small, so stepping back replays few ops.
constexpr std::size_t kAppKeyframeInterval = 16;

// `what` is a bundled lesson id, a lesson file, or a script (*.tlb: one step per op).
// `variant` "" = the lesson's default.
LoadedSession loadSession(const std::string& what, const std::string& variant);

// A script given as text (tests, benchmarks): one step per op after the set-up ops.
LoadedSession loadScriptText(const std::string& text, const std::string& name);

// Appends an op to a session under construction (records its events and the stats after it).
void appendOp(SessionData& data, Timeline& tl, const Op& op);

}  // namespace tlblab::ui
