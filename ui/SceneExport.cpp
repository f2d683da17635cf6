// SPDX-License-Identifier: GPL-3.0-or-later
#include "SceneExport.hpp"

#include <algorithm>

#include "SceneRenderer.hpp"

#include "tlblab/atomic_file.hpp"
#include "tlblab/markup.hpp"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QTextDocument>
#include <QTextOption>

#include <stdexcept>

namespace tlblab::ui {

namespace {

[[noreturn]] void fail(const std::string& path, const QString& why) {
    throw std::runtime_error("cannot write " + path + ": " + why.toStdString());
}

// Draws `s` scaled to fit `target` (keeping proportions, centred at the top).
void drawFitted(QPainter& p, const SceneRenderer& r, const Scene& s, const QRectF& target) {
    if (s.width <= 0 || s.height <= 0) return;
    const double k = std::min(target.width() / s.width, target.height() / s.height);
    p.save();
    p.translate(target.left() + (target.width() - s.width * k) / 2, target.top());
    p.scale(k, k);
    r.drawScene(p, s);
    p.restore();
}

// Every format ends in the one writer of core (exclusive temporary file, fsync, rename).
void writeBytes(const std::string& path, const QByteArray& data) {
    writeFileAtomic(path, std::string_view(data.constData(), static_cast<std::size_t>(data.size())));
}

}  // namespace

QByteArray sceneSvg(const Scene& s, Theme theme) {
    QByteArray data;
    QBuffer buf(&data);
    buf.open(QIODevice::WriteOnly);
    QSvgGenerator gen;
    gen.setOutputDevice(&buf);
    gen.setSize(QSize(static_cast<int>(s.width + 0.5), static_cast<int>(s.height + 0.5)));
    gen.setViewBox(QRectF(0, 0, s.width, s.height));
    gen.setResolution(96);
    // QSvgGenerator writes its title and description into the file as they are (Qt 6.4 does not
    // escape them): lesson text goes in escaped, like every other string of an export.
    gen.setTitle(QString::fromStdString(xmlEscape(s.title.empty() ? "TLB Lab diagram" : s.title)));
    gen.setDescription(QStringLiteral("Exported by TLB Lab"));
    QPainter p;
    if (!p.begin(&gen)) throw std::runtime_error("the SVG generator could not start");
    SceneRenderer r(theme);
    r.drawScene(p, s);
    p.end();
    return data;
}

void writeSceneSvg(const Scene& s, Theme theme, const std::string& path) {
    QByteArray data;
    try {
        data = sceneSvg(s, theme);
    } catch (const std::runtime_error& e) {
        fail(path, QString::fromStdString(e.what()));
    }
    writeBytes(path, data);
}

void writeScenePng(const Scene& s, Theme theme, double scale, const std::string& path) {
    if (!(scale > 0 && scale <= 8)) throw std::runtime_error("PNG scale must be in (0, 8]");  // NaN fails too
    QImage img(static_cast<int>(s.width * scale + 0.5), static_cast<int>(s.height * scale + 0.5),
               QImage::Format_RGB32);
    img.fill(SceneRenderer::color(themeBackground(theme)));
    {
        QPainter p(&img);
        p.setRenderHint(QPainter::Antialiasing, true);
        p.setRenderHint(QPainter::TextAntialiasing, true);
        p.scale(scale, scale);
        SceneRenderer(theme).drawScene(p, s);
    }
    QByteArray data;
    {
        QBuffer buf(&data);
        buf.open(QIODevice::WriteOnly);
        if (!img.save(&buf, "PNG", 80)) fail(path, QStringLiteral("PNG encoding failed"));
    }
    writeBytes(path, data);
}

void writeScenesPdf(const std::vector<Scene>& scenes, Theme theme, const std::string& path,
                    const ExportStepDone& stepDone) {
    if (scenes.empty()) throw std::runtime_error("nothing to export: no steps");
    QByteArray data;
    {
        QBuffer buf(&data);
        buf.open(QIODevice::WriteOnly);
        QPdfWriter pdf(&buf);
        pdf.setCreator(QStringLiteral("TLB Lab"));
        pdf.setTitle(QString::fromStdString(scenes.front().title));
        pdf.setResolution(96);  // one scene unit = one PDF pixel at 96 dpi
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        auto pageFor = [](const Scene& s) {
            return QPageSize(QSizeF(s.width * 72.0 / 96.0, s.height * 72.0 / 96.0), QPageSize::Point, QString(),
                             QPageSize::ExactMatch);
        };
        pdf.setPageSize(pageFor(scenes.front()));
        QPainter p;
        if (!p.begin(&pdf)) fail(path, QStringLiteral("the PDF writer could not start"));
        SceneRenderer r(theme);
        for (std::size_t i = 0; i < scenes.size(); ++i) {
            if (i) {
                pdf.setPageSize(pageFor(scenes[i]));
                pdf.newPage();
            }
            const QRect page = pdf.pageLayout().paintRectPixels(pdf.resolution());
            drawFitted(p, r, scenes[i], QRectF(page));
            if (stepDone) stepDone(i + 1, scenes.size());
        }
        p.end();
    }
    writeBytes(path, data);
}

namespace {

// Handout page `index` (0: the title page, i: step i) into `page` (device pixels, `dpi`).
void paintHandoutPage(QPainter& p, const ExportDocument& doc, Theme theme, std::size_t index, const QRectF& page,
                      double dpi) {
    const double pt = dpi / 72.0;  // device pixels per point
    auto drawText = [&](const QString& html, const QRectF& box, double fontPt) {
        QTextDocument td;
        QFont font(QStringLiteral("DejaVu Sans"));
        font.setPixelSize(static_cast<int>(fontPt * pt));
        td.setDefaultFont(font);
        td.setTextWidth(box.width());
        td.setHtml(html);
        p.save();
        p.translate(box.topLeft());
        td.drawContents(&p, QRectF(0, 0, box.width(), box.height()));
        p.restore();
        return td.size().height();
    };
    auto esc = [](const std::string& text) { return QString::fromStdString(text).toHtmlEscaped(); };

    if (index == 0) {
        QString html = QStringLiteral("<h1>%1</h1><p style='font-size:large'>%2</p><p>%3 steps</p><ol>")
                           .arg(esc(doc.title), esc(doc.subtitle))
                           .arg(doc.steps.size());
        for (const auto& st : doc.steps) html += QStringLiteral("<li>") + esc(st.title) + QStringLiteral("</li>");
        html += QStringLiteral("</ol><p><i>Handout exported by TLB Lab%1.</i></p>")
                    .arg(doc.showAnswers(false) ? QStringLiteral(", with the answers") : QString());
        drawText(html, QRectF(page.left(), page.top() + page.height() * 0.08, page.width(), page.height() * 0.9), 13);
        return;
    }
    const ExportStep& st = doc.steps.at(index - 1);
    double y = page.top();
    y += drawText(QStringLiteral("<h2>%1</h2>").arg(esc(st.title)), QRectF(page.left(), y, page.width(), page.height() * 0.1), 12);
    const QString body = handoutStepText(doc, index);
    auto heightAt = [&](double f, double width) {
        QTextDocument td;
        QFont font(QStringLiteral("DejaVu Sans"));
        font.setPixelSize(static_cast<int>(f * pt));
        td.setDefaultFont(font);
        td.setTextWidth(width);
        td.setHtml(body);
        return td.size().height();
    };
    // The diagram takes the page's width or up to 60 % of its height, less when the step's text
    // (a lecturer's version adds the answers) needs the room, but never under 35 %.
    const double rest = page.bottom() - y;
    const double textH = heightAt(10, page.width()) + 10 * pt;
    const double picH = std::clamp(rest - textH, rest * 0.35, page.height() * 0.6);
    SceneRenderer r(theme);
    drawFitted(p, r, st.scene, QRectF(page.left(), y, page.width(), picH));
    const double k = std::min(page.width() / st.scene.width, picH / st.scene.height);
    y += st.scene.height * k + 10 * pt;
    // What still does not fit shrinks its text, down to 6 pt.
    const QRectF box(page.left(), y, page.width(), page.bottom() - y);
    double fontPt = 10;
    while (fontPt > 6 && heightAt(fontPt, box.width()) > box.height()) fontPt -= 0.5;
    drawText(body, box, fontPt);
}

QPageLayout handoutLayout() {
    return QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Landscape, QMarginsF(12, 12, 12, 12),
                       QPageLayout::Millimeter);
}

}  // namespace

QString handoutStepText(const ExportDocument& doc, std::size_t index) {
    const ExportStep& st = doc.steps.at(index - 1);
    // Lesson markup (*emphasis*, `code`, lists), escaped: the same HTML as the slideshow.
    auto markup = [](const std::string& text) { return QString::fromStdString(markupToHtml(text)); };
    QString body = markup(st.narration);
    if (!st.question.empty()) body += QStringLiteral("<p><b>Question.</b></p>") + markup(st.question);
    if (!st.question.empty() && !st.answer.empty() && doc.showAnswers(false))
        body += QStringLiteral("<p><b>Answer.</b></p>") + markup(st.answer);
    return body;
}

void writeHandoutPdf(const ExportDocument& doc, Theme theme, const std::string& path, const ExportStepDone& stepDone) {
    if (doc.steps.empty()) throw std::runtime_error("nothing to export: no steps");
    QByteArray data;
    {
        QBuffer buf(&data);
        buf.open(QIODevice::WriteOnly);
        QPdfWriter pdf(&buf);
        pdf.setCreator(QStringLiteral("TLB Lab"));
        pdf.setTitle(QString::fromStdString(doc.title));
        pdf.setPageLayout(handoutLayout());
        pdf.setResolution(150);
        QPainter p;
        if (!p.begin(&pdf)) fail(path, QStringLiteral("the PDF writer could not start"));
        // The painter's origin is the top-left corner inside the margins.
        const QRectF page(QPointF(0, 0), QSizeF(pdf.pageLayout().paintRectPixels(pdf.resolution()).size()));
        for (std::size_t i = 0; i <= doc.steps.size(); ++i) {
            if (i) pdf.newPage();
            paintHandoutPage(p, doc, theme, i, page, pdf.resolution());
            if (i && stepDone) stepDone(i, doc.steps.size());  // page 0 is the title page
        }
        p.end();
    }
    writeBytes(path, data);
}

QImage renderHandoutPage(const ExportDocument& doc, Theme theme, std::size_t index, double dpi) {
    const QPageLayout layout = handoutLayout();
    const QRect full = layout.fullRectPixels(static_cast<int>(dpi));
    QImage img(full.size(), QImage::Format_RGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing, true);
    const QRect paint = layout.paintRectPixels(static_cast<int>(dpi));
    p.translate(paint.topLeft());
    paintHandoutPage(p, doc, theme, index, QRectF(0, 0, paint.width(), paint.height()), dpi);
    return img;
}

const char* exportFormatName(ExportFormat f) {
    switch (f) {
    case ExportFormat::Svg: return "svg";
    case ExportFormat::Pdf: return "pdf";
    case ExportFormat::Png: return "png";
    case ExportFormat::Tikz: return "tikz";
    case ExportFormat::Html: return "html";
    case ExportFormat::Handout: return "handout";
    }
    return "svg";
}

bool parseExportFormat(const std::string& s, ExportFormat& out) {
    for (ExportFormat f : {ExportFormat::Svg, ExportFormat::Pdf, ExportFormat::Png, ExportFormat::Tikz,
                           ExportFormat::Html, ExportFormat::Handout})
        if (s == exportFormatName(f)) {
            out = f;
            return true;
        }
    return false;
}

const char* exportFormatExtension(ExportFormat f) {
    switch (f) {
    case ExportFormat::Tikz: return "tex";
    case ExportFormat::Handout: return "pdf";
    default: return exportFormatName(f);
    }
}

std::string stepFilePath(const std::string& path, std::size_t number, bool many) {
    if (!many) return path;
    const QFileInfo fi(QString::fromStdString(path));
    const QString name = QStringLiteral("%1-step%2").arg(fi.completeBaseName()).arg(number, 2, 10, QLatin1Char('0')) +
                         (fi.suffix().isEmpty() ? QString() : QStringLiteral(".") + fi.suffix());
    return fi.dir().filePath(name).toStdString();
}

void exportDocument(const ExportDocument& doc, ExportFormat format, Theme theme, double pngScale,
                    const std::string& path, const ExportStepDone& stepDone) {
    if (doc.steps.empty()) throw std::runtime_error("nothing to export: no steps");
    const std::size_t total = doc.steps.size();
    const bool many = total > 1;
    auto allDone = [&] {
        for (std::size_t i = 1; stepDone && i <= total; ++i) stepDone(i, total);
    };
    switch (format) {
    case ExportFormat::Tikz:
        writeFileAtomic(path, documentToTikz(doc, theme));
        allDone();
        break;
    case ExportFormat::Html:
        writeFileAtomic(path, documentToHtml(doc, theme));
        allDone();
        break;
    case ExportFormat::Svg:
    case ExportFormat::Png:
        for (std::size_t i = 0; i < total; ++i) {
            const ExportStep& st = doc.steps[i];
            const std::string file = stepFilePath(path, st.number, many);
            if (format == ExportFormat::Svg) writeSceneSvg(st.scene, theme, file);
            else writeScenePng(st.scene, theme, pngScale, file);
            if (stepDone) stepDone(i + 1, total);
        }
        break;
    case ExportFormat::Pdf: {
        std::vector<Scene> scenes;
        for (const auto& st : doc.steps) scenes.push_back(st.scene);
        writeScenesPdf(scenes, theme, path, stepDone);
        break;
    }
    case ExportFormat::Handout: writeHandoutPdf(doc, theme, path, stepDone); break;
    }
}

}  // namespace tlblab::ui
