// SPDX-License-Identifier: GPL-3.0-or-later
// SVG, PNG, PDF and handout exports through the Qt renderer.
#include "qt_helpers.hpp"  // core headers before Qt ones

#include "SceneExport.hpp"

#include "tlblab/lesson.hpp"

#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QXmlStreamReader>

#include <catch2/catch.hpp>

using namespace tlblab;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

// Text content of every <text> element, and whether the document parsed as XML.
QStringList svgTexts(const QByteArray& svg, QString* error) {
    QStringList texts;
    QXmlStreamReader x(svg);
    while (!x.atEnd()) {
        x.readNext();
        if (x.isStartElement() && x.name() == QLatin1String("text")) texts << x.readElementText();
    }
    if (x.hasError()) *error = x.errorString() + QStringLiteral(" at line %1").arg(x.lineNumber());
    return texts;
}

// PDF page objects: "/Type /Page" not followed by "s" (that would be the /Pages tree).
int pdfPages(const QByteArray& pdf) {
    int n = 0;
    for (qsizetype p = pdf.indexOf("/Type /Page"); p >= 0; p = pdf.indexOf("/Type /Page", p + 1)) {
        const qsizetype after = p + 11;
        if (after < pdf.size() && pdf.at(after) != 's') ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("SVG export is well-formed XML with the step's tables, CR3 values and TLB entries", "[export][svg]") {
    test::qtApp();
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const Scene s = test::sceneOf(test::erratumScript());
    const QString path = dir.filePath(QStringLiteral("step.svg"));
    ui::writeSceneSvg(s, Theme::Print, path.toStdString());
    QString error;
    const QStringList texts = svgTexts(readAll(path), &error);
    INFO(error.toStdString());
    REQUIRE(error.isEmpty());
    const QString all = texts.join(QLatin1Char('\n'));
    // Table names, each CPU's CR3, and both TLB entries of cpu1 (text stays text).
    CHECK(all.contains(QStringLiteral("swapper_pg_dir  PDPT @ 0x1800000")));
    CHECK(all.contains(QStringLiteral("bash pgd  PDPT @ 0x1803000")));
    CHECK(all.contains(QStringLiteral("kernel PMD  PD @ 0x1801000")));
    CHECK(all.contains(QStringLiteral("CR3 0x01803000 -> bash pgd")));
    CHECK(all.contains(QStringLiteral("CR3 0x01800000 -> swapper_pg_dir")));
    CHECK(texts.contains(QStringLiteral("#2")));
    CHECK(texts.contains(QStringLiteral("#3")));
    CHECK(texts.contains(QStringLiteral("0x08000000")));
    CHECK(texts.contains(QStringLiteral("0x08048000")));
    CHECK(texts.contains(QStringLiteral("MULTIMATCH")));
    CHECK(all.contains(QStringLiteral("MC0_STATUS 0xb600000000010015")));
}

TEST_CASE("PNG export has the chosen scale", "[export][png]") {
    test::qtApp();
    QTemporaryDir dir;
    const Scene s = test::sceneOf(test::erratumScript());
    const QString p1 = dir.filePath(QStringLiteral("a.png")), p2 = dir.filePath(QStringLiteral("b.png"));
    ui::writeScenePng(s, Theme::Light, 1.0, p1.toStdString());
    ui::writeScenePng(s, Theme::Dark, 2.0, p2.toStdString());
    const QImage a(p1), b(p2);
    REQUIRE_FALSE(a.isNull());
    CHECK(a.width() == static_cast<int>(s.width + 0.5));
    CHECK(a.height() == static_cast<int>(s.height + 0.5));
    CHECK(b.width() == static_cast<int>(s.width * 2 + 0.5));
    // The background is the theme's.
    CHECK(a.pixelColor(1, 1) == QColor(QString::fromStdString(themeBackground(Theme::Light))));
    CHECK(b.pixelColor(1, 1) == QColor(QString::fromStdString(themeBackground(Theme::Dark))));
    CHECK_THROWS_WITH(ui::writeScenePng(s, Theme::Light, 0.0, p1.toStdString()), Catch::Contains("scale"));
}

TEST_CASE("handout PDF: a title page and one page per step; diagram PDF: one page per step", "[export][pdf]") {
    test::qtApp();
    QTemporaryDir dir;
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    const Lesson lesson = loadLesson(*path);
    LessonRun run(lesson, "buggy");
    const ExportDocument doc = documentFromLesson(run, 2, 5);
    REQUIRE(doc.steps.size() == 4);
    const QString handout = dir.filePath(QStringLiteral("handout.pdf"));
    ui::writeHandoutPdf(doc, Theme::Print, handout.toStdString());
    const QByteArray h = readAll(handout);
    CHECK(h.startsWith("%PDF-"));
    CHECK(pdfPages(h) == 5);

    std::vector<Scene> scenes;
    for (const auto& st : doc.steps) scenes.push_back(st.scene);
    const QString pdf = dir.filePath(QStringLiteral("steps.pdf"));
    ui::writeScenesPdf(scenes, Theme::Print, pdf.toStdString());
    CHECK(pdfPages(readAll(pdf)) == 4);
}

TEST_CASE("Qt exports to an unwritable path fail clearly and write nothing", "[export]") {
    test::qtApp();
    QTemporaryDir dir;
    const Scene s = test::sceneOf("cpus 1\n");
    const std::string bad = dir.filePath(QStringLiteral("missing/x.svg")).toStdString();
    CHECK_THROWS_WITH(ui::writeSceneSvg(s, Theme::Print, bad), Catch::Contains("cannot write " + bad));
    CHECK_THROWS_WITH(ui::writeScenePng(s, Theme::Print, 1, bad), Catch::Contains("cannot write " + bad));
    CHECK_THROWS_WITH(ui::writeScenesPdf({s}, Theme::Print, bad), Catch::Contains("cannot write " + bad));
    CHECK_FALSE(QFile::exists(QString::fromStdString(bad)));
}

TEST_CASE("handout pages: the title page lists the steps, a step page carries its diagram", "[export][pdf]") {
    test::qtApp();
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    const Lesson lesson = loadLesson(*path);
    LessonRun run(lesson, "buggy");
    const ExportDocument doc = documentFromLesson(run, 1, run.steps().size());
    auto inkRows = [](const QImage& img, int from, int to) {
        int rows = 0;
        for (int y = from; y < to; ++y)
            for (int x = 0; x < img.width(); x += 3)
                if (img.pixelColor(x, y).lightness() < 128) {
                    ++rows;
                    break;
                }
        return rows;
    };
    const QImage title = ui::renderHandoutPage(doc, Theme::Print, 0, 60);
    const QImage last = ui::renderHandoutPage(doc, Theme::Print, doc.steps.size(), 60);
    REQUIRE(title.width() > title.height());  // A4 landscape
    // The title page: text in its upper part. The last step: the red machine-check banner of the
    // diagram near the top.
    CHECK(inkRows(title, 0, title.height() / 2) > 20);
    int red = 0;
    for (int y = 0; y < last.height() / 3; ++y)
        for (int x = 0; x < last.width(); x += 4) {
            const QColor c = last.pixelColor(x, y);
            if (c.red() > 150 && c.green() < 60 && c.blue() < 80) ++red;
        }
    CHECK(red > 100);
    if (const char* keep = std::getenv("TLBLAB_KEEP_HANDOUT_PAGES")) {  // for looking at the pages
        for (std::size_t i = 0; i <= doc.steps.size(); ++i)
            ui::renderHandoutPage(doc, Theme::Print, i, 100).save(QStringLiteral("%1/page%2.png").arg(keep).arg(i));
    }
}

TEST_CASE("exportDocument writes every format; several SVG steps give one file each", "[export]") {
    test::qtApp();
    QTemporaryDir dir;
    ExportDocument doc;
    doc.title = "t";
    for (std::size_t i = 1; i <= 2; ++i) {
        ExportStep st;
        st.number = i + 2;
        st.title = "step";
        st.scene = test::sceneOf("cpus 1\n");
        doc.steps.push_back(st);
    }
    const std::string base = dir.filePath(QStringLiteral("fig.svg")).toStdString();
    CHECK(ui::stepFilePath(base, 3, true) == dir.filePath(QStringLiteral("fig-step03.svg")).toStdString());
    CHECK(ui::stepFilePath(base, 3, false) == base);
    ui::exportDocument(doc, ui::ExportFormat::Svg, Theme::Print, 1, base);
    CHECK(QFile::exists(dir.filePath(QStringLiteral("fig-step03.svg"))));
    CHECK(QFile::exists(dir.filePath(QStringLiteral("fig-step04.svg"))));
    CHECK_FALSE(QFile::exists(QString::fromStdString(base)));
    for (ui::ExportFormat f : {ui::ExportFormat::Pdf, ui::ExportFormat::Tikz, ui::ExportFormat::Html,
                               ui::ExportFormat::Handout}) {
        const QString p = dir.filePath(QStringLiteral("out-%1.%2").arg(ui::exportFormatName(f), ui::exportFormatExtension(f)));
        ui::exportDocument(doc, f, Theme::Print, 1, p.toStdString());
        CHECK(QFileInfo(p).size() > 100);
    }
    ui::ExportFormat f{};
    CHECK(ui::parseExportFormat("handout", f));
    CHECK(f == ui::ExportFormat::Handout);
    CHECK_FALSE(ui::parseExportFormat("jpeg", f));
}
