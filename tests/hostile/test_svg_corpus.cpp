// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile strings in every lesson string field, through the app's loader and the SVG written by
// QSvgGenerator (File > Export and `--format svg` in the app): a deterministic corpus, run in the
// dev build (the fuzz preset has no Qt). Each generated string (markup, XML tricks, LaTeX, control
// characters as YAML escapes, bad UTF-8 bytes, line breaks) goes into one field at a time. Then:
//   - the lesson is refused with FILE:LINE:COL (core loader and app loader alike), or
//   - it loads, and every SVG it exports parses with QXmlStreamReader, has only the elements and
//     attribute names a benign lesson's SVG has, and no element name, attribute name or attribute
//     value holds anything that came from the input: lesson text is character data only.
#include "SceneExport.hpp"
#include "SessionLoader.hpp"

#include "tlblab/lesson.hpp"

#include <QApplication>
#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QXmlStreamReader>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

using namespace tlblab;

namespace {

QApplication& qtApp() {
    static int argc = 1;
    static char name[] = "tlblab_hostile_qt_tests";
    static char* argv[] = {name, nullptr};
    static QApplication* a = [] {  // never destroyed (see tests/gui/gui_helpers.hpp)
        if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
        return new QApplication(argc, argv);
    }();
    return *a;
}

// Every marker below holds "zq": no SVG name or value of a benign export does.
constexpr const char* kMarker = "zq";

// The pieces hostile strings are made of.
const std::vector<std::string>& fragments() {
    static const std::vector<std::string> f = {
        // markup and XML
        "</title><script>alert('zq1')</script><title>", "<zqinj a=\"zq2\"/>", "]]><zqcdata/>", "<![CDATA[<zqc/>]]>",
        "<!-- zq3 -->", "-->", "<?xml-stylesheet href=\"zq4\"?>", "&amp;&lt;zqent&gt;&#x3c;zqnum&#62;",
        "\" onload=\"zqattr", "' onmouseover='zqattr2", "<!DOCTYPE zq [<!ENTITY zqe \"x\">]>&zqe;",
        "<svg onload=zqsvg>", "<a href=\"javascript:zqa()\">zq</a>", "<foreignObject><zqf/></foreignObject>",
        "<text x=\"0\">zqtext</text>", "xlink:href=zqhref", "</svg><zqafter/>",
        // LaTeX
        "\\input{/etc/passwd}", "\\immediate\\write18{zqid}", "}{\\def\\zq{", "% $^_~#& zq",
        // line breaks and control characters (YAML escapes: the loader sees the decoded bytes)
        "\n", "\r\n", "\x01", "\x1b[2Jzq", "\x7f", "\t", std::string("\0zq", 3), "\xc2\x85", "\xe2\x80\xae" "zq",
        // bad UTF-8 (raw bytes in the file)
        "\xc3\x28zq", "\xff\xfe", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
        // plain Unicode that must pass through as text
        "\xc3\xa9t\xc3\xa9 zq \xe2\x80\x94 \xe4\xb8\xad",
    };
    return f;
}

// Deterministic: every fragment alone, then mixes of two or three chosen by a fixed LCG.
std::vector<std::string> hostileStrings() {
    std::vector<std::string> out;
    for (const std::string& f : fragments()) out.push_back("zq " + f);
    std::uint32_t state = 383;
    auto next = [&state](std::size_t n) {
        state = state * 1664525u + 1013904223u;
        return static_cast<std::size_t>(state >> 8) % n;
    };
    for (int i = 0; i < 24; ++i) {
        std::string s = "zq";
        const std::size_t parts = 2 + next(2);
        for (std::size_t k = 0; k < parts; ++k) s += fragments()[next(fragments().size())];
        out.push_back(s);
    }
    return out;
}

// A YAML double-quoted scalar holding `s`: escapes for \, " and control characters (so the loader
// decodes them); bytes >= 0x80 are written raw (bad UTF-8 stays bad in the file).
std::string yamlQuoted(const std::string& s) {
    static const char* hex = "0123456789abcdef";
    std::string o = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\') o += "\\\\";
        else if (c == '"') o += "\\\"";
        else if (c == '\n') o += "\\n";
        else if (c < 0x20 || c == 0x7f) {
            o += "\\x";
            o += hex[c >> 4];
            o += hex[c & 15];
        } else {
            o += ch;
        }
    }
    return o + "\"";
}

// A quoted name in the operation language (anything but '"' and a line break), written inside
// the YAML double-quoted string of an operation.
std::string opName(std::string s) {
    for (char& c : s)
        if (c == '"' || c == '\n' || c == '\r') c = '_';
    const std::string q = yamlQuoted(s);
    return "\\\"" + q.substr(1, q.size() - 2) + "\\\"";
}

// The lesson, with `field` holding `s` and every other field benign.
enum class Field { Title, Summary, VariantName, VariantDescription, Table, Task, StepTitle, Narration, Prompt,
                   Choice, Explanation, Count };
const char* fieldName(Field f) {
    static const char* names[] = {"title", "summary", "variant name", "variant description", "table name",
                                  "task name", "step title", "narration", "question prompt", "question choice",
                                  "question explanation"};
    return names[static_cast<int>(f)];
}

std::string lessonYaml(Field field, const std::string& s) {
    auto text = [&](Field f, const char* benign) { return f == field ? yamlQuoted(s) : yamlQuoted(benign); };
    const std::string table = field == Field::Table ? opName(s) : "pgd";
    const std::string task = field == Field::Task ? opName(s) : "bash";
    const std::string variant = field == Field::VariantName ? yamlQuoted(s) : "\"v1\"";
    std::string y;
    y += "title: " + text(Field::Title, "A lesson") + "\n";
    y += "summary: " + text(Field::Summary, "Its summary") + "\n";
    y += "variants:\n  - name: " + variant + "\n    description: " + text(Field::VariantDescription, "The one") + "\n";
    y += "setup: [\"table " + table + "\", \"map " + table + " 0x1000 0x5000 4K 4K\", \"kernel_boot\", \"task " + task +
         "\"]\n";
    y += "steps:\n  - title: " + text(Field::StepTitle, "Load and access") + "\n";
    y += "    ops: [\"cpu0 load_cr3 " + table + "\", \"cpu0 access 0x1000 read kernel\"]\n";
    y += "    narration: " + text(Field::Narration, "The access walks the tables.") + "\n";
    y += "    question:\n      prompt: " + text(Field::Prompt, "Which entry?") + "\n";
    y += "      choices: [" + text(Field::Choice, "the PTE") + ", \"the PDE\"]\n";
    y += "      answer: 1\n      explanation: " + text(Field::Explanation, "The PTE maps 4K.") + "\n";
    return y;
}

// The element names and attribute names of an SVG, or the parse error.
struct SvgShape {
    QSet<QString> elements, attributes;
    QStringList attributeValues;
    QString error;
};
SvgShape svgShape(const QByteArray& svg) {
    SvgShape out;
    QXmlStreamReader x(svg);
    while (!x.atEnd()) {
        x.readNext();
        if (x.isDTD() || x.isProcessingInstruction() || x.isEntityReference()) out.elements << QStringLiteral("<!%1>").arg(x.tokenString());
        if (!x.isStartElement()) continue;
        out.elements << x.qualifiedName().toString();
        for (const QXmlStreamAttribute& a : x.attributes()) {
            out.attributes << a.qualifiedName().toString();
            out.attributeValues << a.value().toString();
        }
    }
    if (x.hasError()) out.error = x.errorString() + QStringLiteral(" at line %1").arg(x.lineNumber());
    return out;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

const std::regex kPositioned(R"(^[^\n]*:[0-9]+:[0-9]+: error: )");

}  // namespace

TEST_CASE("hostile strings in every lesson field: refused with a position, or SVG (QSvgGenerator) with none as markup",
          "[hostile][export][svg]") {
    qtApp();
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    // The benign lesson's SVG: the only element and attribute names an export may have.
    const Lesson plain = parseLesson(lessonYaml(Field::Count, ""), "plain.yaml");
    LessonRun plainRun(plain, "v1");
    const ExportDocument plainDoc = documentFromLesson(plainRun, 1, plainRun.steps().size());
    const QString plainPath = dir.filePath(QStringLiteral("plain.svg"));
    ui::writeSceneSvg(plainDoc.steps.at(0).scene, Theme::Print, plainPath.toStdString());
    const SvgShape reference = svgShape(readAll(plainPath));
    REQUIRE(reference.error.isEmpty());
    REQUIRE(reference.elements.contains(QStringLiteral("text")));
    for (const QString& v : reference.attributeValues) REQUIRE_FALSE(v.contains(QLatin1String(kMarker)));

    const std::vector<std::string> strings = hostileStrings();
    std::map<int, int> exported, refused;
    int n = 0;
    for (int fi = 0; fi < static_cast<int>(Field::Count); ++fi) {
        const auto field = static_cast<Field>(fi);
        for (const std::string& s : strings) {
            const std::string yaml = lessonYaml(field, s);
            const std::string file = dir.filePath(QStringLiteral("l%1.yaml").arg(n++)).toStdString();
            std::ofstream(file, std::ios::binary) << yaml;
            INFO("field: " << fieldName(field) << "\nlesson:\n" << yaml);
            // The app's loader (File > Open, the command line): a session, or an error with a position.
            bool appLoaded = false;
            try {
                const ui::LoadedSession session = ui::loadSession(file, "");
                appLoaded = session.data != nullptr;
            } catch (const std::exception& e) {
                INFO("app loader: " << e.what());
                CHECK(std::regex_search(std::string(e.what()), kPositioned));
            }
            // The core loader agrees, and an accepted lesson is exported through QSvgGenerator.
            Lesson lesson;
            try {
                lesson = loadLesson(file);
            } catch (const OpError& e) {
                INFO("core loader: " << e.format());
                CHECK_FALSE(appLoaded);
                CHECK(std::regex_search(e.format(), kPositioned));
                ++refused[fi];
                continue;
            }
            CHECK(appLoaded);
            LessonRun run(lesson, lesson.variantNames().front());
            const ExportDocument doc = documentFromLesson(run, 1, run.steps().size());
            REQUIRE_FALSE(doc.steps.empty());
            const QString svgPath = dir.filePath(QStringLiteral("l%1.svg").arg(n));
            ui::exportDocument(doc, ui::ExportFormat::Svg, Theme::Print, 1, svgPath.toStdString());
            const QByteArray svg = readAll(svgPath);
            const SvgShape shape = svgShape(svg);
            INFO("svg:\n" << svg.left(4000).toStdString());
            CHECK(shape.error.isEmpty());
            for (const QString& e : shape.elements) {
                INFO("element " << e.toStdString());
                CHECK(reference.elements.contains(e));
            }
            for (const QString& a : shape.attributes) {
                INFO("attribute " << a.toStdString());
                CHECK(reference.attributes.contains(a));
            }
            for (const QString& v : shape.attributeValues) {
                INFO("attribute value " << v.toStdString());
                CHECK_FALSE(v.contains(QLatin1String(kMarker)));
            }
            ++exported[fi];
        }
    }
    // Not vacuous: every text field exported hostile markup (the markup pieces are valid UTF-8
    // without control characters, so the loader takes them), and refused the bad bytes. A variant
    // name is a name (letters, digits, '-', '_', '.'): every hostile one is refused.
    for (int fi = 0; fi < static_cast<int>(Field::Count); ++fi) {
        const auto field = static_cast<Field>(fi);
        INFO("field " << fieldName(field) << ": " << exported[fi] << " exported, " << refused[fi] << " refused");
        if (field == Field::VariantName) {
            CHECK(exported[fi] == 0);
            CHECK(refused[fi] == static_cast<int>(strings.size()));
            continue;
        }
        CHECK(exported[fi] >= 15);
        CHECK(refused[fi] >= 5);
    }
}
