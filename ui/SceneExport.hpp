// Exports of diagram scenes through the Qt renderer: SVG (QSvgGenerator, text stays text),
// PDF (QPdfWriter, vector), PNG (chosen scale) and the multi-page PDF handout. Each writes its
// file atomically (QSaveFile) and throws std::runtime_error naming the path on failure.
// The Qt-free formats (TikZ, HTML slideshow) live in core (tlblab/export.hpp).
#pragma once

#include "tlblab/diagram.hpp"
#include "tlblab/export.hpp"

#include <QImage>

#include <string>
#include <vector>

namespace tlblab::ui {

void writeSceneSvg(const Scene& s, Theme theme, const std::string& path);
void writeScenePng(const Scene& s, Theme theme, double scale, const std::string& path);
// One page per scene, each page sized to fit its scene.
void writeScenesPdf(const std::vector<Scene>& scenes, Theme theme, const std::string& path);
// A4 handout: a title page, then one page per step (diagram, narration, question).
void writeHandoutPdf(const ExportDocument& doc, Theme theme, const std::string& path);
// One handout page as an image (0: the title page, i: step i), for previews and checks.
QImage renderHandoutPage(const ExportDocument& doc, Theme theme, std::size_t index, double dpi);

}  // namespace tlblab::ui
