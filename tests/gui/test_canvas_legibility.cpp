// SPDX-License-Identifier: GPL-3.0-or-later
// Legibility from the back row, measured on what the canvas drew (its scene report): for every
// step of every bundled lesson under every variant, in presentation mode on a 1920x1080 screen
// and on a 1280x720 projector. One sweep per screen size, animation off, no per-step waits.
#include "canvas_helpers.hpp"  // core headers before Qt ones

#include "CompareView.hpp"

#include "tlblab/lesson.hpp"

#include <QFileInfo>

#include <set>

#include <fmt/format.h>

using namespace tlblab;

namespace {

// TLBLAB_LEGIBILITY_DUMP=FILE: one line per screen and step with its smallest subject text and its cover
// (to see how close each step is to the rule).
std::FILE* dumpFile() {
    static std::FILE* f = std::getenv("TLBLAB_LEGIBILITY_DUMP") ? std::fopen(std::getenv("TLBLAB_LEGIBILITY_DUMP"), "w") : nullptr;
    return f;
}

struct Sweep {
    int steps = 0;
    int total = 0;
    double minSubjectPx = 1e9, minCover = 1e9;  // over every step (the figures the report quotes)
    std::vector<std::string> failures;
    void fail(std::string s) {
        ++total;
        if (failures.size() < 25) failures.push_back(std::move(s));
        else if (failures.size() == 25) failures.push_back("... more");
    }
};

void sweepScreen(int sw, int sh, double subjectMin, Sweep& out) {
    auto w = test::presentingWindow(sw, sh, QStringLiteral("erratum-383"));
    const QSize canvas = w->canvas()->size();
    // Presentation mode gives the canvas at least 70 % of the screen.
    CHECK(canvas.width() * canvas.height() >= 0.70 * sw * sh * 0.95);
    for (const std::string& path : bundledLessons()) {
        const QString id = QFileInfo(QString::fromStdString(path)).completeBaseName();
        const Lesson lesson = loadLesson(path);
        for (const auto& variant : lesson.variants) {
            QSignalSpy loaded(w->controller(), &ui::SessionController::loaded);
            w->openLesson(id, variant.fromFile ? QString::fromStdString(variant.name) : QString(), 0);
            REQUIRE(loaded.wait(20000));
            const auto session = w->controller()->session();
            REQUIRE(session);
            for (int step = 0; step < static_cast<int>(session->steps.size()); ++step) {
                w->controller()->seekStep(step);
                w->canvas()->finishAnimation();
                const QJsonObject report = w->canvas()->sceneReport();
                const auto items = test::reportItems(report);
                const std::string key = fmt::format("{} [{}] step {}", id.toStdString(), variant.name, step + 1);
                const std::string where = fmt::format("{}x{} {}", sw, sh, key);
                ++out.steps;
                const double cw = report.value(QStringLiteral("canvas")).toObject().value(QStringLiteral("w")).toDouble();
                const double ch = report.value(QStringLiteral("canvas")).toObject().value(QStringLiteral("h")).toDouble();
                if (cw != canvas.width() || ch != canvas.height()) out.fail(where + ": report canvas size differs from the widget");
                // One line per step and rule: the smallest offender.
                bool anySubject = false;
                const test::ReportItem* smallSubject = nullptr;
                const test::ReportItem* smallContext = nullptr;
                for (const auto& it : items) {
                    if (it.font < 0) continue;
                    if (it.subject) {
                        anySubject = true;
                        if (it.font < subjectMin && (!smallSubject || it.font < smallSubject->font)) smallSubject = &it;
                    } else if (it.font < 12 && (!smallContext || it.font < smallContext->font)) {
                        smallContext = &it;
                    }
                }
                for (const auto& it : items)
                    if (it.subject && it.font >= 0) out.minSubjectPx = std::min(out.minSubjectPx, it.font);
                if (std::FILE* f = dumpFile()) {
                    double minS = 1e9;
                    for (const auto& it : items)
                        if (it.subject && it.font >= 0) minS = std::min(minS, it.font);
                    std::fprintf(f, "%d %s | subject %.1f px | cover %.0f %% | %s\n", sh, key.c_str(), minS,
                                 100 * test::subjectBox(items).width() * test::subjectBox(items).height() / (cw * ch),
                                 smallSubject ? smallSubject->id.c_str() : "");
                }
                if (smallSubject)
                    out.fail(fmt::format("{}: subject text {} at {:.1f} px (< {})", where, smallSubject->id,
                                              smallSubject->font, subjectMin));
                if (smallContext)
                    out.fail(fmt::format("{}: context text {} at {:.1f} px (< 12)", where, smallContext->id, smallContext->font));
                if (!anySubject) out.fail(where + ": no subject text drawn");
                const QRectF box = test::subjectBox(items);
                const double cover = box.width() * box.height() / (cw * ch);
                out.minCover = std::min(out.minCover, cover);
                if (cover < 0.5)
                    out.fail(fmt::format("{}: subject covers {:.0f} % of the canvas", where, 100 * cover));
                if (const std::string o = test::firstOverlap(items); !o.empty()) out.fail(where + ": " + o);
            }
        }
    }
}

}  // namespace

TEST_CASE("canvas: every step of every lesson and variant is legible in presentation mode at 1920x1080 and 1280x720",
          "[canvas][legibility]") {
    test::canvasApp();
    for (const auto& [sw, sh, min] : {std::tuple{1920, 1080, 24.0}, std::tuple{1280, 720, 16.0}}) {
        Sweep s;
        sweepScreen(sw, sh, min, s);
        INFO(fmt::format("{}x{}: {} steps checked, {} findings (the first 25 below)", sw, sh, s.steps, s.total));
        CHECK(s.steps > 20);
        WARN(fmt::format("{}x{}: {} steps, smallest subject text {:.1f} px, smallest cover {:.0f} %", sw, sh, s.steps,
                         s.minSubjectPx, 100 * s.minCover));
        std::string all;
        for (const auto& f : s.failures) all += f + "\n";
        INFO(all);
        CHECK(s.failures.empty());
    }
}
