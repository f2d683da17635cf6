// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: lesson text through the Qt export path, QSvgGenerator (File > Export and
// `tlblab-cli export --format svg`). Loads the bytes as a lesson, plays its first variant and
// writes the SVG of its first steps in memory (ui::sceneSvg, the bytes writeSceneSvg writes).
// Every string of a lesson can reach the scene (titles, table and task names, figure labels), so
// each SVG must be, read by QXmlStreamReader:
//   - well-formed XML with no DTD, entity reference or processing instruction after the XML
//     declaration;
//   - made only of the elements QSvgGenerator writes (qtsvg src/svg/qsvggenerator.cpp);
//   - free of anything that runs or loads: no attribute named on..., no href but an embedded
//     data:image (QSvgGenerator's own drawImage), no "javascript:" in any attribute value.
// Lesson text is character data or nothing. The Qt-free TikZ, HTML and SVG writers are
// fuzz_lesson_export's.
#include "fuzz_lesson_input.hpp"

#include "SceneExport.hpp"  // first: core headers before Qt ones

#include "tlblab/lesson.hpp"

#include <QGuiApplication>
#include <QXmlStreamReader>

#include <algorithm>
#include <cstdlib>

using namespace tlblab;

namespace {

constexpr std::size_t kMaxSteps = 3;  // QSvgGenerator with text is slow next to the core writers

// The element names QSvgGenerator (Qt 6) writes.
bool isGeneratorElement(QStringView name) {
    static const QStringView kNames[] = {u"svg",    u"title",    u"desc",    u"defs",           u"g",
                                         u"path",   u"rect",     u"text",    u"image",          u"polyline",
                                         u"polygon", u"ellipse", u"circle",  u"line",           u"linearGradient",
                                         u"radialGradient",      u"stop",    u"clipPath",       u"use"};
    return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

void checkSvg(const QByteArray& svg, std::size_t step) {
    const std::string where = " in the SVG of step " + std::to_string(step);
    QXmlStreamReader x(svg);
    while (!x.atEnd()) {
        switch (x.readNext()) {
        case QXmlStreamReader::DTD:
        case QXmlStreamReader::EntityReference:
        case QXmlStreamReader::ProcessingInstruction:
            fuzz::invariantFailed(x.tokenString().toStdString() + where);
        case QXmlStreamReader::StartElement: {
            if (!isGeneratorElement(x.qualifiedName()))
                fuzz::invariantFailed("element <" + x.qualifiedName().toString().toStdString() + ">" + where);
            for (const QXmlStreamAttribute& a : x.attributes()) {
                const QString name = a.name().toString().toLower();
                const QString value = a.value().toString();
                const bool handler = name.startsWith(QLatin1String("on"));
                const bool link = name == QLatin1String("href") && !value.startsWith(QLatin1String("data:image/"));
                if (handler || link || value.contains(QLatin1String("javascript:"), Qt::CaseInsensitive))
                    fuzz::invariantFailed("attribute " + a.qualifiedName().toString().toStdString() + "=\"" +
                                          value.left(200).toStdString() + "\"" + where);
            }
            break;
        }
        default: break;
        }
    }
    if (x.hasError())
        fuzz::invariantFailed("not well-formed XML (" + x.errorString().toStdString() + " at line " +
                              std::to_string(x.lineNumber()) + ")" + where);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    // QSvgGenerator draws text with real fonts: a QGuiApplication, offscreen, for the whole run.
    if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
    static QGuiApplication* app = new QGuiApplication(*argc, *argv);  // never destroyed: fonts live on
    (void)app;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::optional<Lesson> input = fuzz::lessonInput(data, size);
    if (!input) return 0;
    const Lesson& lesson = *input;
    try {
        LessonRun run(lesson, lesson.variants.front().name);
        if (run.steps().empty()) return 0;
        const ExportDocument doc = documentFromLesson(run, 1, std::min(run.steps().size(), kMaxSteps));
        for (const ExportStep& st : doc.steps) checkSvg(ui::sceneSvg(st.scene, Theme::Print), st.number);
    } catch (const OpError&) {
    }
    return 0;
}
