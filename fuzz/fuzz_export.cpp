// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: a whole script run as the exports and `exec --json` see it. Executes the script on
// a Timeline (failing ops are skipped, as the console does), seeks back and forth, renders every
// state as JSON, then exports the successful ops as SVG, TikZ and an HTML slideshow. Names from the
// script reach the pictures, so the SVG must never contain a script element and the HTML no more
// than its own.
#include "fuzz_common.hpp"

#include "tlblab/export.hpp"
#include "tlblab/json.hpp"
#include "tlblab/timeline.hpp"

#include <algorithm>
#include <cctype>

using namespace tlblab;

namespace {
constexpr std::size_t kMaxExportSteps = 24;

std::size_t countScripts(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::size_t n = 0;
    for (std::size_t p = s.find("<script"); p != std::string::npos; p = s.find("<script", p + 1)) ++n;
    return n;
}

// Enough of a machine's state to tell two states apart in practice.
std::string fingerprint(const Machine& m) {
    std::string s = std::to_string(m.step()) + " " + std::to_string(m.rngState()) + " " +
                    std::to_string(m.memory().frameCount());
    for (int c = 0; c < static_cast<int>(m.cpus().size()); ++c) s += " " + cpuJson(m, c).dump();
    return s;
}

std::size_t htmlOwnScripts() {
    static const std::size_t n = [] {
        ExportDocument doc;
        doc.title = "t";
        doc.steps.push_back(ExportStep{1, "s", "n", "", "", buildScene(Machine{}, SceneOptions{})});
        return countScripts(documentToHtml(doc, Theme::Light));
    }();
    return n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > fuzz::kMaxInput) return 0;
    std::vector<Op> ops;
    try {
        ops = parseScript(fuzz::text(data, size), "fuzz.tlb");
    } catch (const OpError&) {
        return 0;
    }
    Timeline tl(Machine{}, 4);
    std::vector<Op> good;
    // The head's state after each op, to check that seeking (keyframe + replay) reproduces it.
    std::vector<std::string> stateAt{fingerprint(tl.head())};
    for (const Op& op : ops) {
        if (good.size() >= fuzz::kMaxOps) break;
        try {
            tl.append(op);
            good.push_back(op);
            stateAt.push_back(fingerprint(tl.head()));
        } catch (const OpError&) {
        }
    }
    // Seek in a data-dependent order and render each state as exec --json / run do.
    for (std::size_t i = 0; i < std::min<std::size_t>(size, 16); ++i) {
        const std::size_t pos = data[i] % (tl.size() + 1);
        const Machine& m = tl.seek(pos);
        const std::string state = fingerprint(m);
        if (state != stateAt[pos])
            fuzz::invariantFailed("seek(" + std::to_string(pos) + ") differs from the state recorded after op " +
                                  std::to_string(pos) + ":\n  " + state + "\n  " + stateAt[pos]);
        if (pos > 0) {
            for (const Event& e : tl.eventsOf(pos)) (void)eventJson(e).dump();
            nlohmann::json j;
            addResultJson(j, tl.op(pos - 1), tl.resultOf(pos));
            (void)j.dump();
        }
    }
    if (good.size() > kMaxExportSteps) good.resize(kMaxExportSteps);
    if (good.empty()) return 0;
    ExportDocument doc;
    try {
        doc = documentFromScript(good, "fuzz <script>alert(1)</script>", 1, good.size());
    } catch (const OpError& e) {
        fuzz::invariantFailed("ops that ran on the timeline fail in the export: " + e.format());
    }
    for (const ExportStep& s : doc.steps) {
        const std::string svg = sceneToSvg(s.scene, Theme::Dark);
        if (countScripts(svg) != 0) fuzz::invariantFailed("a script element in the SVG of step " + std::to_string(s.number));
    }
    (void)documentToTikz(doc, Theme::Print);
    const std::string html = documentToHtml(doc, Theme::Light);
    if (countScripts(html) != htmlOwnScripts()) fuzz::invariantFailed("the HTML export has a script element of the input");
    return 0;
}
