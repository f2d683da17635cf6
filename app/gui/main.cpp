// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab: the desktop app. Parses the command line and wires the window; no logic here.
#include "MainWindow.hpp"
#include "DesktopIntegration.hpp"
#include "MachineCanvas.hpp"

#include "bench.hpp"
#include "tlblab/version.hpp"

#include <QApplication>
#include <QIcon>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <QScreen>
#include <QSettings>
#include <QStyleFactory>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <utility>

using tlblab::ui::MainWindow;

namespace {

constexpr const char* kAppId = "io.github.tlblab.tlblab";

void setIdentity() {
    QCoreApplication::setOrganizationName(QStringLiteral("TLB Lab"));
    QCoreApplication::setApplicationName(QStringLiteral("tlblab"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(tlblab::kVersion));
}

// --help and --version print and exit without a display: they must not need a platform plugin.
bool onlyPrints(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        for (const char* o : {"-h", "-?", "--help", "--help-all", "-v", "--version"})
            if (std::strcmp(argv[i], o) == 0) return true;
    return false;
}

struct Options {
    QCommandLineOption variant{QStringLiteral("variant"), QStringLiteral("lesson variant to play"), QStringLiteral("V")};
    QCommandLineOption step{QStringLiteral("step"), QStringLiteral("lesson step to show (1-based; 0 = set-up)"),
                            QStringLiteral("N")};
    QCommandLineOption present{QStringLiteral("present"), QStringLiteral("start in presentation mode")};
    QCommandLineOption shot{QStringLiteral("screenshot"),
                            QStringLiteral("render the window after loading and positioning to FILE.png, then exit"),
                            QStringLiteral("FILE.png")};
    QCommandLineOption theme{QStringLiteral("theme"), QStringLiteral("system, light or dark (default: as saved)"),
                             QStringLiteral("T")};
    QCommandLineOption size{QStringLiteral("size"),
                            QStringLiteral("window size for --screenshot; 'screen': as on first start, fitted to the screen"),
                            QStringLiteral("WxH"), QStringLiteral("1600x1000")};
    QCommandLineOption bench{QStringLiteral("bench"),
                             QStringLiteral("measure step-to-painted-frame and start-up times, print them, exit")};
    QCommandLineOption fresh{QStringLiteral("fresh"),
                             QStringLiteral("start fresh: do not reopen the lesson, variant and step of the last session")};

    QCommandLineOption canvasShot{
        QStringLiteral("screenshot-canvas"),
        QStringLiteral("render the machine canvas alone, as on screen after the step's animation, to FILE.png, then exit"),
        QStringLiteral("FILE.png")};
    QCommandLineOption sceneReport{
        QStringLiteral("scene-report"),
        QStringLiteral("write what the canvas drew (items in screen pixels, font sizes, subject) to FILE.json, then exit"),
        QStringLiteral("FILE.json")};

    void addTo(QCommandLineParser& p) const {
        p.setApplicationDescription(QStringLiteral(
            "TLB Lab: a visual debugger of x86 PAE paging, TLBs and AMD Erratum 383.\n"
            "Without LESSON it reopens the last session's lesson, variant and step (unless --fresh or the\n"
            "setting File > Restore the last session at start is off), else erratum-383.\n\n"
            "Exit status: 0 success; 1 a bad option on the command line; 2 bad input (a lesson that does\n"
            "not load, a bad --step, an unwritable --screenshot file)."));
        p.addHelpOption();
        p.addVersionOption();
        p.addPositionalArgument(QStringLiteral("LESSON"),
                                QStringLiteral("bundled lesson id, lesson file or op script (*.tlb)"),
                                QStringLiteral("[LESSON]"));
        p.addOptions({variant, step, present, shot, theme, size, bench, fresh, canvasShot, sceneReport});
    }
};


// --screenshot, --screenshot-canvas, --scene-report: once the lesson is at its step and the window
// laid out, the window, the canvas alone as on screen (the step's animation finished, the camera on
// its subject) and what it drew, in widget pixels, all of the same moment. Then quits. (The window
// picture once had a path of its own that fitted the whole machine first: at 1280x720 in
// presentation mode it showed every label as a bar while the canvas picture showed them as text.)
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
    const Options o;
    if (onlyPrints(argc, argv)) {
        QCoreApplication core(argc, argv);
        setIdentity();
        QCommandLineParser p;
        o.addTo(p);
        p.process(core);  // prints and exits
        return 0;
    }
    QApplication app(argc, argv);
    setIdentity();
    QGuiApplication::setDesktopFileName(QString::fromLatin1(kAppId));
    QApplication::setWindowIcon(QIcon::fromTheme(QString::fromLatin1(kAppId),
                                                 QIcon(QStringLiteral(":/icons/io.github.tlblab.tlblab.svg"))));
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));

    QCommandLineParser p;
    o.addTo(p);
    p.process(app);

    if (p.isSet(o.bench)) return tlblab::gui::runBench(sinceStart);

    bool ok = true;
    int stepIndex = -1;
    if (p.isSet(o.step)) {
        stepIndex = p.value(o.step).toInt(&ok) - 1;
        if (!ok || stepIndex < -1) {
            std::fprintf(stderr, "tlblab: error: --step needs a number >= 0, not '%s'\n", qPrintable(p.value(o.step)));
            return 2;
        }
    }
    const bool canvasOutputs = p.isSet(o.canvasShot) || p.isSet(o.sceneReport);
    const bool screenshot = p.isSet(o.shot) || canvasOutputs;
    if (screenshot) {
        // Reproducible pictures: no saved layout, theme, zoom or session.
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, QStringLiteral("/nonexistent-tlblab-settings"));
    }

    MainWindow w;
    if (p.isSet(o.theme)) w.setThemeChoice(tlblab::ui::parseThemeChoice(p.value(o.theme)));
    if (screenshot) {
        const QStringList wh = p.value(o.size).split(QLatin1Char('x'));
        // Presentation without an explicit --size: the screen's own size (full screen).
        // --size screen: the geometry a first start gives on this screen.
        if ((!p.isSet(o.present) || p.isSet(o.size)) && p.value(o.size) != QStringLiteral("screen")) w.resize(wh.value(0).toInt() > 0 ? wh.value(0).toInt() : 1600, wh.value(1).toInt() > 0 ? wh.value(1).toInt() : 1000);
        canvasOutputsWhenReady(w, p.value(o.canvasShot), p.value(o.sceneReport), p.value(o.shot));
    }
    if (p.isSet(o.present)) {
        w.setPresentation(true);
        // Without a window manager (a bare X server for screenshots, a kiosk) full screen is only
        // a hint nobody acts on: the window covers the screen itself.
        if (screenshot && !p.isSet(o.size) && w.screen()) w.setGeometry(w.screen()->geometry());
    } else {
        w.show();
    }

    QString lesson = p.positionalArguments().value(0);
    QString variantName = p.value(o.variant);
    using tlblab::ui::DesktopIntegration;
    const tlblab::ui::SavedSession saved = DesktopIntegration::savedSession();
    if (lesson.isEmpty() && !screenshot && !p.isSet(o.fresh) && DesktopIntegration::restoreEnabled() && saved.valid() &&
        (!QFileInfo(saved.what).isAbsolute() || QFileInfo::exists(saved.what))) {
        lesson = saved.what;
        if (variantName.isEmpty()) variantName = saved.variant;
        if (!p.isSet(o.step)) stepIndex = saved.step;
    }
    if (lesson.isEmpty()) {
        const QStringList recent = QSettings().value(QStringLiteral("recentLessons")).toStringList();
        lesson = recent.isEmpty() || p.isSet(o.fresh) ? QStringLiteral("erratum-383") : recent.front();
    }
    w.openLesson(lesson, variantName, stepIndex);
    return app.exec();
}
