// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the canvas GUI tests: a window in presentation mode on a screen of a given size (the
// offscreen platform is started with two screens, 1920x1080 and 1280x720: data/two-screens.json),
// and checks over the canvas's scene report (what was drawn, in screen pixels).
#pragma once

#include "gui_helpers.hpp"  // first: core headers before Qt ones

#include "MachineCanvas.hpp"

#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QScreen>
#include <QTest>

#include <string>
#include <vector>

namespace tlblab::test {

inline QApplication& canvasApp() {
    if (!std::getenv("QT_QPA_PLATFORM"))
        setenv("QT_QPA_PLATFORM", "offscreen:configfile=" TLBLAB_GUI_TEST_DATA "/two-screens.json", 1);
    return app();
}

// The screen of that size, or null (the platform was not started with it).
inline QScreen* screenOfSize(int w, int h) {
    for (QScreen* s : QGuiApplication::screens())
        if (s->geometry().width() == w && s->geometry().height() == h) return s;
    return nullptr;
}

// A window in presentation mode filling the screen of size w x h, with `lesson` loaded at `step`.
inline std::unique_ptr<ui::MainWindow> presentingWindow(int w, int h, const QString& lesson, const QString& variant = {},
                                                         int step = -1) {
    canvasApp();
    QScreen* screen = screenOfSize(w, h);
    REQUIRE(screen);
    auto win = std::make_unique<ui::MainWindow>();
    win->setScreen(screen);
    win->move(screen->geometry().topLeft() + QPoint(10, 10));
    win->resize(w * 3 / 4, h * 3 / 4);
    win->show();
    win->setPresentation(true);
    QSignalSpy loaded(win->controller(), &ui::SessionController::loaded);
    win->openLesson(lesson, variant, step);
    REQUIRE(loaded.wait(20000));
    win->canvas()->setAnimationSpeed(0);
    QTest::qWait(50);  // the presentation layout's deferred parts
    return win;
}

struct ReportItem {
    std::string id, role, parent, kind;
    QRectF r;
    double font = -1;  // -1: no text drawn
    bool subject = false;
};

inline std::vector<ReportItem> reportItems(const QJsonObject& report) {
    std::vector<ReportItem> out;
    for (const auto& v : report.value(QStringLiteral("items")).toArray()) {
        const QJsonObject o = v.toObject();
        ReportItem it;
        it.id = o.value(QStringLiteral("id")).toString().toStdString();
        it.role = o.value(QStringLiteral("role")).toString().toStdString();
        it.parent = o.value(QStringLiteral("parent")).toString().toStdString();
        it.kind = o.value(QStringLiteral("kind")).toString().toStdString();
        it.r = QRectF(o.value(QStringLiteral("x")).toDouble(), o.value(QStringLiteral("y")).toDouble(),
                      o.value(QStringLiteral("w")).toDouble(), o.value(QStringLiteral("h")).toDouble());
        it.font = o.value(QStringLiteral("font_px")).isNull() ? -1 : o.value(QStringLiteral("font_px")).toDouble();
        it.subject = o.value(QStringLiteral("subject")).toBool();
        out.push_back(std::move(it));
    }
    return out;
}

inline const ReportItem* findItem(const std::vector<ReportItem>& items, const std::string& id) {
    for (const auto& it : items)
        if (it.id == id) return &it;
    return nullptr;
}

// The screen box of the subject (every subject item), clipped to the canvas.
inline QRectF subjectBox(const std::vector<ReportItem>& items) {
    QRectF box;
    for (const auto& it : items)
        if (it.subject) box = box.isNull() ? it.r : box.united(it.r);
    return box;
}

// Two items overlap when they share more than a hair (0.75 px each way) and neither holds the
// other (a row in its table, a line in its card). Arrows may cross what they join.
inline bool contains(const std::vector<ReportItem>& items, const ReportItem& outer, const ReportItem& inner) {
    for (const ReportItem* p = &inner; p && !p->parent.empty();) {
        if (p->parent == outer.id) return true;
        p = findItem(items, p->parent);
    }
    return false;
}

inline std::string firstOverlap(const std::vector<ReportItem>& items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].kind == "arrow") continue;
        for (std::size_t j = i + 1; j < items.size(); ++j) {
            if (items[j].kind == "arrow") continue;
            const QRectF x = items[i].r.intersected(items[j].r);
            if (x.width() <= 0.75 || x.height() <= 0.75) continue;
            if (contains(items, items[i], items[j]) || contains(items, items[j], items[i])) continue;
            return items[i].id + " overlaps " + items[j].id;
        }
    }
    return "";
}

}  // namespace tlblab::test
