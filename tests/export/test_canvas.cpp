// SPDX-License-Identifier: GPL-3.0-or-later
// The machine canvas: clicks name the entry, zoom and fit, themes, animation to the end state.
#include "qt_helpers.hpp"  // core headers before Qt ones

#include "MachineCanvas.hpp"

#include <QSignalSpy>
#include <QTest>

#include <catch2/catch.hpp>

#include <fmt/format.h>

using namespace tlblab;

namespace {

QPoint widgetPosOf(const ui::MachineCanvas& c, const SceneItem& it) {
    // Scene -> widget: the inverse of mapToScene, found from two points.
    const QPointF o = c.mapToScene(QPointF(0, 0));
    const double z = c.zoom();
    return QPointF((it.x + it.w / 2 - o.x()) * z, (it.y + it.h / 2 - o.y()) * z).toPoint();
}

}  // namespace

TEST_CASE("canvas: clicking a TLB entry or a table entry emits what it shows", "[canvas]") {
    test::qtApp();
    ui::MachineCanvas c;
    c.resize(1600, 900);
    c.show();
    const Scene s = test::sceneOf(test::erratumScript());
    c.setScene(s, false);
    QSignalSpy tlb(&c, &ui::MachineCanvas::tlbEntryClicked);
    QSignalSpy table(&c, &ui::MachineCanvas::tableEntryClicked);

    const SceneItem* e3 = s.find("tlb:cpu1:#3");
    REQUIRE(e3);
    CHECK(c.itemAt(widgetPosOf(c, *e3)) == QStringLiteral("tlb:cpu1:#3"));
    QTest::mouseClick(&c, Qt::LeftButton, {}, widgetPosOf(c, *e3));
    REQUIRE(tlb.count() == 1);
    CHECK(tlb.at(0).at(0).toInt() == 1);  // what the item shows, as data (SceneItem::ref)
    CHECK(tlb.at(0).at(1).toUInt() == 3);
    CHECK(e3->ref.kind == SceneRef::Kind::TlbEntry);
    CHECK(table.count() == 0);

    const SceneItem* pdpte = nullptr;
    for (const auto& it : s.items)
        if (it.id.rfind("pdpte:", 0) == 0) {
            pdpte = &it;
            break;
        }
    REQUIRE(pdpte);
    QTest::mouseClick(&c, Qt::LeftButton, {}, widgetPosOf(c, *pdpte));
    REQUIRE(table.count() == 1);
    CHECK(pdpte->ref.kind == SceneRef::Kind::TableEntry);
    CHECK(pdpte->ref.level == 0);
    CHECK(table.at(0).at(0).toULongLong() == pdpte->ref.pa);
    CHECK(pdpte->id == fmt::format("pdpte:{:#x}", pdpte->ref.pa));
}

TEST_CASE("canvas: zoom in and out, fit, and a drag pans without clicking", "[canvas]") {
    test::qtApp();
    ui::MachineCanvas c;
    c.resize(800, 600);
    c.show();
    const Scene s = test::sceneOf(test::erratumScript());
    c.setScene(s, false);
    // The camera frames the step's subject, never smaller than the whole machine; F fits the whole.
    const double fit = std::min(800.0 / s.width, 600.0 / s.height);
    CHECK(c.zoom() >= fit * 0.999);
    c.fitToView();
    CHECK(c.zoom() == Approx(fit));
    c.zoomIn();
    CHECK(c.zoom() == Approx(fit * 1.25));
    QTest::keyClick(&c, Qt::Key_Minus, Qt::ControlModifier);
    CHECK(c.zoom() == Approx(fit));
    c.setZoom(100);
    CHECK(c.zoom() == 8.0);
    c.fitToView();
    CHECK(c.zoom() == Approx(fit));

    QSignalSpy clicked(&c, &ui::MachineCanvas::itemClicked);
    const QPointF before = c.mapToScene(QPointF(400, 300));
    QTest::mousePress(&c, Qt::LeftButton, {}, QPoint(400, 300));
    QMouseEvent move(QEvent::MouseMove, QPointF(300, 250), QPointF(300, 250), Qt::NoButton, Qt::LeftButton, {});
    QCoreApplication::sendEvent(&c, &move);
    QTest::mouseRelease(&c, Qt::LeftButton, {}, QPoint(300, 250));
    const QPointF after = c.mapToScene(QPointF(400, 300));
    CHECK(after.x() == Approx(before.x() + 100 / fit));
    CHECK(clicked.count() == 0);
}

TEST_CASE("canvas: an animated change ends on the new scene, speed 0 shows it at once", "[canvas]") {
    test::qtApp();
    ui::MachineCanvas c;
    c.resize(1200, 700);
    c.show();
    const Scene a = test::sceneOf("cpus 3\nkernel_boot\n");
    const Scene b = test::sceneOf(test::erratumScript());
    c.setScene(a, false);
    c.setAnimationSpeed(4);
    c.setScene(b, true);
    CHECK(c.isAnimating());
    QTRY_VERIFY_WITH_TIMEOUT(!c.isAnimating(), 3000);
    CHECK(c.scene().items == b.items);
    // A frame in the middle of an animation paints without trouble, and the end frame equals a
    // frame painted without animation.
    const QImage end = c.grab().toImage();
    c.setAnimationSpeed(0);
    c.setScene(a, false);
    c.setScene(b, true);
    CHECK_FALSE(c.isAnimating());
    CHECK(c.grab().toImage() == end);
}

TEST_CASE("canvas: themes change the background", "[canvas]") {
    test::qtApp();
    ui::MachineCanvas c;
    c.resize(400, 300);
    c.setScene(test::sceneOf("cpus 1\n"), false);
    for (Theme t : {Theme::Light, Theme::Dark, Theme::HighContrast, Theme::Print}) {
        c.setTheme(t);
        const QImage img = c.grab().toImage();
        CHECK(img.pixelColor(2, 2) == QColor(QString::fromStdString(themeBackground(t))));
    }
}
