// tlblab: the desktop app. Parses the command line and wires the window; no logic here.
#include "MainWindow.hpp"
#include "MachineCanvas.hpp"

#include "bench.hpp"
#include "tlblab/version.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QSaveFile>
#include <QScreen>
#include <QSettings>
#include <QStyleFactory>
#include <QTimer>

#include <cstdio>
#include <utility>

using tlblab::ui::MainWindow;

namespace {

// Saves a picture of the window once it shows the loaded lesson at its step, then quits.
void screenshotWhenReady(MainWindow& w, const QString& file) {
    auto done = std::make_shared<bool>(false);
    QObject::connect(w.controller(), &tlblab::ui::SessionController::loaded, &w, [&w, file, done] {
        if (*done) return;
        *done = true;
        // Let the docks lay out and the canvas fit, then paint the final frame without animation.
        QTimer::singleShot(100, &w, [&w, file] {
            w.canvas()->finishAnimation();
            w.canvas()->fitToView();
            QApplication::processEvents();
            const QPixmap pix = w.grab();
            QSaveFile f(file);
            if (!f.open(QIODevice::WriteOnly) || !pix.save(&f, "PNG") || !f.commit()) {
                std::fprintf(stderr, "%s: error: cannot write the screenshot: %s\n", qPrintable(file),
                             qPrintable(f.errorString()));
                QApplication::exit(2);
                return;
            }
            QApplication::exit(0);
        });
    });
    QObject::connect(w.controller(), &tlblab::ui::SessionController::loadFailed, &w, [](const QString& msg) {
        std::fprintf(stderr, "%s\n", qPrintable(msg));
        QApplication::exit(2);
    });
}

// --screenshot-canvas / --scene-report: once the lesson is at its step and the window laid out,
// the canvas alone as on screen (the step's animation finished, the camera on its subject) and
// what it drew, in widget pixels. Then quits.
// With --screenshot as well, the window picture is saved at the same moment.
void canvasOutputsWhenReady(MainWindow& w, const QString& png, const QString& report, const QString& windowPng) {
    auto done = std::make_shared<bool>(false);
    QObject::connect(w.controller(), &tlblab::ui::SessionController::loaded, &w, [&w, png, report, windowPng, done] {
        if (*done) return;
        *done = true;
        QTimer::singleShot(150, &w, [&w, png, report, windowPng] {
            QApplication::processEvents();
            tlblab::ui::MachineCanvas* c = w.canvas();
            c->finishAnimation();
            QApplication::processEvents();
            auto fail = [](const QString& file, const QString& why) {
                std::fprintf(stderr, "%s: error: cannot write: %s\n", qPrintable(file), qPrintable(why));
                QApplication::exit(2);
            };
            for (const auto& [file, widget] : {std::pair<QString, QWidget*>{png, c}, {windowPng, &w}}) {
                if (file.isEmpty()) continue;
                const QPixmap pix = widget->grab();
                QSaveFile f(file);
                if (!f.open(QIODevice::WriteOnly) || !pix.save(&f, "PNG") || !f.commit()) return fail(file, f.errorString());
            }
            if (!report.isEmpty()) {
                QSaveFile f(report);
                const QByteArray json = QJsonDocument(c->sceneReport()).toJson(QJsonDocument::Indented);
                if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size() || !f.commit())
                    return fail(report, f.errorString());
            }
            QApplication::exit(0);
        });
    });
    QObject::connect(w.controller(), &tlblab::ui::SessionController::loadFailed, &w, [](const QString& msg) {
        std::fprintf(stderr, "%s\n", qPrintable(msg));
        QApplication::exit(2);
    });
}

}  // namespace

int main(int argc, char** argv) {
    QElapsedTimer sinceStart;
    sinceStart.start();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("TLB Lab"));
    QApplication::setApplicationName(QStringLiteral("tlblab"));
    QApplication::setApplicationVersion(QString::fromLatin1(tlblab::kVersion));
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));

    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("TLB Lab: a visual debugger of x86 PAE paging, TLBs and AMD Erratum 383"));
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument(QStringLiteral("LESSON"), QStringLiteral("bundled lesson id, lesson file or op script (*.tlb)"),
                            QStringLiteral("[LESSON]"));
    const QCommandLineOption variant(QStringLiteral("variant"), QStringLiteral("lesson variant to play"), QStringLiteral("V"));
    const QCommandLineOption step(QStringLiteral("step"), QStringLiteral("lesson step to show (1-based; 0 = set-up)"),
                                  QStringLiteral("N"));
    const QCommandLineOption present(QStringLiteral("present"), QStringLiteral("start in presentation mode"));
    const QCommandLineOption shot(QStringLiteral("screenshot"),
                                  QStringLiteral("render the window after loading and positioning to FILE.png, then exit"),
                                  QStringLiteral("FILE.png"));
    const QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("system, light or dark (default: as saved)"),
                                   QStringLiteral("T"));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("window size for --screenshot; 'screen': as on first start, fitted to the screen"),
                                  QStringLiteral("WxH"), QStringLiteral("1600x1000"));
    const QCommandLineOption bench(QStringLiteral("bench"),
                                   QStringLiteral("measure step-to-painted-frame and start-up times, print them, exit"));
    const QCommandLineOption canvasShot(
        QStringLiteral("screenshot-canvas"),
        QStringLiteral("render the machine canvas alone, as on screen after the step's animation, to FILE.png, then exit"),
        QStringLiteral("FILE.png"));
    const QCommandLineOption sceneReport(
        QStringLiteral("scene-report"),
        QStringLiteral("write what the canvas drew (items in screen pixels, font sizes, subject) to FILE.json, then exit"),
        QStringLiteral("FILE.json"));
    p.addOptions({variant, step, present, shot, theme, size, bench, canvasShot, sceneReport});
    p.process(app);

    if (p.isSet(bench)) return tlblab::gui::runBench(sinceStart);

    bool ok = true;
    int stepIndex = -1;
    if (p.isSet(step)) {
        stepIndex = p.value(step).toInt(&ok) - 1;
        if (!ok || stepIndex < -1) {
            std::fprintf(stderr, "tlblab: error: --step needs a number >= 0, not '%s'\n", qPrintable(p.value(step)));
            return 2;
        }
    }
    const bool canvasOutputs = p.isSet(canvasShot) || p.isSet(sceneReport);
    const bool screenshot = p.isSet(shot) || canvasOutputs;
    if (screenshot) {
        // Reproducible pictures: no saved layout, theme or zoom.
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, QStringLiteral("/nonexistent-tlblab-settings"));
    }

    MainWindow w;
    if (p.isSet(theme)) w.setThemeChoice(tlblab::ui::parseThemeChoice(p.value(theme)));
    if (screenshot) {
        const QStringList wh = p.value(size).split(QLatin1Char('x'));
        // Presentation without an explicit --size: the screen's own size (full screen).
        // --size screen: the geometry a first start gives on this screen.
        if ((!p.isSet(present) || p.isSet(size)) && p.value(size) != QStringLiteral("screen")) w.resize(wh.value(0).toInt() > 0 ? wh.value(0).toInt() : 1600, wh.value(1).toInt() > 0 ? wh.value(1).toInt() : 1000);
        if (canvasOutputs) canvasOutputsWhenReady(w, p.value(canvasShot), p.value(sceneReport), p.value(shot));
        else screenshotWhenReady(w, p.value(shot));
    }
    if (p.isSet(present)) {
        w.setPresentation(true);
        // Without a window manager (a bare X server for screenshots, a kiosk) full screen is only
        // a hint nobody acts on: the window covers the screen itself.
        if (screenshot && !p.isSet(size) && w.screen()) w.setGeometry(w.screen()->geometry());
    } else {
        w.show();
    }

    QString lesson = p.positionalArguments().value(0);
    if (lesson.isEmpty()) {
        const QStringList recent = QSettings().value(QStringLiteral("recentLessons")).toStringList();
        lesson = recent.isEmpty() ? QStringLiteral("erratum-383") : recent.front();
    }
    w.openLesson(lesson, p.value(variant), stepIndex);
    return app.exec();
}
