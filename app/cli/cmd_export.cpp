// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli export LESSON [--variant V] [--steps A-B] --format svg|pdf|png|tikz|html|handout --out PATH
//   [--answers none|include]
// LESSON is a bundled lesson id, a lesson .yaml file, or an operation-language script (one step per
// operation). Every format draws the same diagram description (tlblab/diagram.hpp).
#include "commands.hpp"
#include "progress.hpp"

#include "tlblab/export.hpp"
#include "tlblab/lesson.hpp"

#include <fmt/format.h>

#ifdef TLBLAB_HAVE_QT_EXPORT
#include "SceneExport.hpp"

#include <QGuiApplication>
#endif

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

namespace tlblab::cli {

namespace {

struct ExportOptions {
    std::string lesson;
    std::string variant;
    std::string steps;
    std::string format;
    std::string out;
    std::string theme = "print";
    std::string answers;  // "" (the format's default), "none" or "include"
    double scale = 2.0;
};

ExportDocument buildDocument(const ExportOptions& o, std::unique_ptr<Lesson>& lessonHolder,
                             std::unique_ptr<LessonRun>& runHolder) {
    if (sourceKind(o.lesson) == SourceKind::Script) {
        if (!o.variant.empty())
            throw std::invalid_argument("--variant applies to lessons; " + o.lesson + " is an operation script");
        const std::vector<Op> ops = parseScript(readInput(o.lesson), o.lesson);
        std::size_t first = 0, last = 0;
        parseStepRange(o.steps, ops.size(), first, last);
        return documentFromScript(ops, std::filesystem::path(o.lesson).filename().string(), first, last);
    }
    auto path = findLesson(o.lesson);
    if (!path) throw std::invalid_argument("no lesson or script named '" + o.lesson + "' (see tlblab-cli list)");
    lessonHolder = std::make_unique<Lesson>(loadLesson(*path));
    runHolder = std::make_unique<LessonRun>(*lessonHolder, o.variant);
    std::size_t first = 0, last = 0;
    parseStepRange(o.steps, runHolder->steps().size(), first, last);
    return documentFromLesson(*runHolder, first, last);
}

int runExport(const ExportOptions& o) {
    Theme theme = Theme::Print;
    if (!parseTheme(o.theme, theme)) {
        std::cerr << "tlblab-cli: error: unknown theme '" << o.theme << "' (light, dark, high-contrast, print)\n";
        return kExitBadInput;
    }
    // A NaN passes every comparison: the range is checked so that it fails.
    if (!(std::isfinite(o.scale) && o.scale > 0 && o.scale <= 8)) {
        std::cerr << "tlblab-cli: error: --scale must be a number greater than 0 and at most 8\n";
        return kExitBadInput;
    }
    // SVG comes from the core's painting walk (sceneToSvg): no Qt needed.
    const bool needsQt = o.format == "pdf" || o.format == "png" || o.format == "handout";
#ifndef TLBLAB_HAVE_QT_EXPORT
    if (needsQt) {
        std::cerr << "tlblab-cli: error: format " << o.format
                  << " needs the Qt renderer; this build has none (TLBLAB_BUILD_GUI=OFF): use svg, tikz or html\n";
        return kExitBadInput;
    }
#endif
    ExportDocument doc;
    std::unique_ptr<Lesson> lesson;
    std::unique_ptr<LessonRun> run;
    try {
        doc = buildDocument(o, lesson, run);
        if (!o.answers.empty()) parseExportAnswers(o.answers, doc.answers);  // CLI11 checked the name
    } catch (const OpError& e) {
        std::cerr << e.format() << "\n";
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "tlblab-cli: error: " << e.what() << "\n";
        return kExitBadInput;
    }
    // `--out fig` without an extension gets the format's: fig.svg, fig-step01.png, fig.tex. Only
    // when nothing is there: a link, FIFO, folder or device named without one goes to the writer
    // as given, which refuses it (status 2) rather than writing beside it.
    std::string out = o.out;
    std::error_code ec;
    const bool exists = std::filesystem::symlink_status(out, ec).type() != std::filesystem::file_type::not_found &&
                        !ec;
    if (!exists && std::filesystem::path(out).extension().empty() && !out.empty() && out.back() != '/')
        out += o.format == "tikz" ? ".tex" : o.format == "handout" ? ".pdf" : "." + o.format;
    // Many steps take a while: a progress line on a terminal (nothing when stderr is piped).
    Progress progress("export", static_cast<double>(doc.steps.size()), "steps");
    auto stepDone = [&progress](std::size_t done, std::size_t) { progress.update(static_cast<double>(done)); };
    try {
        if (o.format == "tikz") {
            writeFileAtomic(out, documentToTikz(doc, theme));
        } else if (o.format == "html") {
            writeFileAtomic(out, documentToHtml(doc, theme));
        } else if (o.format == "svg") {
            // One file per step when there are several: PATH-stepNN.svg.
            const bool many = doc.steps.size() > 1;
            for (const auto& st : doc.steps) {
                std::string path = out;
                if (many) {
                    const auto slash = path.find_last_of('/');
                    const auto dot = path.find_last_of('.');
                    const bool ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
                    path = (ext ? path.substr(0, dot) : path) + fmt::format("-step{:02}", st.number) +
                           (ext ? path.substr(dot) : std::string());
                }
                writeFileAtomic(path, sceneToSvg(st.scene, theme));
                stepDone(static_cast<std::size_t>(&st - doc.steps.data()) + 1, doc.steps.size());
            }
        } else {
#ifdef TLBLAB_HAVE_QT_EXPORT
            // Qt starts only here, so the other subcommands pay nothing for it. Headless unless a
            // display is there.
            if (!std::getenv("QT_QPA_PLATFORM") && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY"))
                setenv("QT_QPA_PLATFORM", "offscreen", 1);
            int argc = 1;
            char arg0[] = "tlblab-cli";
            char* argv[] = {arg0, nullptr};
            QGuiApplication app(argc, argv);
            ui::ExportFormat format{};
            ui::parseExportFormat(o.format, format);  // CLI11 checked the name
            ui::exportDocument(doc, format, theme, o.scale, out, stepDone);
#endif
        }
    } catch (const std::exception& e) {
        progress.clear();
        std::cerr << "tlblab-cli: error: " << e.what() << "\n";
        return kExitBadInput;
    }
    (void)needsQt;
    return kExitOk;
}

}  // namespace

void registerExport(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<ExportOptions>();
    CLI::App* sub = app.add_subcommand(
        "export", "Export the diagram of lesson steps as SVG, PDF, PNG, TikZ, an HTML slideshow or a PDF handout");
    sub->add_option("lesson", o->lesson, "Lesson id, lesson .yaml file, or operation script (one step per op)")
        ->required();
    sub->add_option("--variant", o->variant, "Lesson variant (default: the lesson's first)");
    sub->add_option("--steps", o->steps, "Steps A-B, A or A- (1-based; default: all)");
    sub->add_option("--format", o->format, "Output format")
        ->required()
        ->check(CLI::IsMember({"svg", "pdf", "png", "tikz", "html", "handout"}));
    sub->add_option("--out", o->out,
                    "Output file; svg and png of several steps write PATH-stepNN.EXT per step")
        ->required();
    sub->add_option("--theme", o->theme, "light, dark, high-contrast or print")->capture_default_str();
    sub->add_option("--answers", o->answers,
                    "Questions' answers: none (student version) or include (lecturer's); default: the handout "
                    "leaves them out, the HTML slideshow folds them")
        ->check(CLI::IsMember({"none", "include"}));
    sub->add_option("--scale", o->scale, "PNG scale (2 = twice the diagram's size)")->capture_default_str();
    sub->callback([o, &ctx]() { ctx.exitCode = runExport(*o); });
}

}  // namespace tlblab::cli
