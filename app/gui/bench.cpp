// SPDX-License-Identifier: GPL-3.0-or-later
#include "bench.hpp"

#include "MachineCanvas.hpp"
#include "MainWindow.hpp"
#include "ChangesList.hpp"
#include "NarrationPanel.hpp"
#include "PlotsDock.hpp"
#include "SnapshotScene.hpp"
#include "SwimlaneTimeline.hpp"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace tlblab::gui {

namespace {

// A workload on `cpus` CPUs: each CPU runs its own task, touches its pages, goes idle; some
// speculation and a global flush, so TLBs fill and the timeline has every kind of event.
std::string workload(int cpus, int rounds) {
    std::string s = "cpus " + std::to_string(cpus) + "\nkernel_boot\n";
    for (int c = 0; c < cpus; ++c) {
        s += "task t" + std::to_string(c) + "\n";
        s += "map \"t" + std::to_string(c) + " pgd\" 0x08048000 0x" + std::to_string(2000 + c) + "000 32K 4K user rw\n";
    }
    for (int r = 0; r < rounds; ++r)
        for (int c = 0; c < cpus; ++c) {
            const std::string cpu = "cpu" + std::to_string(c);
            const std::string page = "0x0804" + std::to_string(8 + (r % 8)) + "000";
            s += cpu + " schedule t" + std::to_string(c) + "\n";
            s += cpu + " access " + page + " read user\n";
            s += cpu + " schedule idle\n";
        }
    return s;
}

struct Figures {
    double median = 0, p95 = 0;
    std::size_t samples = 0;
};

Figures summarize(std::vector<double> ms) {
    Figures f;
    f.samples = ms.size();
    if (ms.empty()) return f;
    std::sort(ms.begin(), ms.end());
    f.median = ms[ms.size() / 2];
    f.p95 = ms[std::min(ms.size() - 1, static_cast<std::size_t>(static_cast<double>(ms.size()) * 0.95))];
    return f;
}

// Paints every widget that the step made dirty, now (what the event loop would do next).
void paintNow(QWidget& w) {
    QCoreApplication::sendPostedEvents(&w, QEvent::UpdateRequest);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::UpdateRequest);
}

}  // namespace

int runBench(const QElapsedTimer& sinceStart) {
    ui::MainWindow w;
    w.resize(1600, 1000);
    w.show();

    // Start-up to first painted frame: process start -> lesson loaded -> window painted.
    double firstFrameMs = -1;
    {
        QEventLoop loop;
        QObject::connect(&w, &ui::MainWindow::snapshotShown, &loop, [&] {
            if (firstFrameMs >= 0) return;
            w.repaint();
            firstFrameMs = static_cast<double>(sinceStart.nsecsElapsed()) / 1e6;
            loop.quit();
        });
        QObject::connect(w.controller(), &ui::SessionController::loadFailed, &loop, [&](const QString& m) {
            std::fprintf(stderr, "%s\n", qPrintable(m));
            loop.quit();
        });
        w.openLesson(QStringLiteral("erratum-383"));
        QTimer::singleShot(20000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    std::printf("start-up to first painted frame: %.1f ms (target < 500 ms)\n", firstFrameMs);

    // Step to painted frame: one op forward, then every widget the step changed painted at once
    // (canvas, narration, changes, timeline, status). No animation: the frame is the final one.
    int status = firstFrameMs >= 0 ? 0 : 1;
    for (int cpus : {2, 8, 64}) {
        const int rounds = std::max(2, 240 / (3 * cpus));
        ui::LoadedSession s = ui::loadScriptText(workload(cpus, rounds), "bench-" + std::to_string(cpus) + "cpus");
        w.canvas()->setAnimationSpeed(0);
        w.controller()->setSession(std::move(s), -1);
        w.repaint();
        std::vector<double> ms;
        QElapsedTimer t;
        while (!w.controller()->atEnd()) {
            t.start();
            w.controller()->opForward();
            paintNow(w);
            ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
            QApplication::processEvents();
        }
        // And back: stepping backwards replays from a keyframe.
        for (int i = 0; i < 60 && w.controller()->position() > 0; ++i) {
            t.start();
            w.controller()->opBack();
            paintNow(w);
            ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
            QApplication::processEvents();
        }
        // Where the time goes, on the last snapshot (means over 20 runs).
        {
            const auto snap = w.controller()->snapshot();
            auto mean = [&](auto fn) {
                QElapsedTimer tt;
                tt.start();
                for (int i = 0; i < 20; ++i) fn();
                return static_cast<double>(tt.nsecsElapsed()) / 1e6 / 20;
            };
            ui::SessionController probe;
            probe.setSession(ui::loadScriptText(workload(cpus, rounds), "probe"), -1);
            const double tSnap = mean([&] { probe.opForward(); probe.opBack(); }) / 2;
            Scene scene;
            const double tScene = mean([&] { scene = ui::sceneFor(*snap); });
            const double tCanvas = mean([&] { w.canvas()->setScene(scene, false); w.canvas()->repaint(); });
            const double tNarr = mean([&] { w.narration()->showSnapshot(snap); });
            const double tChanges = mean([&] { w.changes()->showSnapshot(snap); });
            const double tLane = mean([&] { w.timeline()->showSnapshot(snap); w.timeline()->repaint(); });
            const double tPlots = mean([&] { w.plots()->showSnapshot(snap); });
            std::printf("   breakdown: snapshot %.2f, scene %.2f (%zu items), canvas paint %.2f, narration %.2f, changes %.2f, "
                        "timeline %.2f, plots %.2f ms\n",
                        tSnap, tScene, scene.items.size(), tCanvas, tNarr, tChanges, tLane, tPlots);
        }
        const Figures f = summarize(ms);
        const double target = cpus <= 8 ? 8.0 : 16.0;
        std::printf("%2d CPUs: step to painted frame median %.2f ms, p95 %.2f ms over %zu steps%s\n", cpus, f.median, f.p95,
                    f.samples, cpus == 2 ? "" : (f.p95 < target ? " (target met)" : " (target MISSED)"));
    }
    std::fflush(stdout);
    return status;
}

}  // namespace tlblab::gui
