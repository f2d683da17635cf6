// SPDX-License-Identifier: GPL-3.0-or-later
// Exports of diagram scenes through the Qt renderer: SVG (QSvgGenerator, text stays text),
// PDF (QPdfWriter, vector), PNG (chosen scale) and the multi-page PDF handout. Each writes its
// file through tlblab::writeFileAtomic (core) and throws std::runtime_error naming the path on failure.
// The Qt-free formats (TikZ, HTML slideshow) live in core (tlblab/export.hpp).
#pragma once

#include "tlblab/diagram.hpp"
#include "tlblab/export.hpp"

#include <QByteArray>
#include <QImage>

#include <functional>
#include <string>
#include <vector>

namespace tlblab::ui {

// The SVG of `s` as QSvgGenerator writes it, in memory (writeSceneSvg writes these bytes; the
// fuzz target fuzz_svg checks them). Throws std::runtime_error if the generator cannot start.
QByteArray sceneSvg(const Scene& s, Theme theme);
void writeSceneSvg(const Scene& s, Theme theme, const std::string& path);
void writeScenePng(const Scene& s, Theme theme, double scale, const std::string& path);
// Called once per step exported, after its file or page: (steps done, steps in all). For progress
// lines (tlblab-cli export on a terminal); it runs on the exporting thread.
using ExportStepDone = std::function<void(std::size_t done, std::size_t total)>;
// One page per scene, each page sized to fit its scene.
void writeScenesPdf(const std::vector<Scene>& scenes, Theme theme, const std::string& path,
                    const ExportStepDone& stepDone = {});
// A4 handout: a title page, then one page per step (diagram, narration, question).
void writeHandoutPdf(const ExportDocument& doc, Theme theme, const std::string& path, const ExportStepDone& stepDone = {});
// The formats of `tlblab-cli export` and File > Export.
enum class ExportFormat : std::uint8_t { Svg, Pdf, Png, Tikz, Html, Handout };
const char* exportFormatName(ExportFormat f);  // "svg", "pdf", "png", "tikz", "html", "handout"
bool parseExportFormat(const std::string& s, ExportFormat& out);
const char* exportFormatExtension(ExportFormat f);  // "svg", "pdf", "png", "tex", "html", "pdf"
// "fig.svg", step 3 of several -> "fig-step03.svg"; unchanged when `many` is false.
std::string stepFilePath(const std::string& path, std::size_t number, bool many);
// Writes `doc` in `format` to `path` (SVG and PNG of several steps: one file per step, named by
// stepFilePath). Throws std::runtime_error on failure; needs a QGuiApplication for every format
// but TikZ and HTML. `stepDone` is called once per step (TikZ and HTML, one text made in one pass:
// for each step once the file is written).
void exportDocument(const ExportDocument& doc, ExportFormat format, Theme theme, double pngScale,
                    const std::string& path, const ExportStepDone& stepDone = {});

// One handout page as an image (0: the title page, i: step i), for previews and checks.
QImage renderHandoutPage(const ExportDocument& doc, Theme theme, std::size_t index, double dpi);
// The text under a handout step's diagram (step `index`, from 1), as rich text: the narration, the
// question, and its answer when the document shows answers (ExportDocument::showAnswers).
QString handoutStepText(const ExportDocument& doc, std::size_t index);

}  // namespace tlblab::ui
