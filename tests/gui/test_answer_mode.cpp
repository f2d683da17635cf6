// Answer mode in the narration panel: the student (or the room) picks a choice before the answer is
// shown, gets right/wrong feedback with the explanation, and the panel keeps a tally per lesson.
#include "gui_helpers.hpp"

#include "NarrationPanel.hpp"

#include <QTextBrowser>
#include <QUrl>

using namespace tlblab;

namespace {
// The index of the step of the current session with that title.
int stepTitled(const ui::SessionData& d, const std::string& title) {
    for (std::size_t i = 0; i < d.steps.size(); ++i)
        if (d.steps[i].title == title) return static_cast<int>(i);
    return -1;
}
}  // namespace

TEST_CASE("answer mode: a pick shows right or wrong with the explanation, and the lesson's tally counts it") {
    auto w = test::openWindow(QStringLiteral("erratum-383"), QStringLiteral("buggy"));
    auto* c = w->controller();
    ui::NarrationPanel* panel = w->narration();
    REQUIRE(panel->answerMode());

    const int idle = stepTitled(*c->session(), "cpu1 goes idle in lazy TLB mode");
    REQUIRE(idle >= 0);
    c->seekStep(idle);
    const ui::StepInfo* s = c->snapshot()->stepInfo();
    REQUIRE(s);
    REQUIRE(s->question);
    // Before a pick: the choices are links and the answer is not shown.
    CHECK(panel->html().contains(QStringLiteral("tlblab-answer:0")));
    CHECK_FALSE(panel->plainText().contains(QStringLiteral("Not quite")));
    CHECK_FALSE(panel->plainText().contains(QStringLiteral("Right:")));
    CHECK(panel->plainText().contains(QStringLiteral("Tally for this lesson: 0 right of 0 answered")));

    // A wrong pick, clicked as a link: feedback, the right letter and the explanation.
    const int wrong = s->question->answer == 0 ? 1 : 0;
    emit panel->browser()->anchorClicked(QUrl(QStringLiteral("tlblab-answer:%1").arg(wrong)));
    CHECK(panel->plainText().contains(QStringLiteral("Not quite")));
    CHECK(panel->plainText().contains(QStringLiteral("the answer is %1").arg(QChar('A' + s->question->answer))));
    CHECK(panel->plainText().contains(QStringLiteral("leave_mm")));  // from the explanation
    CHECK_FALSE(panel->html().contains(QStringLiteral("tlblab-answer:0")));  // no more links
    CHECK(panel->plainText().contains(QStringLiteral("Tally for this lesson: 0 right of 1 answered")));
    // The first pick stands.
    CHECK_FALSE(panel->pickAnswer(s->question->answer));
    CHECK(panel->answers().tally("erratum-383").answered == 1);

    // The next question, answered right.
    int next = -1;
    for (int i = idle + 1; i < static_cast<int>(c->session()->steps.size()); ++i)
        if (c->session()->steps[static_cast<std::size_t>(i)].question) {
            next = i;
            break;
        }
    REQUIRE(next > idle);
    c->seekStep(next);
    const ui::StepInfo* n = c->snapshot()->stepInfo();
    REQUIRE(n->question);
    CHECK_FALSE(panel->pickAnswer(99));  // no such choice
    CHECK(panel->pickAnswer(n->question->answer));
    CHECK(panel->plainText().contains(QStringLiteral("Right: %1.").arg(QChar('A' + n->question->answer))));
    CHECK(panel->plainText().contains(QStringLiteral("Tally for this lesson: 1 right of 2 answered")));

    // Another variant of the same lesson asks its own question at the idle step; the tally is the
    // lesson's, over its variants.
    c->setVariant(QStringLiteral("fix-trampoline"));
    test::waitLoaded(c);
    c->seekStep(stepTitled(*c->session(), "cpu1 goes idle in lazy TLB mode"));
    const ui::StepInfo* t = c->snapshot()->stepInfo();
    REQUIRE(t->question);
    CHECK(t->question->prompt.find("merged fix") != std::string::npos);
    CHECK(panel->html().contains(QStringLiteral("tlblab-answer:0")));  // not answered under this variant
    CHECK(panel->pickAnswer(t->question->answer));
    CHECK(panel->plainText().contains(QStringLiteral("Tally for this lesson: 2 right of 3 answered")));

    // Another lesson has a tally of its own.
    w->openLesson(QStringLiteral("lazy-tlb"), {}, -1);
    test::waitLoaded(c);
    CHECK(panel->answers().tally("lazy-tlb").answered == 0);
    CHECK(panel->answers().tally("erratum-383").answered == 3);

    // Reset (the link) forgets the shown lesson's picks only.
    w->openLesson(QStringLiteral("erratum-383"), QStringLiteral("buggy"), idle);
    test::waitLoaded(c);
    CHECK(panel->plainText().contains(QStringLiteral("(picked)")));
    emit panel->browser()->anchorClicked(QUrl(QStringLiteral("tlblab-answer:reset")));
    CHECK(panel->answers().tally("erratum-383").answered == 0);
    CHECK(panel->html().contains(QStringLiteral("tlblab-answer:0")));
}

TEST_CASE("without answer mode the question is shown as before and takes no pick") {
    auto w = test::openWindow(QStringLiteral("erratum-383"), QStringLiteral("buggy"), 1);
    ui::NarrationPanel* panel = w->narration();
    panel->setAnswerMode(false);
    CHECK_FALSE(panel->html().contains(QStringLiteral("tlblab-answer:")));
    CHECK(panel->plainText().contains(QStringLiteral("The answer is revealed at the next step.")));
    CHECK_FALSE(panel->pickAnswer(0));
    CHECK(panel->answers().tally("erratum-383").answered == 0);
}
