// SPDX-License-Identifier: GPL-3.0-or-later
// Step documents for the exports and the Qt-free formats (TikZ, HTML slideshow).
#include "tlblab/export.hpp"

#include "tlblab/lesson.hpp"
#include "tlblab/markup.hpp"
#include "tlblab/timeline.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tlblab {

void parseStepRange(const std::string& text, std::size_t count, std::size_t& first, std::size_t& last) {
    first = 1;
    last = count;
    if (count == 0) throw std::invalid_argument("there are no steps to export");
    if (text.empty()) return;
    const auto dash = text.find('-');
    auto number = [&](const std::string& s, std::size_t dflt) -> std::size_t {
        if (s.empty()) return dflt;
        u64 v = 0;
        if (!parseNumber(s, v) || v == 0) throw std::invalid_argument("bad step range '" + text + "': '" + s + "' is not a step number (1-based)");
        return static_cast<std::size_t>(v);
    };
    if (dash == std::string::npos) {
        first = last = number(text, 1);
    } else {
        first = number(text.substr(0, dash), 1);
        last = number(text.substr(dash + 1), count);
    }
    if (first > last) throw std::invalid_argument(fmt::format("bad step range '{}': {} comes after {}", text, first, last));
    if (last > count)
        throw std::invalid_argument(fmt::format("bad step range '{}': there are only {} steps", text, count));
}

bool parseExportAnswers(const std::string& name, ExportAnswers& out) {
    if (name == "none") out = ExportAnswers::None;
    else if (name == "include") out = ExportAnswers::Include;
    else return false;
    return true;
}

ExportDocument documentFromScript(const std::vector<Op>& ops, const std::string& name, std::size_t first,
                                  std::size_t last, const SceneOptions& base) {
    ExportDocument doc;
    doc.title = name;
    doc.subtitle = fmt::format("{} operations", ops.size());
    Machine m;
    for (std::size_t i = 0; i < ops.size() && i < last; ++i) {
        EventList ev;
        m.execute(ops[i], &ev);
        if (i + 1 < first) continue;
        ExportStep st;
        st.number = i + 1;
        st.title = fmt::format("Step {}: {}", i + 1, formatOp(ops[i]));
        for (const Event& e : ev)
            if (e.kind != EventKind::Output) st.narration += describe(e) + "\n";
        SceneOptions o = base;
        o.events = std::move(ev);
        o.title = st.title;
        st.scene = buildScene(m, o);
        doc.steps.push_back(std::move(st));
    }
    return doc;
}

namespace {

// The physical address of the entry of table `pdpt` (a PDPT) that maps `va` at `level`, if the
// walk through memory gets that far.
std::optional<u64> entryAddress(const Machine& m, u64 pdpt, u32 va, int level) {
    u64 epa = pdpt + static_cast<u64>(pae::pdptIndex(va)) * 8;
    if (level == 0) return epa;
    u64 e = m.memory().read64(epa);
    if (!(e & pae::P)) return std::nullopt;
    epa = (e & pae::kFrame4K) + static_cast<u64>(pae::pdIndex(va)) * 8;
    if (level == 1) return epa;
    e = m.memory().read64(epa);
    if (!(e & pae::P) || (e & pae::PS)) return std::nullopt;
    return (e & pae::kFrame4K) + static_cast<u64>(pae::ptIndex(va)) * 8;
}

}  // namespace

void addHighlights(const Machine& m, const std::vector<Highlight>& hs, SceneOptions& o) {
    for (const Highlight& h : hs) {
        switch (h.kind) {
        case HighlightKind::Cpu: o.highlightCpus.insert(h.cpu); break;
        case HighlightKind::Register: o.highlightRegisters.insert(fmt::format("cpu{}.{}", h.cpu, h.name)); break;
        case HighlightKind::TableEntry:
            if (auto t = m.tableNamed(h.name))
                if (auto pa = entryAddress(m, *t, h.va, h.level)) o.highlightEntries.insert(*pa);
            break;
        case HighlightKind::TlbEntry:
            if (h.cpu >= 0 && h.cpu < static_cast<int>(m.cpus().size()))
                for (const TlbEntry& e : m.cpu(h.cpu).tlb.entries())
                    if (e.covers(h.va)) o.highlightTlbEntries.insert(e.id);
            break;
        }
    }
}

ExportDocument documentFromLesson(LessonRun& run, std::size_t first, std::size_t last, const SceneOptions& base) {
    const Lesson& lesson = run.lesson();
    const std::string variant = run.variant().name;
    ExportDocument doc;
    doc.title = lesson.title.empty() ? lesson.id : lesson.title;
    doc.subtitle = run.variant().fromFile ? "variant " + variant : std::string();
    const auto& played = run.steps();
    for (std::size_t i = first; i >= 1 && i <= last && i <= played.size(); ++i) {
        const PlayedStep& ps = played[i - 1];
        const LessonStep& ls = run.lessonStep(ps);
        const Machine& m = run.timeline().seek(ps.lastOp);
        ExportStep st;
        st.number = static_cast<std::size_t>(ps.number);
        st.title = fmt::format("Step {}: {}", ps.number, ls.title);
        st.narration = ls.narrationIn(variant);
        if (const Question* qp = ls.questionIn(variant)) {
            const Question& q = *qp;
            st.question = q.prompt;
            if (!q.choices.empty()) st.question += "\n";
            for (std::size_t c = 0; c < q.choices.size(); ++c)
                st.question += fmt::format("\n- {}) {}", static_cast<char>('A' + c), q.choices[c]);
            if (q.answer >= 0 && static_cast<std::size_t>(q.answer) < q.choices.size())
                st.answer = fmt::format("{}) {}", static_cast<char>('A' + q.answer),
                                        q.choices[static_cast<std::size_t>(q.answer)]);
            if (!q.explanation.empty()) st.answer += (st.answer.empty() ? "" : "\n\n") + q.explanation;
        }
        SceneOptions o = base;
        o.events.clear();
        for (const auto& ev : ps.events) o.events.insert(o.events.end(), ev.begin(), ev.end());
        for (int c : ls.cpus) o.highlightCpus.insert(c);
        addHighlights(m, ls.highlights, o);
        o.title = st.title;
        st.scene = buildScene(m, o);
        doc.steps.push_back(std::move(st));
    }
    return doc;
}

// ---- TikZ -----------------------------------------------------------------------------------

namespace {

// Lesson text for a TeX comment or a TeX text argument: one line (every control character, line
// and paragraph separator becomes a space, so nothing leaves a % comment), then TeX-escaped.
std::string texLine(std::string_view s) {
    std::string line;
    line.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) {
            line += ' ';
        } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) < 0xa0) {
            line += ' ';  // a C1 control character (U+0080..U+009F), NEL included
            ++i;
        } else if (c == 0xe2 && s.substr(i, 3) >= "\xe2\x80\xa8" && s.substr(i, 3) <= "\xe2\x80\xa9") {
            line += ' ';  // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
            i += 2;
        } else {
            line += static_cast<char>(c);
        }
    }
    return texEscape(line);
}


}  // namespace

std::string documentToTikz(const ExportDocument& doc, Theme theme) {
    std::string o = fmt::format("% {} -- exported by TLB Lab ({} theme)\n", texLine(doc.title), themeName(theme));
    if (!doc.subtitle.empty()) o += "% " + texLine(doc.subtitle) + "\n";
    o += "% One tikzpicture per step; put each in its own beamer frame, e.g.\n"
         "%   \\begin{frame}\\resizebox{\\linewidth}{!}{<picture>}\\end{frame}\n\n";
    for (const auto& st : doc.steps) {
        o += "% ---- " + texLine(st.title) + "\n";
        o += sceneToTikz(st.scene, theme);  // it escapes the scene's own strings
        o += "\n";
    }
    return o;
}

// ---- HTML -------------------------------------------------------------------------------------

namespace {

const char* kHtmlStyle = R"(
html, body { height: 100%; }
body { margin: 0; font-family: "DejaVu Sans", Verdana, sans-serif; background: BG; color: FG;
       display: flex; flex-direction: column; }
header { flex: none; padding: 10px 20px; font-size: 20px; border-bottom: 1px solid #888; }
header small { opacity: 0.75; margin-left: 1em; }
section { display: none; flex: 1; min-height: 0; }
section.current { display: flex; }
.picture { flex: 3; min-width: 0; overflow: auto; padding: 10px; }
.picture svg { width: 100%; height: auto; max-height: 100%; }
aside { flex: 1; min-width: 300px; max-width: 520px; padding: 16px 20px; overflow: auto; font-size: 19px;
        line-height: 1.45; border-left: 1px solid #888; }
aside h2 { font-size: 23px; margin-top: 0; }
aside code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.92em; }
.question { margin-top: 1.2em; padding: 10px 14px; border: 2px solid #c06000; }
.answer { margin-top: 1em; opacity: 0.85; }
nav { flex: none; text-align: right; padding: 4px 16px; font-size: 15px; opacity: 0.7; border-top: 1px solid #888; }
@media print {
  html, body { height: auto; }
  body { display: block; }
  section, section.current { display: block; break-after: page; page-break-after: always; }
  .picture, aside { overflow: visible; }
  aside { max-width: none; border-left: none; }
  nav { display: none; }
}
)";

}  // namespace

std::string documentToHtml(const ExportDocument& doc, Theme theme) {
    const bool dark = theme == Theme::Dark || theme == Theme::HighContrast;
    std::string style = kHtmlStyle;
    style.replace(style.find("BG"), 2, themeBackground(theme));
    style.replace(style.find("FG"), 2, dark ? "#eeeeee" : "#111111");
    std::string o = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    o += "<title>" + xmlEscape(doc.title) + "</title>\n";
    o += "<style>" + style + "</style>\n</head>\n<body>\n";
    o += "<header><strong>" + xmlEscape(doc.title) + "</strong><small>" + xmlEscape(doc.subtitle) + "</small></header>\n";
    for (std::size_t i = 0; i < doc.steps.size(); ++i) {
        const auto& st = doc.steps[i];
        o += fmt::format("<section id=\"step{}\"{}>\n<div class=\"picture\">\n", st.number, i == 0 ? " class=\"current\"" : "");
        std::string svg = sceneToSvg(st.scene, theme, fmt::format("s{}-", st.number));
        // Inline SVG in HTML needs no namespace declaration: keep the file free of any URL.
        const std::string ns = " xmlns=\"http://www.w3.org/2000/svg\"";
        if (auto p = svg.find(ns); p != std::string::npos) svg.erase(p, ns.size());
        o += svg;
        o += "</div>\n<aside>\n";
        o += fmt::format("<h2>{}</h2>\n", xmlEscape(st.title));
        o += markupToHtml(st.narration);
        if (!st.question.empty()) {
            o += "<div class=\"question\"><strong>Question.</strong> " + markupToHtml(st.question);
            if (!st.answer.empty() && doc.showAnswers(true))
                o += "<details class=\"answer\"><summary>Answer</summary>" + markupToHtml(st.answer) + "</details>";
            o += "</div>\n";
        }
        o += "</aside>\n</section>\n";
    }
    o += fmt::format("<nav><span id=\"pos\">1</span> / {} &#8212; arrow keys, PageUp/PageDown, Home/End</nav>\n",
                     doc.steps.size());
    // Inline, self-contained: steps with the keyboard, no resource from elsewhere.
    o += R"(<script>
(function () {
  var s = document.querySelectorAll("section"), i = 0;
  function show(n) {
    if (n < 0 || n >= s.length) return;
    s[i].className = ""; i = n; s[i].className = "current";
    document.getElementById("pos").textContent = String(i + 1);
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") { show(i + 1); e.preventDefault(); }
    else if (e.key === "ArrowLeft" || e.key === "PageUp") { show(i - 1); e.preventDefault(); }
    else if (e.key === "Home") show(0);
    else if (e.key === "End") show(s.length - 1);
  });
})();
</script>
</body>
</html>
)";
    return o;
}

}  // namespace tlblab
