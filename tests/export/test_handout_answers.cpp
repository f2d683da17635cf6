// The handout and the slideshow with and without the questions' answers (student and lecturer
// versions), the export dialog's answers box, and the per-variant question in the exported document.
#include "qt_helpers.hpp"  // core headers before Qt ones

#include "ExportDialog.hpp"
#include "SceneExport.hpp"

#include "tlblab/lesson.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QImage>
#include <QLineEdit>
#include <QSettings>

#include <cstdlib>

#include <catch2/catch.hpp>

using namespace tlblab;

namespace {
ExportDocument lessonDocument(const std::string& variant) {
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    const Lesson lesson = loadLesson(*path);
    LessonRun run(lesson, variant);
    return documentFromLesson(run, 1, run.steps().size());
}

// Rows with dark ink in the lower part of a page (below the diagram: narration, question, answer).
int textRows(const QImage& img) {
    int rows = 0;
    for (int y = img.height() * 6 / 10; y < img.height(); ++y)
        for (int x = 0; x < img.width(); x += 2)
            if (img.pixelColor(x, y).lightness() < 110) {
                ++rows;
                break;
            }
    return rows;
}
}  // namespace

TEST_CASE("the exported document carries the variant's question and its answer", "[export][answers]") {
    const ExportDocument buggy = lessonDocument("buggy");
    const ExportDocument flush = lessonDocument("fix-flush");
    bool sawSolution1 = false;
    for (std::size_t i = 0; i < flush.steps.size(); ++i) {
        const ExportStep& st = flush.steps[i];
        if (st.question.find("Under solution 1") != std::string::npos) {
            sawSolution1 = true;
            CHECK(st.answer.rfind("B) ", 0) == 0);
            CHECK(st.answer.find("global flush") != std::string::npos);
        }
    }
    CHECK(sawSolution1);
    for (const auto& st : buggy.steps) CHECK(st.question.find("Under solution 1") == std::string::npos);
}

TEST_CASE("HTML slideshow: answers folded by default, left out with none, kept with include", "[export][answers]") {
    ExportDocument doc = lessonDocument("buggy");
    const std::string def = documentToHtml(doc, Theme::Print);
    CHECK(def.find("<details class=\"answer\">") != std::string::npos);
    doc.answers = ExportAnswers::None;
    const std::string none = documentToHtml(doc, Theme::Print);
    CHECK(none.find("<details class=\"answer\">") == std::string::npos);
    CHECK(none.find("Question.") != std::string::npos);  // the questions stay
    doc.answers = ExportAnswers::Include;
    CHECK(documentToHtml(doc, Theme::Print).find("<details class=\"answer\">") != std::string::npos);

    ExportAnswers a{};
    CHECK(parseExportAnswers("none", a));
    CHECK(a == ExportAnswers::None);
    CHECK(parseExportAnswers("include", a));
    CHECK(a == ExportAnswers::Include);
    CHECK_FALSE(parseExportAnswers("all", a));
}

TEST_CASE("handout: the student version has no answer, the lecturer's prints it under the question",
          "[export][answers][pdf]") {
    test::qtApp();
    ExportDocument doc = lessonDocument("buggy");
    // The step of the first question, which has a short narration, and a step without a question.
    std::size_t step = 0, plain = 0;
    for (std::size_t i = 0; i < doc.steps.size(); ++i) {
        if (!step && !doc.steps[i].answer.empty()) step = i + 1;
        if (doc.steps[i].question.empty()) plain = i + 1;
    }
    REQUIRE(step > 0);
    REQUIRE(plain > 0);
    REQUIRE(doc.answers == ExportAnswers::FormatDefault);
    const QImage byDefault = ui::renderHandoutPage(doc, Theme::Print, step, 60);
    doc.answers = ExportAnswers::None;
    const QImage student = ui::renderHandoutPage(doc, Theme::Print, step, 60);
    doc.answers = ExportAnswers::Include;
    const QImage lecturer = ui::renderHandoutPage(doc, Theme::Print, step, 60);
    CHECK(byDefault == student);  // the handout's default is the student version
    CHECK(lecturer != student);
    // The text under the diagram: the answer and its explanation only in the lecturer's version.
    const std::string explanation = doc.steps[step - 1].answer.substr(doc.steps[step - 1].answer.find("\n\n") + 2, 30);
    doc.answers = ExportAnswers::None;
    const QString studentText = ui::handoutStepText(doc, step);
    doc.answers = ExportAnswers::Include;
    const QString lecturerText = ui::handoutStepText(doc, step);
    CHECK(studentText.contains(QStringLiteral("Question.")));
    CHECK_FALSE(studentText.contains(QStringLiteral("Answer.")));
    CHECK(lecturerText.contains(QStringLiteral("Answer.")));
    CHECK(lecturerText.contains(QString::fromStdString(explanation).toHtmlEscaped()));
    CHECK_FALSE(studentText.contains(QString::fromStdString(explanation).toHtmlEscaped()));
    // A step without a question looks the same either way.
    doc.answers = ExportAnswers::None;
    const QImage a = ui::renderHandoutPage(doc, Theme::Print, plain, 60);
    doc.answers = ExportAnswers::Include;
    CHECK(ui::renderHandoutPage(doc, Theme::Print, plain, 60) == a);
    if (const char* keep = std::getenv("TLBLAB_KEEP_HANDOUT_PAGES")) {  // for looking at the pages
        student.save(QStringLiteral("%1/student.png").arg(keep));
        lecturer.save(QStringLiteral("%1/lecturer.png").arg(keep));
    }
}

TEST_CASE("handout: a step too long for the page shrinks its text instead of losing the answer",
          "[export][answers][pdf]") {
    test::qtApp();
    ExportDocument doc = lessonDocument("buggy");
    std::size_t longest = 0;
    for (std::size_t i = 0; i < doc.steps.size(); ++i)
        if (!doc.steps[i].answer.empty() &&
            (!longest || doc.steps[i].narration.size() + doc.steps[i].answer.size() >
                             doc.steps[longest - 1].narration.size() + doc.steps[longest - 1].answer.size()))
            longest = i + 1;
    REQUIRE(longest > 0);
    // Without fitting, the answer would be drawn below the page's edge, that is not at all.
    doc.answers = ExportAnswers::None;
    const QImage student = ui::renderHandoutPage(doc, Theme::Print, longest, 60);
    doc.answers = ExportAnswers::Include;
    const QImage lecturer = ui::renderHandoutPage(doc, Theme::Print, longest, 60);
    CHECK(lecturer != student);
    CHECK(textRows(lecturer) > 20);
}

TEST_CASE("export dialog: the answers box makes a lecturer's handout, only for handout and HTML", "[export][answers][dialog]") {
    test::qtApp();
    QSettings().remove(QStringLiteral("export"));
    {
        ui::ExportDialog d(1, 3);
        auto* answers = d.findChild<QCheckBox*>(QStringLiteral("exportAnswers"));
        auto* format = d.findChild<QComboBox*>(QStringLiteral("exportFormat"));
        REQUIRE(answers);
        REQUIRE(format);
        CHECK_FALSE(answers->isChecked());  // the student version unless asked
        format->setCurrentIndex(format->findData(QStringLiteral("svg")));
        CHECK_FALSE(answers->isEnabled());
        answers->setChecked(true);
        CHECK_FALSE(d.request().answers);  // an SVG has no questions to answer
        format->setCurrentIndex(format->findData(QStringLiteral("handout")));
        CHECK(answers->isEnabled());
        CHECK(d.request().answers);
        d.findChild<QLineEdit*>(QStringLiteral("exportPath"))->setText(QStringLiteral("/tmp/lecturer.pdf"));
        d.accept();
    }
    ui::ExportDialog again(1, 3);
    CHECK(again.request().answers);  // remembered
    QSettings().remove(QStringLiteral("export"));
}
