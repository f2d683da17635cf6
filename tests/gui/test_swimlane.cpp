// SPDX-License-Identifier: GPL-3.0-or-later
// The swimlane's header: step numbers never overlap, and steps without ops (narration only) keep a
// label (erratum-383's steps 4 and 5 share one place on the timeline).
#include "gui_helpers.hpp"  // first: core headers before Qt ones

#include "SwimlaneTimeline.hpp"

#include <fmt/format.h>

using namespace tlblab;

TEST_CASE("swimlane: the header's step labels never overlap; narration-only steps keep a label", "[swimlane]") {
    auto w = test::openWindow(QStringLiteral("erratum-383"), {}, 4);
    const auto session = w->controller()->session();
    REQUIRE(session);
    // The lesson has steps without ops, at one place (4 and 5).
    std::vector<int> empty;
    for (std::size_t k = 0; k < session->steps.size(); ++k)
        if (session->steps[k].beginOp == session->steps[k].endOp) empty.push_back(static_cast<int>(k + 1));
    REQUIRE(empty.size() >= 2);
    ui::SwimlaneTimeline lane;
    lane.showSnapshot(w->controller()->snapshot());
    for (int width : {300, 640, 1000, 1280, 1920}) {
        lane.resize(width, 120);
        const auto labels = lane.headerLabels();
        INFO("width " << width);
        REQUIRE_FALSE(labels.empty());
        for (std::size_t i = 0; i < labels.size(); ++i) {
            CHECK(labels[i].rect.left() >= 0);
            CHECK(labels[i].rect.right() <= width + 0.5);
            for (std::size_t j = i + 1; j < labels.size(); ++j) {
                INFO(labels[i].text.toStdString() << " / " << labels[j].text.toStdString());
                CHECK_FALSE(labels[i].rect.intersects(labels[j].rect));
            }
        }
        // Each narration-only step is named by a label (its own or its run's "4-5").
        if (width >= 640)
            for (int k : empty) {
                bool named = false;
                for (const auto& l : labels) {
                    const QStringList parts = l.text.split(QLatin1Char('-'));
                    if (parts.size() == 2 && parts[0].toInt() <= k && k <= parts[1].toInt()) named = true;
                    if (l.text == QString::number(k)) named = true;
                }
                INFO("step " << k);
                CHECK(named);
            }
    }
}
