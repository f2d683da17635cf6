// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the app's session loader (ui/SessionLoader.cpp, plain C++ without Qt), which turns
// a lesson file or an op script into the app's session: the timeline, per-op events and texts,
// per-step positions. The first byte picks the kind: even, an op script (loadScriptText, the app's
// path for *.tlb files); odd, a lesson file (loadSession on a temporary copy, the app's path for
// lesson files and traces). Every failure must be a LoadError; a loaded session must be
// consistent: as many ops as the timeline, steps within it.
#include "fuzz_common.hpp"

#include "SessionLoader.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace tlblab;

namespace {

void checkSession(const ui::LoadedSession& s) {
    if (!s.data || !s.timeline) fuzz::invariantFailed("a loaded session without data or timeline");
    const std::size_t n = s.timeline->size();
    if (s.data->opCount() != n) fuzz::invariantFailed("the session's op count differs from the timeline's");
    for (const auto& st : s.data->steps)
        if (st.beginOp > st.endOp || st.endOp > n) fuzz::invariantFailed("a step outside the timeline");
    (void)s.timeline->seek(n);
    (void)s.timeline->seek(0);
}

// The lesson is loaded from a file, as the app does; one per process, rewritten each time.
const std::string& lessonPath() {
    static const std::string path = "/tmp/tlblab-fuzz-session-" + std::to_string(::getpid()) + ".yaml";
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > fuzz::kMaxInput) return 0;
    const std::string text = fuzz::text(data + 1, size - 1);
    try {
        if (data[0] % 2 == 0) {
            if (std::count(text.begin(), text.end(), '\n') > static_cast<long>(fuzz::kMaxOps)) return 0;
            checkSession(ui::loadScriptText(text, "fuzz.tlb"));
        } else {
            std::ofstream(lessonPath(), std::ios::binary | std::ios::trunc) << text;
            checkSession(ui::loadSession(lessonPath(), ""));
        }
    } catch (const ui::LoadError& e) {
        (void)e.what();
    }
    return 0;
}
