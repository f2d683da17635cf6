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

// Known shortfalls (issue 11 stays open for them): the steps, measured on this build, where the
// subject's text is below the target or the subject covers less than half of the canvas. They
// are held to a floor (85 % of the target size, 28 % of the canvas) so they cannot get worse, and
// a step listed here that meets the target fails the sweep until it is taken off the list.
// "text": subject text below the target size; "cover": subject below half of the canvas.
const std::set<std::string> kKnownShortfalls = {
    "pae-translation [default] step 1 cover",
    "tlb-global-pages [default] step 5 cover",
    "lazy-tlb [default] step 2 text",
    "erratum-383 [buggy] step 8 text",
    "erratum-383 [fix-flush] step 7 cover",
    "fix-cost [fix-flush] step 3 text",
    "fix-cost [fix-flush] step 4 text",
    "fix-cost [fix-trampoline] step 4 text",
    "erratum-without-linux [erratum383] step 3 cover",
    "erratum-without-linux [erratum383] step 7 text",
    "erratum-without-linux [correct-cpu] step 3 cover",
    "erratum-without-linux [correct-cpu] step 8 cover",
};
constexpr double kShortfallTextFloor = 0.85;  // of the target size
constexpr double kShortfallCoverFloor = 0.28;  // of the canvas

struct Sweep {
    int steps = 0;
    int total = 0;
    std::vector<std::string> failures;
    std::set<std::string> shortfallsSeen;
    // A finding on a known shortfall is tolerated down to its floor (`ok`); any other fails.
    void shortfall(const std::string& key, bool aboveFloor, std::string s) {
        if (kKnownShortfalls.count(key) && aboveFloor) {
            shortfallsSeen.insert(key);
            return;
        }
        fail(std::move(s));
    }
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
                if (smallSubject)
                    out.shortfall(key + " text", smallSubject->font >= kShortfallTextFloor * subjectMin,
                                  fmt::format("{}: subject text {} at {:.1f} px (< {})", where, smallSubject->id,
                                              smallSubject->font, subjectMin));
                if (smallContext)
                    out.fail(fmt::format("{}: context text {} at {:.1f} px (< 12)", where, smallContext->id, smallContext->font));
                if (!anySubject) out.fail(where + ": no subject text drawn");
                const QRectF box = test::subjectBox(items);
                const double cover = box.width() * box.height() / (cw * ch);
                if (cover < 0.5)
                    out.shortfall(key + " cover", cover >= kShortfallCoverFloor,
                                  fmt::format("{}: subject covers {:.0f} % of the canvas", where, 100 * cover));
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
        // The list only shrinks: a listed step that now meets the target at neither size is stale.
        for (const auto& k : kKnownShortfalls)
            if (!s.shortfallsSeen.count(k) && sw == 1920) s.fail(fmt::format("{}x{} {}: meets the target now; take it off kKnownShortfalls", sw, sh, k));
        std::string all;
        for (const auto& f : s.failures) all += f + "\n";
        INFO(all);
        CHECK(s.failures.empty());
    }
}
