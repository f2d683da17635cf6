// SPDX-License-Identifier: GPL-3.0-or-later
// The Challenge panel (issue 14) on the offscreen platform: inline errors, a background check, the
// verdict, and the counterexample opened in the debugger.
#include "gui_helpers.hpp"

#include "ChallengePanel.hpp"

#include <QComboBox>
#include <QDockWidget>
#include <QPlainTextEdit>
#include <QPushButton>

using namespace tlblab;

TEST_CASE("the challenge panel marks answer errors inline and checks in the background") {
    test::app();
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    ui::ChallengePanel panel;
    panel.setLesson(loadLesson(*path));
    panel.selectChallenge(QStringLiteral("fix-the-kernel"));
    CHECK(panel.challengeId() == QStringLiteral("fix-the-kernel"));
    CHECK(panel.goalText().contains(QStringLiteral("Fix the kernel")));
    CHECK(panel.goalText().contains(QStringLiteral("cpu1 schedule bash")));
    auto* check = panel.findChild<QPushButton*>(QStringLiteral("challengeCheck"));
    auto* open = panel.findChild<QPushButton*>(QStringLiteral("challengeOpen"));
    REQUIRE(check);
    REQUIRE(open);

    // A typo: underlined at its line and column, Check disabled.
    panel.setAnswer(QStringLiteral("# try\nafter cpu1 1: flsh_all\n"));
    CHECK(panel.errorLine() == 2);
    CHECK(panel.errorColumn() == 15);
    CHECK(panel.errorText().contains(QStringLiteral("unknown operation 'flsh_all'; did you mean 'flush_all'?")));
    auto* editor = panel.findChild<QPlainTextEdit*>(QStringLiteral("challengeAnswer"));
    REQUIRE(editor);
    REQUIRE_FALSE(editor->extraSelections().isEmpty());
    CHECK(editor->extraSelections().front().cursor.selectedText() == QStringLiteral("flsh_all"));
    CHECK_FALSE(check->isEnabled());

    // A CR3 reload: not solved, with the counterexample to open.
    panel.setAnswer(QStringLiteral("after cpu1 1: __flush_tlb\n"));
    CHECK(panel.errorLine() == 0);
    CHECK(panel.errorText().isEmpty());
    REQUIRE(check->isEnabled());
    QSignalSpy done(&panel, &ui::ChallengePanel::finished);
    check->click();
    CHECK(panel.isRunning());
    CHECK(editor->isReadOnly());
    REQUIRE(done.wait(20000));
    CHECK_FALSE(done.at(0).at(0).toBool());
    CHECK(panel.verdictText().startsWith(QStringLiteral("Not solved")));
    CHECK(panel.detailsText().contains(QStringLiteral("<- your operation")));
    REQUIRE(open->isEnabled());
    QSignalSpy opened(&panel, &ui::ChallengePanel::openCounterexample);
    open->click();
    REQUIRE(opened.count() == 1);
    const Lesson trace = loadLesson(opened.at(0).at(0).toString().toStdString());
    LessonRun run(trace, opened.at(0).at(1).toString().toStdString());
    CHECK(run.allPassed());
    CHECK(run.timeline().head().cpu(1).mc0Status == pae::kMc0StatusErratum383);

    // A global flush after the switch: solved.
    panel.setAnswer(QStringLiteral("after cpu1 1: __flush_tlb_all\n"));
    check->click();
    REQUIRE(done.wait(20000));
    CHECK(done.last().at(0).toBool());
    CHECK(panel.verdictText().startsWith(QStringLiteral("Solved")));
    CHECK_FALSE(open->isEnabled());

    // The same lesson again (the app reloads it for another variant): the answer stays.
    panel.setLesson(loadLesson(*path));
    CHECK(panel.challengeId() == QStringLiteral("fix-the-kernel"));
    CHECK(panel.answer() == QStringLiteral("after cpu1 1: __flush_tlb_all\n"));
}

TEST_CASE("an answer whose operation cannot run is marked at its line after Check") {
    test::app();
    auto path = findLesson("erratum-without-linux");
    REQUIRE(path);
    ui::ChallengePanel panel;
    panel.setLesson(loadLesson(*path));
    CHECK(panel.challengeId() == QStringLiteral("two-entries"));
    panel.setAnswer(QStringLiteral("table k\ncpu0 load_cr3 kk\n"));
    REQUIRE(panel.errorLine() == 0);
    QSignalSpy done(&panel, &ui::ChallengePanel::finished);
    panel.check();
    REQUIRE(done.wait(20000));
    CHECK(panel.errorLine() == 2);
    CHECK(panel.errorColumn() == 15);
    CHECK(panel.errorText().contains(QStringLiteral("unknown table 'kk'")));
}

TEST_CASE("the main window has a Challenge dock that follows the loaded lesson") {
    auto w = test::openWindow(QStringLiteral("erratum-without-linux"));
    auto* dock = w->findChild<QDockWidget*>(QStringLiteral("challengeDock"));
    REQUIRE(dock);
    auto* panel = w->findChild<ui::ChallengePanel*>();
    REQUIRE(panel);
    CHECK(panel->challengeId() == QStringLiteral("two-entries"));
    bool inViewMenu = false;
    for (QAction* a : w->findChildren<QAction*>())
        inViewMenu |= a == dock->toggleViewAction();
    CHECK(inViewMenu);
    // The counterexample of a wrong answer opens in the debugger.
    panel->setAnswer(QStringLiteral("table k\nmap k 0x400000 0x400000 2M 2M global\ncpu0 load_cr3 k\ncpu0 speculate 0x400000\n"
                                    "table u\nmap u 0x400000 0x900000 4K 4K user\ncpu0 load_cr3 u\n+ cpu0 flush\n"
                                    "cpu0 access 0x400000 read user\n"));
    QSignalSpy done(panel, &ui::ChallengePanel::finished);
    panel->check();
    REQUIRE(done.wait(20000));
    CHECK_FALSE(done.at(0).at(0).toBool());
    QSignalSpy loaded(w->controller(), &ui::SessionController::loaded);
    panel->findChild<QPushButton*>(QStringLiteral("challengeOpen"))->click();
    REQUIRE(loaded.wait(20000));
    CHECK(w->controller()->session()->id == "erratum-without-linux-two-entries-counterexample");
}
