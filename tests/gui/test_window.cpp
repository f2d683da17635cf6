// SPDX-License-Identifier: GPL-3.0-or-later
// Drives the real window through lesson 4 (erratum-383): stepping, the machine check on the
// canvas, narration and changes; stepping back; variants; breakpoints; presentation and zoom;
// the console's what-if branch; a broken lesson file; the inspector; the plots.
#include "gui_helpers.hpp"

#include "ChangesList.hpp"
#include "CompareView.hpp"
#include "ConsolePanel.hpp"
#include "ExplorePanel.hpp"
#include "Inspector.hpp"
#include "MachineCanvas.hpp"
#include "NarrationPanel.hpp"
#include "PlotsDock.hpp"
#include "SwimlaneTimeline.hpp"

#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QMessageBox>
#include <QDialog>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>
#include <QTest>
#include <QMenuBar>
#include <QScreen>
#include <QStatusBar>
#include <QToolBar>

#include <qcustomplot.h>

#include <map>
#include <random>

using namespace tlblab;
using tlblab::test::openWindow;

namespace {

constexpr u64 kMc0 = 0xb600000000010015ull;

int cpuWithMachineCheck(const Machine& m) {
    for (const Cpu& c : m.cpus())
        if (c.mc0Status) return c.id;
    return -1;
}

bool anyLineContains(const QStringList& lines, const QString& s) {
    for (const QString& l : lines)
        if (l.contains(s)) return true;
    return false;
}

int itemsWithPrefix(const Scene& s, const std::string& prefix, const std::string& role = {}) {
    int n = 0;
    for (const auto& it : s.items)
        if (it.id.rfind(prefix, 0) == 0 && (role.empty() || roleName(it.role) == role)) ++n;
    return n;
}

// Presses Right until some CPU took a machine check; returns the number of presses or -1.
int stepToMachineCheck(ui::MainWindow& w) {
    for (int i = 1; i <= 30; ++i) {
        QTest::keyClick(&w, Qt::Key_Right);
        if (cpuWithMachineCheck(w.controller()->snapshot()->machine) >= 0) return i;
        if (w.controller()->atEnd()) return -1;
    }
    return -1;
}

}  // namespace

TEST_CASE("lesson 4 under buggy: stepping shows the machine check on cpu1's card, TLB and narration") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    auto* c = w->controller();
    REQUIRE(c->session()->variant == "buggy");
    REQUIRE(c->step() == -1);
    CHECK(w->narration()->plainText().contains(QStringLiteral("erratum 383")));

    const int presses = stepToMachineCheck(*w);
    REQUIRE(presses > 0);
    const auto snap = c->snapshot();
    // The bystander cpu1 dies, not cpu2 being onlined (scenario facts, section 4.7).
    REQUIRE(cpuWithMachineCheck(snap->machine) == 1);
    CHECK((snap->machine.cpu(1).mc0Status & ~pae::MCI_STATUS_OVER) == kMc0);
    CHECK(snap->machine.cpu(1).state == CpuState::Halted);
    CHECK(snap->machine.cpu(2).mc0Status == 0);
    REQUIRE(snap->stepInfo() != nullptr);
    CHECK(snap->stepInfo()->title == "bash touches its page again");
    CHECK(snap->atStepEnd);

    // The canvas: the overlay with MC0_STATUS decoded, cpu1's card register, and two TLB rows of
    // cpu1 marked as the multimatch.
    const Scene& scene = w->canvas()->scene();
    const SceneItem* overlay = scene.find("mce:cpu1");
    REQUIRE(overlay != nullptr);
    bool hasStatus = false;
    for (const auto& cell : overlay->cells) hasStatus |= cell.find("0xb600000000010015") != std::string::npos;
    CHECK(hasStatus);
    CHECK(scene.find("cpu1.mc0") != nullptr);
    CHECK(scene.find("mce:cpu0") == nullptr);
    CHECK(itemsWithPrefix(scene, "tlb:cpu1:", "multimatch") == 2);

    // Narration and changes.
    CHECK(w->narration()->plainText().contains(QStringLiteral("bash touches its page again")));
    CHECK(anyLineContains(w->changes()->lines(), QStringLiteral("cpu1: MACHINE CHECK")));
    CHECK(anyLineContains(w->changes()->lines(), QStringLiteral("TLB MULTIMATCH at 0x08048000")));

    // Step back: the machine check is gone from the model and the picture.
    QTest::keyClick(w.get(), Qt::Key_Left);
    const auto back = c->snapshot();
    CHECK(cpuWithMachineCheck(back->machine) == -1);
    CHECK(back->step == snap->step - 1);
    CHECK(w->canvas()->scene().find("mce:cpu1") == nullptr);
    CHECK_FALSE(w->narration()->plainText().contains(QStringLiteral("bash touches its page again")));
    // And forward again reaches the same state.
    QTest::keyClick(w.get(), Qt::Key_Right);
    CHECK(c->snapshot()->position == snap->position);
}

TEST_CASE("keys: Home, End, PageDown, PageUp and Shift+Right move as documented") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    auto* c = w->controller();
    const auto d = c->session();
    QTest::keyClick(w.get(), Qt::Key_End);
    CHECK(c->position() == d->opCount());
    QTest::keyClick(w.get(), Qt::Key_Home);
    CHECK(c->position() == d->setupEnd);
    QTest::keyClick(w.get(), Qt::Key_PageDown);
    CHECK(c->step() == 0);
    CHECK(c->position() == d->steps[0].endOp);
    QTest::keyClick(w.get(), Qt::Key_PageDown);
    CHECK(c->step() == 1);
    QTest::keyClick(w.get(), Qt::Key_PageUp);
    CHECK(c->step() == 0);
    // Single operation steps.
    const std::size_t p = c->position();
    QTest::keyClick(w.get(), Qt::Key_Right, Qt::ShiftModifier);
    CHECK(c->position() == p + 1);
    CHECK_FALSE(c->snapshot()->lastOpText.empty());
    QTest::keyClick(w.get(), Qt::Key_Left, Qt::ShiftModifier);
    CHECK(c->position() == p);
    // The swimlane marks every op; a click on it seeks.
    w->timeline()->resize(800, 200);
    const double x = w->timeline()->xOfPosition(d->steps[2].endOp);
    QTest::mouseClick(w->timeline(), Qt::LeftButton, {}, QPoint(static_cast<int>(x + 0.5), 100));
    CHECK(c->position() == d->steps[2].endOp);
}

TEST_CASE("switching the variant keeps the step, and fix-trampoline ends without a machine check") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 2);
    auto* c = w->controller();
    REQUIRE(c->step() == 2);
    const std::string title = c->snapshot()->stepInfo()->title;
    c->setVariant(QStringLiteral("fix-trampoline"));
    tlblab::test::waitLoaded(c);
    CHECK(c->session()->variant == "fix-trampoline");
    CHECK(c->step() == 2);
    CHECK(c->snapshot()->stepInfo()->title == title);
    auto* box = w->findChild<QComboBox*>(QStringLiteral("variantPicker"));
    REQUIRE(box != nullptr);
    CHECK(box->currentText() == QStringLiteral("fix-trampoline"));
    QTest::keyClick(w.get(), Qt::Key_End);
    // The last step has no ops of its own (a summary): End still reaches it, and Left leaves it.
    const int lastStep = static_cast<int>(c->session()->steps.size()) - 1;
    CHECK(c->step() == lastStep);
    CHECK(w->narration()->plainText().contains(QString::fromStdString(c->session()->steps.back().title)));
    QTest::keyClick(w.get(), Qt::Key_Left);
    CHECK(c->step() == lastStep - 1);
    QTest::keyClick(w.get(), Qt::Key_Right);
    CHECK(c->step() == lastStep);
    CHECK(cpuWithMachineCheck(c->snapshot()->machine) == -1);
    CHECK(w->canvas()->scene().find("mce:cpu1") == nullptr);
}

TEST_CASE("breakpoints stop just after the op that hits them") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    auto* c = w->controller();
    const auto d = c->session();

    SECTION("machine check") {
        c->setBreakpoints({Breakpoint{BreakOn::MachineCheck, -1, std::nullopt, true}});
        QSignalSpy hit(c, &ui::SessionController::breakpointHit);
        REQUIRE(c->runToBreakpoint() == 0);
        CHECK(hit.count() == 1);
        CHECK(cpuWithMachineCheck(c->snapshot()->machine) == 1);
        // The op before did not have it yet.
        bool inLast = false;
        for (const Event& e : c->snapshot()->lastOpEvents) inLast |= e.kind == EventKind::MachineCheck;
        CHECK(inLast);
    }
    SECTION("speculative fill on cpu1, and the next one after it") {
        c->setBreakpoints({Breakpoint{BreakOn::SpeculativeFill, 1, std::nullopt, true}});
        REQUIRE(c->runToBreakpoint() == 0);
        const std::size_t first = c->position();
        bool found = false;
        for (const Event& e : c->snapshot()->lastOpEvents)
            found |= e.kind == EventKind::TlbFill && e.origin == Origin::Speculative && e.cpu == 1;
        CHECK(found);
        // No earlier op had one.
        for (std::size_t i = 0; i + 1 < first; ++i)
            for (const Event& e : c->eventsOfOp(i)) CHECK_FALSE((e.kind == EventKind::TlbFill && e.origin == Origin::Speculative && e.cpu == 1));
        CHECK(c->snapshot()->stepInfo()->title == "cpu1 caches translations speculatively");
    }
    SECTION("a CR3 load on cpu2 and an address") {
        c->setBreakpoints({Breakpoint{BreakOn::Cr3Load, 2, std::nullopt, true}});
        REQUIRE(c->runToBreakpoint() == 0);
        bool found = false;
        for (const Event& e : c->snapshot()->lastOpEvents) found |= e.kind == EventKind::Cr3Write && e.cpu == 2;
        CHECK(found);
        c->first();
        c->setBreakpoints({Breakpoint{BreakOn::Address, 1, 0x08048123u, true}});
        REQUIRE(c->runToBreakpoint() == 0);
        bool touches = false;
        for (const Event& e : c->snapshot()->lastOpEvents) touches |= e.cpu == 1 && (e.va & ~0xfffull) == 0x08048000u;
        CHECK(touches);
    }
    SECTION("a breakpoint that never hits runs to the end") {
        c->setBreakpoints({Breakpoint{BreakOn::Ipi, 7, std::nullopt, true}});
        CHECK(c->runToBreakpoint() == -1);
        CHECK(c->atEnd());
    }
    SECTION("play stops at a breakpoint") {
        c->setBreakpoints({Breakpoint{BreakOn::Multimatch, -1, std::nullopt, true}});
        c->setPlayInterval(1);
        QSignalSpy hit(c, &ui::SessionController::breakpointHit);
        c->play();
        REQUIRE(hit.wait(10000));
        CHECK_FALSE(c->isPlaying());
        bool mm = false;
        for (const Event& e : c->snapshot()->lastOpEvents) mm |= e.kind == EventKind::Multimatch;
        CHECK(mm);
    }
}

TEST_CASE("presentation mode reduces the window to canvas and narration with large, high-contrast text") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 1);
    const double normalFont = w->font().pointSizeF();
    QTest::keyClick(w.get(), Qt::Key_F11);
    REQUIRE(w->isPresentation());
    CHECK(w->isFullScreen());
    for (QDockWidget* d : w->findChildren<QDockWidget*>()) CHECK_FALSE(d->isVisible());  // the caption replaces them
    CHECK(w->caption()->isVisible());
    for (QToolBar* tb : w->findChildren<QToolBar*>()) CHECK_FALSE(tb->isVisible());
    CHECK(w->canvas()->isVisible());
    CHECK(w->canvas()->theme() == Theme::HighContrast);
    CHECK(w->font().pointSizeF() > normalFont * 1.4);
    CHECK(w->palette().color(QPalette::Window) == QColor(Qt::black));
    // Clickers still step.
    QTest::keyClick(w.get(), Qt::Key_PageDown);
    CHECK(w->controller()->step() == 2);
    QTest::keyClick(w.get(), Qt::Key_F11);
    CHECK_FALSE(w->isPresentation());
    CHECK_FALSE(w->isFullScreen());
    CHECK(w->font().pointSizeF() == Approx(normalFont));
    CHECK(w->findChild<QDockWidget*>(QStringLiteral("timelineDock"))->isVisible());
    CHECK(w->canvas()->theme() != Theme::HighContrast);
}

TEST_CASE("global zoom: Ctrl+= enlarges text and canvas, Ctrl+- shrinks, Ctrl+0 resets") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 1);
    const double f0 = w->font().pointSizeF();
    const double z0 = w->canvas()->zoom();
    QTest::keyClick(w.get(), Qt::Key_Equal, Qt::ControlModifier);
    CHECK(w->zoom() == Approx(1.15));
    CHECK(w->font().pointSizeF() == Approx(f0 * 1.15));
    CHECK(w->canvas()->zoom() == Approx(z0 * 1.15));
    QTest::keyClick(w.get(), Qt::Key_Minus, Qt::ControlModifier);
    QTest::keyClick(w.get(), Qt::Key_Minus, Qt::ControlModifier);
    CHECK(w->zoom() < 1.0);
    CHECK(w->font().pointSizeF() < f0);
    QTest::keyClick(w.get(), Qt::Key_0, Qt::ControlModifier);
    CHECK(w->zoom() == Approx(1.0));
    CHECK(w->font().pointSizeF() == Approx(f0));
}

TEST_CASE("themes: dark and light switch the palette and the canvas theme") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    w->setThemeChoice(ui::ThemeChoice::Dark);
    CHECK(w->darkTheme());
    CHECK(w->canvas()->theme() == Theme::Dark);
    w->setThemeChoice(ui::ThemeChoice::Light);
    CHECK_FALSE(w->darkTheme());
    CHECK(w->canvas()->theme() == Theme::Light);
}

TEST_CASE("the console runs a what-if op as a branch, shows errors with their column, and drops the branch") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 3);
    auto* c = w->controller();
    const std::size_t at = c->position();
    const std::size_t lessonOps = c->session()->opCount();
    QLineEdit* in = w->console()->input();

    in->setText(QStringLiteral("cpu1 acces 0x08048000 read user"));
    QTest::keyClick(in, Qt::Key_Return);
    CHECK(w->console()->lastError().startsWith(QStringLiteral("1:6: error:")));
    CHECK(w->console()->log().contains(QStringLiteral("^")));
    CHECK_FALSE(c->inBranch());
    CHECK(c->position() == at);

    in->setText(QStringLiteral("cpu1 access 0x08048000 read user"));
    QTest::keyClick(in, Qt::Key_Return);
    CHECK(w->console()->lastError().isEmpty());
    REQUIRE(c->inBranch());
    CHECK(c->position() == at + 1);
    CHECK(c->session()->opCount() == at + 1);
    CHECK(c->session()->branchPoint == at);
    CHECK(w->narration()->plainText().contains(QStringLiteral("What-if branch")));
    CHECK(c->snapshot()->lastOpText == "cpu1 access 0x08048000 read user");

    c->dropBranch();
    CHECK_FALSE(c->inBranch());
    CHECK(c->position() == at);
    CHECK(c->session()->opCount() == lessonOps);
}

TEST_CASE("a broken lesson file gives a dialog with FILE:LINE:COL and the window keeps working") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 1);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.yaml"));
    {
        QFile f(path);
        REQUIRE(f.open(QIODevice::WriteOnly));
        f.write("id: broken\ntitle: Broken\nsteps:\n  - title: one\n    ops: |\n      cpu0 lod_cr3 swapper_pg_dir\n");
    }
    QSignalSpy failed(w->controller(), &ui::SessionController::loadFailed);
    w->openLesson(path);
    REQUIRE(failed.wait(20000));
    CHECK(w->lastError().startsWith(path + QStringLiteral(":")));
    CHECK(w->lastError().contains(QStringLiteral(": error:")));
    CHECK(w->findChild<QWidget*>(QStringLiteral("loadErrorDialog")) != nullptr);
    // Still on the old lesson, still stepping once the dialog is closed.
    CHECK(w->controller()->session()->id == "erratum-383");
    auto* box = w->findChild<QMessageBox*>(QStringLiteral("loadErrorDialog"));
    REQUIRE(box != nullptr);
    box->accept();
    QApplication::processEvents();
    w->activateWindow();
    REQUIRE(QTest::qWaitForWindowActive(w.get()));
    QTest::keyClick(w.get(), Qt::Key_Right);
    CHECK(w->controller()->step() == 2);
}

TEST_CASE("the inspector shows the walk behind a TLB entry and the TLB entries behind a table entry") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    auto* c = w->controller();
    c->setBreakpoints({Breakpoint{BreakOn::SpeculativeFill, 1, std::nullopt, true}});
    REQUIRE(c->runToBreakpoint() == 0);
    u32 id = 0;
    u64 pde = 0;
    for (const Event& e : c->snapshot()->lastOpEvents)
        if (e.kind == EventKind::TlbFill && e.origin == Origin::Speculative) id = e.entryId;
    REQUIRE(id != 0);
    for (const TlbEntry& e : c->snapshot()->machine.cpu(1).tlb.entries())
        if (e.id == id) pde = e.pdeAddr;
    REQUIRE(pde != 0);
    w->inspector()->inspectTlbEntry(1, id);
    const QString t = w->inspector()->plainText();
    INFO(t.toStdString());
    CHECK(t.contains(QStringLiteral("speculation")));
    CHECK(t.contains(QStringLiteral("swapper_pg_dir")));
    CHECK(t.contains(QStringLiteral("PDE")));
    w->inspector()->inspectTableEntry(pde);
    CHECK(w->inspector()->plainText().contains(QStringLiteral("cpu1 #%1").arg(id)));
    // After the low mappings are gone (fix-flush zaps them), the same entry would be stale: here,
    // the inspector follows the snapshot when the step changes.
    QTest::keyClick(w.get(), Qt::Key_Right);
    CHECK_FALSE(w->inspector()->plainText().isEmpty());
}

TEST_CASE("plots: series per CPU, cursor on the current step, click seeks, CSV matches the plot") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 2);
    ui::PlotsDock* plots = w->plots();
    w->findChild<QDockWidget*>(QStringLiteral("plotsDock"))->raise();  // the Plots tab in front
    QApplication::processEvents();
    REQUIRE(plots->isVisible());
    plots->setKind(ui::PlotKind::Occupancy);
    plots->setCpu(1);
    CHECK(plots->plot()->graphCount() == 4);
    CHECK(plots->cursorX() == Approx(3.0));
    const QStringList lines = plots->csv().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    REQUIRE(lines.size() == static_cast<int>(w->controller()->session()->steps.size()) + 2);
    CHECK(lines[0] == QStringLiteral("step,4K global,4K non-global,2M global,2M non-global"));
    for (int g = 0; g < plots->plot()->graphCount(); ++g)
        CHECK(plots->plot()->graph(g)->name() == lines[0].split(QLatin1Char(','))[g + 1]);
    // The CSV row of step 6 (after the speculation) is cpu1's TLB at that step.
    w->controller()->seekStep(5);
    CHECK(plots->cursorX() == Approx(6.0));
    const ui::Occupancy occ = ui::occupancyOf(w->controller()->snapshot()->machine.cpu(1).tlb);
    const QStringList row = lines[7].split(QLatin1Char(','));  // header, x = 0 (set-up), 1, ..., 6
    CHECK(row[1].toUInt() == occ.k4Global);
    CHECK(row[2].toUInt() == occ.k4NonGlobal);
    CHECK(row[3].toUInt() == occ.m2Global);
    CHECK(row[4].toUInt() == occ.m2NonGlobal);
    CHECK(occ.m2Global >= 1);  // the speculated low mapping: 2 MiB and global
    // Clicking the plot at x = 2 seeks to lesson step 2 (index 1).
    plots->plot()->resize(600, 300);
    plots->plot()->replot();
    const int px = static_cast<int>(plots->plot()->xAxis->coordToPixel(2.0));
    QTest::mouseClick(plots->plot(), Qt::LeftButton, {}, QPoint(px, 150));
    CHECK(w->controller()->step() == 1);
    // Counters: cumulative, never decreasing.
    plots->setKind(ui::PlotKind::Counters);
    CHECK(plots->plot()->graphCount() == 9);
    const auto series = ui::seriesFor(*w->controller()->session(), ui::PlotKind::Counters, 1);
    for (const auto& s : series)
        for (std::size_t i = 1; i < s.y.size(); ++i) CHECK(s.y[i] >= s.y[i - 1]);
    // Exports.
    QTemporaryDir dir;
    QString err;
    CHECK(plots->exportCsv(dir.filePath(QStringLiteral("p.csv")), &err));
    CHECK(plots->exportPng(dir.filePath(QStringLiteral("p.png")), &err));
    CHECK(plots->exportPdf(dir.filePath(QStringLiteral("p.pdf")), &err));
    CHECK(QFileInfo(dir.filePath(QStringLiteral("p.png"))).size() > 1000);
    CHECK(QFile(dir.filePath(QStringLiteral("p.pdf"))).open(QIODevice::ReadOnly));
    CHECK_FALSE(plots->exportCsv(QStringLiteral("/nonexistent-dir/p.csv"), &err));
    CHECK(err.contains(QStringLiteral("/nonexistent-dir/p.csv")));
}

TEST_CASE("plots: the fix-cost comparison of lesson 5 shows fix-flush costing more misses and walks") {
    auto w = openWindow(QStringLiteral("fix-cost"));
    QSignalSpy ready(w->plots(), &ui::PlotsDock::fixCostsReady);
    w->plots()->setKind(ui::PlotKind::FixCost);
    REQUIRE(ready.wait(30000));
    const auto& costs = w->plots()->fixCosts();
    REQUIRE(costs.size() == 2);
    CHECK(costs[0].variant == "fix-flush");
    CHECK(costs[1].variant == "fix-trampoline");
    CHECK(costs[0].contextSwitches > 0);
    CHECK(costs[0].contextSwitches == costs[1].contextSwitches);  // the same workload
    CHECK(costs[0].missesPerSwitch() > costs[1].missesPerSwitch());
    CHECK(costs[0].walksPerSwitch() > costs[1].walksPerSwitch());
    CHECK(w->plots()->csv().startsWith(QStringLiteral("variant,context_switches,misses,walks")));
}

TEST_CASE("compare mode plays another variant beside and steps with the main view") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 1);
    auto* other = w->compare()->controller();
    QSignalSpy loaded(other, &ui::SessionController::loaded);
    w->setCompare(true);
    REQUIRE(loaded.wait(20000));
    CHECK(other->session()->variant != w->controller()->session()->variant);
    CHECK(other->step() == 1);
    QTest::keyClick(w.get(), Qt::Key_Right);
    CHECK(other->step() == 2);
    QTest::keyClick(w.get(), Qt::Key_Left);
    CHECK(other->step() == 1);
}

TEST_CASE("layout, theme, zoom and recent lessons persist") {
    {
        auto w = openWindow(QStringLiteral("lazy-tlb"));
        w->setThemeChoice(ui::ThemeChoice::Dark);
        w->setZoom(1.3);
        w->close();
    }
    auto w = openWindow(QStringLiteral("erratum-383"));
    CHECK(w->themeChoice() == ui::ThemeChoice::Dark);
    CHECK(w->zoom() == Approx(1.3));
    w->setThemeChoice(ui::ThemeChoice::System);
    w->setZoom(1.0);
    w->close();
    CHECK(QSettings().value(QStringLiteral("recentLessons")).toStringList().mid(0, 2) ==
          QStringList({QStringLiteral("erratum-383"), QStringLiteral("lazy-tlb")}));
}

TEST_CASE("File > Export writes the current lesson step through the export dialog") {
    auto w = openWindow(QStringLiteral("erratum-383"), QStringLiteral("buggy"), 5);
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString out = dir.filePath(QStringLiteral("step.svg"));
    bool sawDialog = false;
    // The dialog is modal: fill it in and accept it once it is up.
    QTimer::singleShot(100, [&] {
        auto* d = qobject_cast<QDialog*>(QApplication::activeModalWidget());
        if (!d) return;
        sawDialog = true;
        auto* format = d->findChild<QComboBox*>(QStringLiteral("exportFormat"));
        if (format) format->setCurrentIndex(format->findData(QStringLiteral("svg")));
        auto* path = d->findChild<QLineEdit*>(QStringLiteral("exportPath"));
        if (path) path->setText(out);
        d->accept();
    });
    w->action(QStringLiteral("export"))->trigger();
    CHECK(sawDialog);
    REQUIRE(QFile::exists(out));
    QFile f(out);
    REQUIRE(f.open(QIODevice::ReadOnly));
    const QByteArray svg = f.readAll();
    CHECK(svg.contains("swapper_pg_dir"));
    CHECK(svg.contains("<svg"));
}

TEST_CASE("the Explore dock searches the loaded lesson and finds the machine check under buggy") {
    auto w = openWindow(QStringLiteral("erratum-383"), QStringLiteral("buggy"));
    auto* panel = w->explorePanel();
    REQUIRE(panel != nullptr);
    QSignalSpy done(panel, &ui::ExplorePanel::finished);
    panel->run(QStringLiteral("buggy"));
    REQUIRE(done.wait(20000));
    CHECK(done.front().at(0).toBool());  // found
    REQUIRE(w->stressPanel() != nullptr);
}

// ---- window: presentation, geometry, stepping (issue 11), presentation crash (issue 15) -------

namespace {
struct DockLook {
    bool open, visible, floating;
    QRect geometry;
};
std::string rectText(const QRect& r) {
    return std::to_string(r.x()) + "," + std::to_string(r.y()) + " " + std::to_string(r.width()) + "x" + std::to_string(r.height());
}
std::map<QString, DockLook> dockLooks(ui::MainWindow& w) {
    std::map<QString, DockLook> out;
    for (QDockWidget* d : w.findChildren<QDockWidget*>())
        out[d->objectName()] = {d->toggleViewAction()->isChecked(), d->isVisible() && w.rect().intersects(d->geometry()),
                                d->isFloating(), d->geometry()};
    return out;
}
}  // namespace

TEST_CASE("presentation mode: canvas at least 70 % of the screen, a caption column, clicker keys, Esc restores") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 2);
    w->showMaximized();
    QTest::qWait(200);  // the default layout settles
    REQUIRE(w->isMaximized());
    const QRect before = w->geometry();
    const auto looks = dockLooks(*w);
    QTest::keyClick(w.get(), Qt::Key_F11);
    QTest::qWait(50);
    REQUIRE(w->isPresentation());
    for (QDockWidget* d : w->findChildren<QDockWidget*>()) CHECK_FALSE(d->isVisible());  // no dock chrome
    CHECK_FALSE(w->menuBar()->isVisible());
    CHECK_FALSE(w->statusBar()->isVisible());
    const QSize screen = w->size();
    const QSize canvas = w->canvas()->size();
    CHECK(double(canvas.width()) * canvas.height() >= 0.70 * screen.width() * screen.height());
    // The caption: the step's narration in a column, at presentation size.
    REQUIRE(w->caption()->isVisible());
    CHECK(w->caption()->plainText().contains(QStringLiteral("Step 3/")));
    CHECK(w->caption()->font().pixelSize() >= std::max(16, screen.height() / 45));
    CHECK(w->caption()->width() < screen.width() * 30 / 100 + 2);
    // Clicker keys: PageDown/PageUp and Right/Left step; the caption follows.
    QTest::keyClick(w.get(), Qt::Key_PageDown);
    CHECK(w->controller()->step() == 3);
    CHECK(w->caption()->plainText().contains(QStringLiteral("Step 4/")));
    QTest::keyClick(w.get(), Qt::Key_PageUp);
    QTest::keyClick(w.get(), Qt::Key_Left);
    CHECK(w->controller()->step() == 1);
    QTest::keyClick(w.get(), Qt::Key_Right);
    CHECK(w->controller()->step() == 2);
    // B and period blank the screen and bring it back; stepping is unchanged.
    QTest::keyClick(w.get(), Qt::Key_B);
    CHECK(w->isBlanked());
    QTest::keyClick(w.get(), Qt::Key_Period);
    CHECK_FALSE(w->isBlanked());
    CHECK(w->controller()->step() == 2);
    // Esc: exactly the window it was, maximised, same geometry and docks.
    QTest::keyClick(w.get(), Qt::Key_B);
    QTest::keyClick(w.get(), Qt::Key_Escape);
    QTest::qWait(50);
    CHECK_FALSE(w->isPresentation());
    CHECK_FALSE(w->isBlanked());
    CHECK(w->isMaximized());
    CHECK(w->geometry() == before);
    CHECK_FALSE(w->caption()->isVisible());
    CHECK(w->menuBar()->isVisible());
    CHECK(w->statusBar()->isVisible());
    const auto after = dockLooks(*w);
    for (const auto& [name, look] : looks) {
        INFO(name.toStdString());
        CHECK(after.at(name).open == look.open);
        CHECK(after.at(name).visible == look.visible);
        INFO(rectText(after.at(name).geometry) + " was " + rectText(look.geometry));
        if (look.visible) {  // a tab behind another has no place
            CHECK(after.at(name).geometry.x() == look.geometry.x());
            CHECK(after.at(name).geometry.width() == look.geometry.width());
            // The separator between narration and the tabs below may move a little (offscreen: 32 px).
            CHECK(std::abs(after.at(name).geometry.y() - look.geometry.y()) <= 40);
            CHECK(std::abs(after.at(name).geometry.height() - look.geometry.height()) <= 40);
        }
    }
    // Outside presentation mode B is no shortcut.
    QTest::keyClick(w.get(), Qt::Key_B);
    CHECK_FALSE(w->isBlanked());
}

TEST_CASE("presentation mode from a normal window comes back to the same geometry") {
    auto w = openWindow(QStringLiteral("pae-translation"), {}, 1);
    w->showNormal();
    w->setGeometry(60, 70, 1100, 650);
    QTest::qWait(20);
    const QRect before = w->geometry();
    w->setPresentation(true);
    QTest::qWait(20);
    w->setPresentation(false);
    QTest::qWait(20);
    CHECK_FALSE(w->isMaximized());
    CHECK_FALSE(w->isFullScreen());
    INFO(rectText(w->geometry()) + " was " + rectText(before));
    CHECK(w->geometry() == before);
}

// The monkey's crash (seeds 4242 and 77): leaving presentation mode after the docks changed in it
// (floated, docked, closed, shown from the View menu, a dock added, compare mode on)
// restored a QMainWindow state saved for the old set of docks. The same changes, in a fixed order,
// many times over: the window survives and comes back with its own docks.
TEST_CASE("leaving presentation mode after the docks changed meanwhile never crashes") {
    auto w = openWindow(QStringLiteral("erratum-383"), {}, 1);
    std::mt19937 rng(4242);
    auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    for (int round = 0; round < 60; ++round) {
        w->setPresentation(true);
        QList<QDockWidget*> docks = w->findChildren<QDockWidget*>();
        for (int k = 0; k < 4; ++k) {
            QDockWidget* d = docks[pick(static_cast<int>(docks.size()))];
            switch (pick(7)) {
            case 0: d->toggleViewAction()->trigger(); break;  // View menu
            case 1: d->show(); d->setFloating(!d->isFloating()); break;
            case 2: d->close(); break;
            case 3: d->setFloating(false); d->show(); break;  // docked again (a double click on its title)
            case 4: w->setCompare(!w->compare()->isActive()); break;
            case 5: {  // a dock added while presenting (as compare mode may do)
                auto* extra = new QDockWidget(QStringLiteral("extra %1").arg(round), w.get());
                extra->setObjectName(QStringLiteral("extraDock%1").arg(round));
                w->addDockWidget(Qt::LeftDockWidgetArea, extra);
                break;
            }
            default: d->toggleViewAction()->trigger(); d->toggleViewAction()->trigger(); break;  // closed and reopened
            }
        }
        QApplication::setActiveWindow(w.get());  // not a floating dock
        if (pick(2)) QTest::keyClick(w.get(), Qt::Key_Escape);
        else QTest::keyClick(w.get(), Qt::Key_F11);
        REQUIRE_FALSE(w->isPresentation());
        QApplication::processEvents();
    }
    // Still a working window: a step forward shows the next step.
    const int s = w->controller()->step();
    QTest::keyClick(w.get(), Qt::Key_Right);
    CHECK(w->controller()->step() == s + 1);
    // Closing while presenting saves the window's own layout, not presentation mode's.
    w->setPresentation(true);
    w->close();
    auto again = openWindow(QStringLiteral("erratum-383"));
    CHECK(again->findChild<QDockWidget*>(QStringLiteral("timelineDock"))->toggleViewAction()->isChecked());
    CHECK(again->menuBar()->isVisible());
}

// The monkey's crash (issue 15), as a fixed sequence rather than a random one: enter presentation
// mode, float one dock, close another, tab a third onto a fourth, turn compare mode on and add a
// dock of its own, leave presentation mode; then the same again in a window that starts from the
// settings the first one saved (the monkey's crashes needed a previous run's layout). Each time the
// window comes back exactly as it was: geometry, every dock's visibility, floating, area and tab
// group. Before the fix (QMainWindow::restoreState of a state saved on entering) the second
// round crashed inside restoreState.
namespace {
struct DockPlace {
    bool open = false, front = false, floating = false;
    Qt::DockWidgetArea area = Qt::NoDockWidgetArea;
    QStringList tabs;  // the others of its tab group, by name, sorted
    QRect geometry;
};
std::map<QString, DockPlace> dockPlaces(ui::MainWindow& w) {
    std::map<QString, DockPlace> out;
    for (QDockWidget* d : w.findChildren<QDockWidget*>()) {
        DockPlace p;
        p.open = d->toggleViewAction()->isChecked();
        p.front = d->isVisible() && (d->isFloating() || w.rect().intersects(d->geometry()));
        p.floating = d->isFloating();
        p.area = w.dockWidgetArea(d);
        for (QDockWidget* t : w.tabifiedDockWidgets(d)) p.tabs << t->objectName();
        p.tabs.sort();
        p.geometry = d->geometry();
        out[d->objectName()] = p;
    }
    return out;
}
QDockWidget* dockNamed(ui::MainWindow& w, const char* name) {
    QDockWidget* d = w.findChild<QDockWidget*>(QLatin1String(name));
    REQUIRE(d);
    return d;
}
// What the monkey did while presenting, in a fixed order.
void changeDocksWhilePresenting(ui::MainWindow& w, int round) {
    QDockWidget* inspector = dockNamed(w, "inspectorDock");
    inspector->show();
    inspector->setFloating(true);                                          // floated
    dockNamed(w, "timelineDock")->close();                                 // closed
    w.tabifyDockWidget(dockNamed(w, "narrationDock"), dockNamed(w, "exploreDock"));  // tabbed elsewhere
    dockNamed(w, "changesDock")->toggleViewAction()->trigger();            // closed from the View menu
    w.setCompare(true);                                                    // compare mode, with a dock of its own
    auto* extra = new QDockWidget(QStringLiteral("Compare notes %1").arg(round), &w);
    extra->setObjectName(QStringLiteral("compareNotesDock%1").arg(round));
    w.addDockWidget(Qt::LeftDockWidgetArea, extra);
    QApplication::processEvents();
}
void checkSamePlaces(const std::map<QString, DockPlace>& before, const std::map<QString, DockPlace>& after) {
    for (const auto& [name, was] : before) {
        INFO("dock " << name.toStdString());
        REQUIRE(after.count(name) == 1);
        const DockPlace& now = after.at(name);
        CHECK(now.open == was.open);
        CHECK(now.front == was.front);
        CHECK(now.floating == was.floating);
        CHECK(now.area == was.area);
        INFO("tabbed with " << now.tabs.join(QLatin1Char(',')).toStdString() << ", was "
                            << was.tabs.join(QLatin1Char(',')).toStdString());
        CHECK(now.tabs == was.tabs);
        if (was.front && !was.floating) {
            INFO(rectText(now.geometry) + " was " + rectText(was.geometry));
            CHECK(std::abs(now.geometry.x() - was.geometry.x()) <= 40);
            CHECK(std::abs(now.geometry.width() - was.geometry.width()) <= 40);
        }
    }
}
}  // namespace

TEST_CASE("presentation mode: docks floated, closed, tabbed or added meanwhile come back as they were, twice") {
    tlblab::test::app();
    QSettings().clear();  // a first start, then a second one from what it saved
    for (int round = 0; round < 2; ++round) {
        INFO("round " << round << (round ? " (settings saved by the first window)" : " (first start)"));
        auto w = openWindow(QStringLiteral("erratum-383"), {}, 2);
        if (round == 0) w->setGeometry(40, 50, 1300, 820);
        QTest::qWait(100);  // the default (or restored) layout settles
        const QRect geometry = w->geometry();
        const auto before = dockPlaces(*w);
        REQUIRE(before.at(QStringLiteral("inspectorDock")).tabs.contains(QStringLiteral("changesDock")));
        REQUIRE(before.at(QStringLiteral("exploreDock")).area == Qt::RightDockWidgetArea);
        for (int again = 0; again < 2; ++again) {  // twice in the same window: the record is taken anew
            QTest::keyClick(w.get(), Qt::Key_F11);
            REQUIRE(w->isPresentation());
            changeDocksWhilePresenting(*w, round * 2 + again);
            QApplication::setActiveWindow(w.get());  // not the floating dock
            QTest::keyClick(w.get(), again ? Qt::Key_F11 : Qt::Key_Escape);
            QTest::qWait(50);
            REQUIRE_FALSE(w->isPresentation());
            CHECK_FALSE(w->isFullScreen());
            INFO(rectText(w->geometry()) + " was " + rectText(geometry));
            CHECK(w->geometry() == geometry);
            checkSamePlaces(before, dockPlaces(*w));
            CHECK(w->menuBar()->isVisible());
            CHECK(w->statusBar()->isVisible());
            w->setCompare(false);
        }
        // Still a working window.
        const int s = w->controller()->step();
        QTest::keyClick(w.get(), Qt::Key_Right);
        CHECK(w->controller()->step() == s + 1);
        w->close();  // saves the layout the next round starts from
    }
}

TEST_CASE("first start: the window fits the screen; maximised, the timeline and status bar stay visible") {
    tlblab::test::app();
    QSettings().clear();
    ui::MainWindow w;
    const QRect avail = w.screen()->availableGeometry();
    CHECK(w.width() <= avail.width());
    CHECK(w.height() <= avail.height());
    CHECK(avail.contains(w.geometry()));
    // Whatever the docks hold, the window can be as small as a 1280x720 screen (less a panel).
    CHECK(w.minimumSizeHint().width() <= 1280);
    CHECK(w.minimumSizeHint().height() <= 720 - 48);
    w.show();
    w.showMaximized();
    QTest::qWait(50);
    auto* tl = w.findChild<QDockWidget*>(QStringLiteral("timelineDock"));
    REQUIRE(tl->isVisible());
    CHECK(w.rect().contains(tl->geometry()));
    CHECK(tl->geometry().bottom() <= w.statusBar()->geometry().top());
    CHECK(w.rect().contains(w.statusBar()->geometry()));
    CHECK(w.height() <= avail.height());
}

TEST_CASE("Next on the last step does nothing") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    auto* c = w->controller();
    const int last = static_cast<int>(c->session()->steps.size()) - 1;
    QTest::keyClick(w.get(), Qt::Key_End);
    REQUIRE(c->step() == last);
    const std::size_t pos = c->position();
    for (int i = 0; i < 3; ++i) {
        QTest::keyClick(w.get(), Qt::Key_Right);
        CHECK(c->step() == last);
        CHECK(c->position() == pos);
        QTest::keyClick(w.get(), Qt::Key_PageDown);
        CHECK(c->step() == last);
    }
    CHECK(c->atEnd());
    // Stepping to it one step at a time ends there too.
    QTest::keyClick(w.get(), Qt::Key_Home);
    for (int i = 0; i <= last + 3; ++i) QTest::keyClick(w.get(), Qt::Key_Right);
    CHECK(c->step() == last);
}

TEST_CASE("canvas text: readable down to 7 px at the desk, 12 px (else a bar) in presentation mode") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    ui::MachineCanvas* canvas = w->findChild<ui::MachineCanvas*>();
    REQUIRE(canvas);
    CHECK(canvas->minTextPx() == 7.0);
    w->setPresentation(true);
    CHECK(canvas->minTextPx() == 12.0);
    w->setPresentation(false);
    CHECK(canvas->minTextPx() == 7.0);
}

TEST_CASE("no button or checkbox of the window or its docks takes a menu bar's Alt+letter") {
    auto w = openWindow(QStringLiteral("erratum-383"));
    std::map<QKeySequence, QString> menus;
    for (QAction* a : w->menuBar()->actions())
        if (const QKeySequence k = QKeySequence::mnemonic(a->text()); !k.isEmpty()) menus[k] = a->text();
    REQUIRE(menus.size() >= 4);  // File, Go, View, Help
    int mnemonics = 0;
    for (QAbstractButton* b : w->findChildren<QAbstractButton*>()) {
        const QKeySequence k = QKeySequence::mnemonic(b->text());
        if (k.isEmpty()) continue;
        ++mnemonics;
        INFO(b->text().toStdString() << " has " << k.toString().toStdString());
        CHECK(menus.count(k) == 0);
    }
    CHECK(mnemonics >= 3);  // Explore, Fine-grained kernel steps, Check, ...
}
