// SPDX-License-Identifier: GPL-3.0-or-later
// The canvas's camera, the teaching figures as drawn (address fields for a 4 KiB walk, a 2 MiB
// walk and a fault; the multimatch figure at erratum-383's machine check), the event animations
// and compare mode marking what differs. Presentation mode on the 1920x1080 offscreen screen.
#include "canvas_helpers.hpp"  // core headers before Qt ones

#include "CompareView.hpp"

#include <QLabel>

#include <fmt/format.h>

using namespace tlblab;

namespace {

// The step whose scene has an address figure titled with `va` (its figure id), or -1.
int stepWithAddress(ui::MainWindow& w, const std::string& va, std::string& figure) {
    const int n = static_cast<int>(w.controller()->session()->steps.size());
    for (int s = 0; s < n; ++s) {
        w.controller()->seekStep(s);
        for (const auto& it : w.canvas()->scene().items)
            if (it.role == Role::FigureTitle && it.id.rfind("addr:", 0) == 0 && it.cells.size() == 1 &&
                it.cells[0].find(va) != std::string::npos) {
                figure = it.parent;
                return s;
            }
    }
    return -1;
}

std::vector<std::string> cellsOf(const Scene& s, const std::string& id) {
    const SceneItem* it = s.find(id);
    return it ? it->cells : std::vector<std::string>{};
}

// Every subject item of the scene lies fully inside the canvas (the camera never crops it).
void requireSubjectFramed(const ui::MachineCanvas& c) {
    const QRectF view(0, 0, c.width(), c.height());
    const Scene& s = c.scene();
    const QRectF sb(c.mapFromScene(QPointF(s.subjectBounds.x, s.subjectBounds.y)),
                    c.mapFromScene(QPointF(s.subjectBounds.x + s.subjectBounds.w, s.subjectBounds.y + s.subjectBounds.h)));
    INFO(fmt::format("subject on screen {},{} {}x{} in {}x{}", sb.x(), sb.y(), sb.width(), sb.height(), c.width(), c.height()));
    CHECK(view.adjusted(-1, -1, 1, 1).contains(sb));
    // Framed, not merely inside: it fills the canvas across or down.
    CHECK(std::max(sb.width() / view.width(), sb.height() / view.height()) > 0.85);
}

}  // namespace

TEST_CASE("canvas: the camera frames each step's subject; F fits the whole machine; R replays", "[canvas][camera]") {
    auto w = test::presentingWindow(1920, 1080, QStringLiteral("erratum-383"), QStringLiteral("buggy"), 0);
    ui::MachineCanvas& c = *w->canvas();
    for (int step : {2, 3, 5}) {
        w->controller()->seekStep(step);
        c.finishAnimation();
        INFO("step " << step + 1);
        requireSubjectFramed(c);
    }
    const double framed = c.zoom();
    QTest::keyClick(w.get(), Qt::Key_F);
    const Scene& s = c.scene();
    CHECK(c.zoom() == Approx(std::min(c.width() / s.bounds.w, c.height() / s.bounds.h)));
    CHECK(c.zoom() <= framed);
    const QRectF all(c.mapFromScene(QPointF(s.bounds.x, s.bounds.y)),
                     c.mapFromScene(QPointF(s.bounds.x + s.bounds.w, s.bounds.y + s.bounds.h)));
    CHECK(QRectF(0, 0, c.width(), c.height()).adjusted(-1, -1, 1, 1).contains(all));
    // The next step frames its subject again; zooming in keeps the subject's centre in view.
    w->controller()->seekStep(4);
    c.finishAnimation();
    requireSubjectFramed(c);
    const QPointF sc(s.subjectBounds.x + s.subjectBounds.w / 2, s.subjectBounds.y + s.subjectBounds.h / 2);
    const QPointF before = c.mapFromScene(sc);
    c.zoomIn();
    const QPointF centre = c.mapFromScene(sc);
    CHECK(centre.x() == Approx(before.x()).margin(1));  // zoom enlarges about the subject
    CHECK(centre.y() == Approx(before.y()).margin(1));
    CHECK(QRectF(0, 0, c.width(), c.height()).contains(centre));
    // L shows the colour legend (laid out with the scene), L again hides it.
    QTest::keyClick(w.get(), Qt::Key_L);
    CHECK(c.legendVisible());
    CHECK(c.scene().find("legend"));
    QTest::keyClick(w.get(), Qt::Key_L);
    CHECK_FALSE(c.scene().find("legend"));
    // R replays the step's animation, and it ends framed on the subject.
    c.setAnimationSpeed(8);
    QTest::keyClick(w.get(), Qt::Key_R);
    CHECK(c.isAnimating());
    QTRY_VERIFY_WITH_TIMEOUT(!c.isAnimating(), 3000);
    requireSubjectFramed(c);
}

TEST_CASE("canvas: an animation pans and zooms the camera smoothly, with no jump at its start", "[canvas][camera]") {
    auto w = test::presentingWindow(1920, 1080, QStringLiteral("erratum-383"), QStringLiteral("buggy"), 1);
    ui::MachineCanvas& c = *w->canvas();
    c.finishAnimation();
    const double z0 = c.zoom();
    const QPointF p0 = c.mapToScene(QPointF(c.width() / 2.0, c.height() / 2.0));
    c.setAnimationSpeed(1);
    w->controller()->seekStep(2);
    // The first frame shows the old framing; the frames after move a little at a time.
    c.paintFrameAt(0.0);
    CHECK(c.zoom() == Approx(z0));
    CHECK(c.mapToScene(QPointF(c.width() / 2.0, c.height() / 2.0)).x() == Approx(p0.x()).margin(1));
    double last = c.zoom();
    double biggest = 0;
    for (int k = 1; k <= 50; ++k) {
        c.paintFrameAt(k / 50.0);
        biggest = std::max(biggest, std::abs(std::log(c.zoom() / last)));
        last = c.zoom();
    }
    CHECK(biggest < 0.15);  // no frame changes the scale by more than about 16 %
    c.finishAnimation();
    requireSubjectFramed(c);
}

TEST_CASE("canvas: the address figure's fields for a 4 KiB walk, a 2 MiB walk and a fault", "[canvas][figures]") {
    auto w = test::presentingWindow(1920, 1080, QStringLiteral("pae-translation"), {}, 0);
    ui::MachineCanvas& c = *w->canvas();
    std::string fig;

    // 0x00401234: PDPTE [0] | PDE [2] | PTE [1] | offset 0x234, arrows into each level and the frame.
    REQUIRE(stepWithAddress(*w, "0x00401234", fig) >= 0);
    c.finishAnimation();
    const Scene& s = c.scene();
    CHECK(cellsOf(s, fig + ".field:0") == std::vector<std::string>{"PDPTE", "[0]"});
    CHECK(cellsOf(s, fig + ".field:1") == std::vector<std::string>{"PDE", "[2]"});
    CHECK(cellsOf(s, fig + ".field:2") == std::vector<std::string>{"PTE", "[1]"});
    CHECK(cellsOf(s, fig + ".field:offset") == std::vector<std::string>{"offset", "0x234"});
    for (const char* a : {".1", ".2", ".offset"}) CHECK(s.find("arrow:" + fig + a));
    {
        const auto items = test::reportItems(c.sceneReport());
        for (const char* f : {".field:0", ".field:1", ".field:2", ".field:offset"}) {
            const auto* it = test::findItem(items, fig + f);
            REQUIRE(it);
            CHECK(it->subject);
            CHECK(it->font >= 24);
        }
    }

    // 0xc0123456 on a 2 MiB page: PDPTE [3] | PDE [0] | offset 0x123456 (21 bits), no PTE field.
    REQUIRE(stepWithAddress(*w, "0xc0123456", fig) >= 0);
    c.finishAnimation();
    CHECK(cellsOf(c.scene(), fig + ".field:0") == std::vector<std::string>{"PDPTE", "[3]"});
    CHECK(cellsOf(c.scene(), fig + ".field:1") == std::vector<std::string>{"PDE", "[0]"});
    CHECK(cellsOf(c.scene(), fig + ".field:offset") == std::vector<std::string>{"offset", "0x123456"});
    CHECK_FALSE(c.scene().find(fig + ".field:2"));

    // 0x00800000 not present: the fault at the PDE with error code 0x4, its bits spelled out.
    REQUIRE(stepWithAddress(*w, "0x00800000", fig) >= 0);
    c.finishAnimation();
    const auto fault = cellsOf(c.scene(), fig + ".fault");
    REQUIRE(fault.size() == 2);
    CHECK(fault[0].find("PDE") != std::string::npos);
    CHECK(fault[0].find("not present") != std::string::npos);
    CHECK(fault[1].find("0x4") != std::string::npos);
    CHECK(cellsOf(c.scene(), fig + ".ec:P").at(0) == "P 0");
    CHECK(cellsOf(c.scene(), fig + ".ec:U/S").at(0) == "U/S 1");
    CHECK(cellsOf(c.scene(), fig + ".ec:W/R").at(0) == "W/R 0");
    const auto items = test::reportItems(c.sceneReport());
    const auto* fb = test::findItem(items, fig + ".fault");
    REQUIRE(fb);
    CHECK(fb->font >= 24);
}

TEST_CASE("canvas: the multimatch figure and the machine-check decode at erratum-383's machine check", "[canvas][figures]") {
    auto w = test::presentingWindow(1920, 1080, QStringLiteral("erratum-383"), QStringLiteral("buggy"), 7);
    ui::MachineCanvas& c = *w->canvas();
    c.finishAnimation();
    const Scene& s = c.scene();
    // Both ranges: the 2 MiB entry and, inside it, the 4 KiB page; the fields that differ.
    const SceneItem* big = s.find("mm:cpu1.range:big");
    const SceneItem* small = s.find("mm:cpu1.range:small");
    REQUIRE(big);
    REQUIRE(small);
    CHECK(small->x >= big->x);
    CHECK(small->x + small->w <= big->x + big->w);
    for (const char* d : {"size", "us", "g", "frame", "origin"}) CHECK(s.find(std::string("mm:cpu1.diff:") + d));
    // MC0_STATUS decoded: VAL, UC, EN, ADDRV, PCC set; OVER clear.
    for (const char* b : {"VAL", "UC", "EN", "ADDRV", "PCC"}) {
        const SceneItem* it = s.find(std::string("mce:cpu1.bit:") + b);
        REQUIRE(it);
        CHECK(it->role == Role::MceBitSet);
    }
    REQUIRE(s.find("mce:cpu1.bit:OVER"));
    CHECK(s.find("mce:cpu1.bit:OVER")->role == Role::MceBitClear);
    // Drawn on screen, large: both figures are in view and part of the subject.
    const auto items = test::reportItems(c.sceneReport());
    for (const char* id : {"mm:cpu1", "mce:cpu1", "tlb:cpu1:#2", "tlb:cpu1:#3"}) {
        const auto* it = test::findItem(items, id);
        INFO(id);
        REQUIRE(it);
        CHECK(it->subject);
    }
}

TEST_CASE("canvas: a MOV CR3 flush sweeps the TLB and spares the global entry; the CR3 arrow swings", "[canvas][animation]") {
    auto w = test::presentingWindow(1920, 1080, QStringLiteral("erratum-383"), QStringLiteral("buggy"), 0);
    ui::MachineCanvas& c = *w->canvas();
    // Find a step with a non-global flush that spares an entry.
    const int n = static_cast<int>(w->controller()->session()->steps.size());
    int found = -1;
    for (int s = 0; s < n && found < 0; ++s) {
        w->controller()->seekStep(s);
        for (const auto& f : c.scene().flushes)
            if (f.kind == FlushKind::NonGlobal && !f.spared.empty()) found = s;
    }
    if (found < 0) {
        WARN("no step of erratum-383 spares a global entry under MOV CR3 in this build");
        return;
    }
    w->controller()->seekStep(found - 1);
    c.finishAnimation();
    const QImage before = c.grab().toImage();
    c.setAnimationSpeed(1);
    w->controller()->seekStep(found);
    const auto& f = c.scene().flushes.front();
    const SceneItem* spared = c.scene().find(f.spared.front());
    REQUIRE(spared);
    // Mid-sweep the frame differs from the end frame (the line and the ring are drawn).
    c.paintFrameAt(0.2);
    const QImage mid = c.grab().toImage();
    // Frames of the animation for a look (TLBLAB_FRAME_DIR=/tmp/frames).
    if (const char* dir = std::getenv("TLBLAB_FRAME_DIR"))
        for (int k = 0; k <= 10; ++k) {
            c.paintFrameAt(k / 10.0);
            c.grab().save(QString::fromLocal8Bit(dir) + QStringLiteral("/frame%1.png").arg(k, 2, 10, QLatin1Char('0')));
        }
    c.finishAnimation();
    const QImage end = c.grab().toImage();
    CHECK(mid != end);
    CHECK(mid != before);
    // The spared entry survives the flush: it is in the new scene.
    CHECK(c.scene().find(f.spared.front()));
}

TEST_CASE("canvas: compare mode stacks both variants, labels them and marks what differs", "[canvas][compare]") {
    auto w = test::presentingWindow(1920, 1080, QStringLiteral("erratum-383"), QStringLiteral("buggy"), 7);
    w->setPresentation(false);
    w->resize(1920, 1050);
    auto* compare = w->findChild<ui::CompareView*>();
    REQUIRE(compare);
    QSignalSpy loaded(compare->controller(), &ui::SessionController::loaded);
    compare->setVariant(QStringLiteral("fix-flush"));
    w->findChild<QAction*>(QStringLiteral("compare"))->trigger();
    REQUIRE(loaded.wait(20000));
    QTest::qWait(50);
    QTRY_VERIFY_WITH_TIMEOUT(compare->differenceCount() > 0, 5000);
    ui::MachineCanvas& a = *w->canvas();
    ui::MachineCanvas& b = *compare->canvas();
    // Stacked: both at (nearly) the same full width, one above the other.
    CHECK(std::abs(a.width() - b.width()) < 40);
    CHECK(a.mapTo(w.get(), QPoint(0, 0)).y() < b.mapTo(w.get(), QPoint(0, 0)).y());
    CHECK(a.caption() == QStringLiteral("buggy"));
    CHECK(b.caption() == QStringLiteral("fix-flush"));
    // The caption covers nothing that is drawn (it has a strip of its own).
    for (ui::MachineCanvas* c : {&a, &b}) {
        c->finishAnimation();
        const QLabel* label = c->findChild<QLabel*>(QStringLiteral("canvasCaption"));
        REQUIRE(label);
        const QRectF cap = QRectF(label->geometry());
        for (const auto& it : test::reportItems(c->sceneReport())) {
            INFO(it.id);
            CHECK_FALSE(cap.intersects(it.r.adjusted(1, 1, -1, -1)));
        }
    }
    // At the machine check step the buggy side has the machine-check overlay and the fixed side not.
    bool mce = false;
    for (const auto& m : a.compareMarks()) mce = mce || m.id == "mce:cpu1";
    CHECK(mce);
    CHECK_FALSE(b.compareMarks().empty());
    // Marks are drawn: the picture differs from the same scene without them.
    const QImage marked = a.grab().toImage();
    const auto keep = a.compareMarks();
    a.setCompareMarks({});
    CHECK(a.grab().toImage() != marked);
    a.setCompareMarks(keep);
    // The README's compare screenshot: TLBLAB_SCREENSHOT_DIR=docs/screenshots ctest -R 'compare mode stacks'.
    if (const char* dir = std::getenv("TLBLAB_SCREENSHOT_DIR")) {
        a.finishAnimation();
        b.finishAnimation();
        CHECK(w->grab().save(QString::fromLocal8Bit(dir) + QStringLiteral("/erratum-383-compare-step8.png")));
    }
    // Leaving compare mode removes labels and marks.
    w->findChild<QAction*>(QStringLiteral("compare"))->trigger();
    CHECK(a.caption().isEmpty());
    CHECK(a.compareMarks().empty());
}
