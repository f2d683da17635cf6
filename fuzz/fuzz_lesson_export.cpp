// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: lesson text through the Qt-free export writers. Loads the bytes as a lesson, plays
// its first variants and exports their steps as TikZ, an HTML slideshow and SVG. Every string of
// a lesson (titles, narration, questions, answers, table and task names) reaches these files, so:
// - TikZ: every line is blank, a % comment or a command of the exporter's own; no control
//   character; no text can start a line of its own (the title injection of issue 15);
// - HTML: the only script is the slideshow's, every tag before it is one the exporter writes,
//   with no event handler and no link;
// - SVG: no script element.
#include "fuzz_lesson_input.hpp"

#include "tlblab/export.hpp"
#include "tlblab/lesson.hpp"

#include <algorithm>
#include <cctype>
#include <set>

using namespace tlblab;

namespace {

constexpr std::size_t kMaxVariants = 2;
constexpr std::size_t kMaxSteps = 6;

void checkTikz(const std::string& tikz) {
    static const char* const kOwn[] = {"\\begin{tikzpicture}", "\\end{tikzpicture}", "\\definecolor{", "\\path[",
                                       "\\node[", "\\draw[", "\\fill["};
    std::size_t pos = 0;
    while (pos < tikz.size()) {
        const std::size_t nl = std::min(tikz.find('\n', pos), tikz.size());
        const std::string_view line(tikz.data() + pos, nl - pos);
        if (findNonText(line) != std::string_view::npos || line.find('\r') != std::string_view::npos)
            fuzz::invariantFailed("a control character in the TikZ export: " + std::string(line));
        const bool ok = line.empty() || line.front() == '%' ||
                        std::any_of(std::begin(kOwn), std::end(kOwn), [&](const char* p) { return line.rfind(p, 0) == 0; });
        if (!ok) fuzz::invariantFailed("a TikZ line the exporter did not write: " + std::string(line));
        pos = nl + 1;
    }
}

void checkHtml(const std::string& html) {
    static const std::set<std::string> kTags = {
        "!DOCTYPE", "html",  "head", "meta", "title", "style",   "body", "header", "strong",  "small",
        "section",  "div",   "svg",  "g",    "rect",  "text",    "line", "path",   "polygon", "aside",
        "h2",       "p",     "em",   "code", "ul",    "li",      "details", "summary", "nav", "span"};
    const std::size_t script = html.rfind("<script>");
    if (script == std::string::npos || html.find("<script") != script)
        fuzz::invariantFailed("the HTML export has a script element of the input");
    for (std::size_t p = html.find('<'); p < script; p = html.find('<', p + 1)) {
        std::size_t q = p + 1 + (html[p + 1] == '/' ? 1 : 0), e = q;
        while (e < html.size() && (std::isalnum(static_cast<unsigned char>(html[e])) || html[e] == '!')) ++e;
        const std::string tag = html.substr(p, html.find('>', p) - p);
        if (!kTags.count(html.substr(q, e - q)) || tag.find(" on") != std::string::npos ||
            tag.find("href") != std::string::npos)
            fuzz::invariantFailed("an HTML tag the exporter did not write: " + tag);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::optional<Lesson> input = fuzz::lessonInput(data, size);
    if (!input) return 0;
    const Lesson& lesson = *input;
    for (std::size_t v = 0; v < lesson.variants.size() && v < kMaxVariants; ++v) {
        try {
            LessonRun run(lesson, lesson.variants[v].name);
            if (run.steps().empty()) continue;
            const ExportDocument doc = documentFromLesson(run, 1, std::min(run.steps().size(), kMaxSteps));
            checkTikz(documentToTikz(doc, Theme::Print));
            checkHtml(documentToHtml(doc, Theme::Dark));
            for (const ExportStep& st : doc.steps)
                if (sceneToSvg(st.scene, Theme::Light).find("<script") != std::string::npos)
                    fuzz::invariantFailed("a script element in the SVG of step " + std::to_string(st.number));
        } catch (const OpError&) {
        }
    }
    return 0;
}
