// SPDX-License-Identifier: GPL-3.0-or-later
// SVG, PNG, PDF and handout exports through the Qt renderer.
#include "qt_helpers.hpp"  // core headers before Qt ones
#include "../hostile/hostile_helpers.hpp"

#include "SceneExport.hpp"

#include "tlblab/lesson.hpp"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QXmlStreamReader>

#include <catch2/catch.hpp>

#include <cctype>

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
    // Table names, each CPU's CR3 (cpu0 outside the step's subject: its compact card), and both TLB
    // entries of cpu1, marked as the multimatch (text stays text).
    CHECK(all.contains(QStringLiteral("swapper_pg_dir (PDPT")));
    CHECK(all.contains(QStringLiteral("bash pgd  (PDPT)")));
    CHECK(all.contains(QStringLiteral("kernel PMD (PD")));
    CHECK(all.contains(QStringLiteral("CR3 0x01803000 \u2192 bash pgd")));
    CHECK(all.contains(QStringLiteral("CR3 \u2192 swapper_pg_dir")));
    CHECK(texts.contains(QStringLiteral("#2!")));
    CHECK(texts.contains(QStringLiteral("#3!")));
    CHECK(texts.contains(QStringLiteral("0x08000000")));
    CHECK(texts.contains(QStringLiteral("0x08048000")));
    CHECK(all.contains(QStringLiteral("two TLB entries of cpu1 match 0x08048000")));
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
    // The title page: text in its upper part. The last step: the red machine-check rows and box of
    // the diagram, which fills the page's upper two-thirds (the narration below it).
    CHECK(inkRows(title, 0, title.height() / 2) > 20);
    int red = 0;
    for (int y = 0; y < last.height() * 2 / 3; ++y)
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

TEST_CASE("exportDocument calls its step hook once per step, in order, for every format", "[export]") {
    test::qtApp();
    auto path = findLesson("erratum-383");
    REQUIRE(path);
    LessonRun run(loadLesson(*path), "buggy");
    const ExportDocument doc = documentFromLesson(run, 2, 5);
    REQUIRE(doc.steps.size() == 4);
    QTemporaryDir dir;
    for (ui::ExportFormat f : {ui::ExportFormat::Svg, ui::ExportFormat::Png, ui::ExportFormat::Pdf, ui::ExportFormat::Tikz,
                               ui::ExportFormat::Html, ui::ExportFormat::Handout}) {
        INFO(ui::exportFormatName(f));
        std::vector<std::pair<std::size_t, std::size_t>> calls;
        const QString p = dir.filePath(QStringLiteral("hook.%1").arg(ui::exportFormatExtension(f)));
        ui::exportDocument(doc, f, Theme::Print, 1, p.toStdString(),
                           [&calls](std::size_t done, std::size_t total) { calls.emplace_back(done, total); });
        REQUIRE(calls.size() == 4);
        for (std::size_t i = 0; i < calls.size(); ++i) {
            CHECK(calls[i].first == i + 1);
            CHECK(calls[i].second == 4);
        }
    }
}

// ---- hostile lesson text in every format (issue 15) -------------------------------------------

namespace {

// Every string field a lesson exports carries markup, TeX, and a line break.
const char* kMarkupLesson = R"yaml(title: "T </title><script>alert(1)</script><title> \\input{x}\n\\write18{id}"
summary: "S </desc><script>alert(2)</script>"
variants:
  - name: v.1
    description: "D </title><script>alert(3)</script>"
setup: |
  table "</title><script>alert(4)</script><title>"
  map "</title><script>alert(4)</script><title>" 0x1000 0x5000 4K 4K
  kernel_boot
  task "]]><script>alert(5)</script>"
steps:
  - title: "</title><script>alert(6)</script><title> ) /JavaScript (x"
    ops: |
      cpu0 load_cr3 "</title><script>alert(4)</script><title>"
      cpu0 access 0x1000 read kernel
    narration: "N </p><script>alert(7)</script> <img src=x onerror=alert(8)>\n\n\\input{y}"
    question:
      prompt: "Q <iframe src=javascript:alert(9)>"
      choices: ["<svg onload=alert(10)>", ") >> /OpenAction << /JS (alert(11))"]
      answer: 2
      explanation: "E <script>alert(12)</script>"
)yaml";

// Parses an SVG: returns "" when it is well-formed with no script, foreignObject, event handler
// attribute or link, else what is wrong. `titles` gets the text of every <title>.
QString svgProblems(const QByteArray& svg, QStringList* titles = nullptr) {
    QXmlStreamReader x(svg);
    while (!x.atEnd()) {
        x.readNext();
        if (!x.isStartElement()) continue;
        const QString name = x.name().toString().toLower();
        if (name == QLatin1String("script") || name == QLatin1String("foreignobject") || name == QLatin1String("a"))
            return QStringLiteral("element <%1>").arg(name);
        for (const QXmlStreamAttribute& a : x.attributes())
            if (a.name().startsWith(QLatin1String("on"), Qt::CaseInsensitive) || a.name() == QLatin1String("href"))
                return QStringLiteral("attribute %1").arg(a.name().toString());
        if (name == QLatin1String("title") && titles) *titles << x.readElementText();
    }
    return x.hasError() ? x.errorString() + QStringLiteral(" at line %1").arg(x.lineNumber()) : QString();
}

// The value of every /Title in a PDF must be one PDF string (a hex string or a literal one with
// its parentheses balanced or escaped) followed by another key or the dictionary's end: lesson
// text cannot add keys such as /OpenAction or /JS.
QString pdfProblems(const QByteArray& pdf) {
    for (const char* bad : {"/JavaScript", "/JS ", "/JS(", "/OpenAction", "/Launch", "/URI"})
        if (pdf.contains(bad)) return QStringLiteral("the PDF holds %1").arg(QLatin1String(bad));
    int titles = 0;
    for (qsizetype p = pdf.indexOf("/Title"); p >= 0; p = pdf.indexOf("/Title", p + 1)) {
        ++titles;
        qsizetype i = p + 6;
        while (i < pdf.size() && pdf.at(i) == ' ') ++i;
        if (i >= pdf.size()) return QStringLiteral("/Title at the end");
        if (pdf.at(i) == '<') {
            const qsizetype e = pdf.indexOf('>', i);
            for (qsizetype k = i + 1; k < e; ++k)
                if (!std::isxdigit(static_cast<unsigned char>(pdf.at(k))) && pdf.at(k) != ' ')
                    return QStringLiteral("/Title hex string holds '%1'").arg(QChar(pdf.at(k)));
            i = e + 1;
        } else if (pdf.at(i) == '(') {
            int depth = 0;
            for (; i < pdf.size(); ++i) {
                const char c = pdf.at(i);
                if (c == '\\') ++i;
                else if (c == '(') ++depth;
                else if (c == ')' && --depth == 0) break;
            }
            ++i;
        } else {
            return QStringLiteral("/Title is not a string");
        }
        while (i < pdf.size() && (pdf.at(i) == ' ' || pdf.at(i) == '\n' || pdf.at(i) == '\r')) ++i;
        if (i + 1 < pdf.size() && pdf.at(i) != '/' && !(pdf.at(i) == '>' && pdf.at(i + 1) == '>'))
            return QStringLiteral("/Title is followed by '%1'").arg(QString::fromLatin1(pdf.mid(i, 20)));
    }
    return titles ? QString() : QStringLiteral("no /Title");
}

}  // namespace

TEST_CASE("every export format keeps every string of a lesson text, never markup or code", "[export][hostile]") {
    test::qtApp();
    const Lesson lesson = parseLesson(kMarkupLesson, "markup.yaml");
    LessonRun run(lesson, "v.1");
    const ExportDocument doc = documentFromLesson(run, 1, run.steps().size());
    REQUIRE(doc.steps.size() == 1);
    QTemporaryDir dir;
    auto out = [&](const char* name) { return dir.filePath(QString::fromLatin1(name)); };

    SECTION("SVG through QSvgGenerator: well-formed, no script, the title is the step's title as text") {
        ui::exportDocument(doc, ui::ExportFormat::Svg, Theme::Print, 1, out("a.svg").toStdString());
        QStringList titles;
        CHECK(svgProblems(readAll(out("a.svg")), &titles).isEmpty());
        // Before: QSvgGenerator wrote the title unescaped, and </title><script> became an element.
        CHECK(titles.contains(QString::fromStdString(doc.steps[0].scene.title)));
    }
    SECTION("SVG of core (sceneToSvg) parses the same way") {
        CHECK(svgProblems(QByteArray::fromStdString(sceneToSvg(doc.steps[0].scene, Theme::Light))).isEmpty());
    }
    SECTION("PDF and handout: the metadata title is one PDF string, no action added") {
        ui::exportDocument(doc, ui::ExportFormat::Pdf, Theme::Print, 1, out("a.pdf").toStdString());
        ui::exportDocument(doc, ui::ExportFormat::Handout, Theme::Print, 1, out("h.pdf").toStdString());
        CHECK(pdfProblems(readAll(out("a.pdf"))).isEmpty());
        CHECK(pdfProblems(readAll(out("h.pdf"))).isEmpty());
        CHECK(pdfPages(readAll(out("h.pdf"))) == 2);
    }
    SECTION("PNG: an image with no text chunks") {
        ui::exportDocument(doc, ui::ExportFormat::Png, Theme::Print, 1, out("a.png").toStdString());
        const QImage img(out("a.png"));
        CHECK_FALSE(img.isNull());
        CHECK(img.textKeys().isEmpty());
    }
    SECTION("TikZ and HTML through exportDocument") {
        ui::exportDocument(doc, ui::ExportFormat::Tikz, Theme::Print, 1, out("a.tex").toStdString());
        ui::exportDocument(doc, ui::ExportFormat::Html, Theme::Print, 1, out("a.html").toStdString());
        const QByteArray tex = readAll(out("a.tex"));
        const QByteArray html = readAll(out("a.html"));
        CHECK_FALSE(tex.contains("\n\\input"));
        CHECK_FALSE(tex.contains("\n\\write18"));
        CHECK(html.count("<script") == 1);  // the slideshow's own
        CHECK_FALSE(html.contains("<img"));
        CHECK_FALSE(html.contains("<iframe"));
        // Every inline SVG of the slideshow parses as XML on its own.
        for (qsizetype p = html.indexOf("<svg"); p >= 0; p = html.indexOf("<svg", p + 1)) {
            const qsizetype e = html.indexOf("</svg>", p);
            REQUIRE(e > p);
            QByteArray svg = html.mid(p, e + 6 - p);
            svg.replace("<svg ", "<svg xmlns=\"http://www.w3.org/2000/svg\" ");
            CHECK(svgProblems(svg).isEmpty());
        }
    }
}

TEST_CASE("SVG, PDF, PNG and handout on a full disk: an error, the old file intact, no temporary left", "[export][hostile]") {
    test::qtApp();
    const Lesson lesson = parseLesson(kMarkupLesson, "markup.yaml");
    LessonRun run(lesson, "v.1");
    const ExportDocument doc = documentFromLesson(run, 1, run.steps().size());
    QTemporaryDir dir;
    for (ui::ExportFormat f : {ui::ExportFormat::Svg, ui::ExportFormat::Pdf, ui::ExportFormat::Png,
                               ui::ExportFormat::Handout}) {
        INFO(ui::exportFormatName(f));
        const QString p = dir.filePath(QStringLiteral("out.%1").arg(ui::exportFormatExtension(f)));
        {
            QFile old(p);
            REQUIRE(old.open(QIODevice::WriteOnly));
            old.write("old");
        }
        {
            test::FileSizeLimit limit(2048);
            CHECK_THROWS_WITH(ui::exportDocument(doc, f, Theme::Print, 1, p.toStdString()),
                              Catch::Contains("cannot write " + p.toStdString()) && Catch::Contains("too large"));
        }
        CHECK(readAll(p) == "old");
        ui::exportDocument(doc, f, Theme::Print, 1, p.toStdString());
        CHECK(readAll(p).size() > 2048);
    }
    // No temporary file left (the handout and the diagram PDF share out.pdf).
    CHECK(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden) ==
          QStringList({QStringLiteral("out.pdf"), QStringLiteral("out.png"), QStringLiteral("out.svg")}));
}
