// SPDX-License-Identifier: GPL-3.0-or-later
#include "ExportDialog.hpp"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>

namespace tlblab::ui {

namespace {
const ExportFormat kFormats[] = {ExportFormat::Svg,  ExportFormat::Pdf,  ExportFormat::Png,
                                 ExportFormat::Tikz, ExportFormat::Html, ExportFormat::Handout};
const char* const kFormatLabels[] = {"SVG (vector, text stays text)", "PDF (vector, one page per step)",
                                     "PNG (bitmap, chosen scale)",     "TikZ (one tikzpicture per step)",
                                     "HTML slideshow (one file)",      "PDF handout (title page + steps)"};
const Theme kThemes[] = {Theme::Print, Theme::Light, Theme::Dark, Theme::HighContrast};
}  // namespace

ExportDialog::ExportDialog(std::size_t currentStep, std::size_t stepCount, QWidget* parent)
    : QDialog(parent), m_current(currentStep), m_count(stepCount) {
    setWindowTitle(tr("Export"));
    auto* form = new QFormLayout;

    m_whatCurrent = new QRadioButton(tr("Current step (%1)").arg(currentStep), this);
    m_whatRange = new QRadioButton(tr("Steps"), this);
    m_whatAll = new QRadioButton(tr("Whole lesson (%1 steps)").arg(stepCount), this);
    auto* group = new QButtonGroup(this);
    for (auto* b : {m_whatCurrent, m_whatRange, m_whatAll}) group->addButton(b);
    m_from = new QSpinBox(this);
    m_to = new QSpinBox(this);
    for (auto* s : {m_from, m_to}) s->setRange(1, static_cast<int>(std::max<std::size_t>(stepCount, 1)));
    auto* range = new QHBoxLayout;
    range->addWidget(m_whatRange);
    range->addWidget(m_from);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_to);
    range->addStretch();
    form->addRow(tr("What:"), m_whatCurrent);
    form->addRow(QString(), range);
    form->addRow(QString(), m_whatAll);

    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("exportFormat"));
    for (std::size_t i = 0; i < std::size(kFormats); ++i)
        m_format->addItem(tr(kFormatLabels[i]), QString::fromLatin1(exportFormatName(kFormats[i])));
    form->addRow(tr("Format:"), m_format);
    m_theme = new QComboBox(this);
    for (Theme t : kThemes) m_theme->addItem(QString::fromLatin1(themeName(t)));
    form->addRow(tr("Theme:"), m_theme);
    m_scale = new QDoubleSpinBox(this);
    m_scale->setRange(0.5, 8.0);
    m_scale->setSingleStep(0.5);
    m_scale->setSuffix(QStringLiteral(" x"));
    form->addRow(tr("PNG scale:"), m_scale);
    m_answers = new QCheckBox(tr("Include the answers (lecturer's version)"), this);
    m_answers->setObjectName(QStringLiteral("exportAnswers"));
    form->addRow(tr("Questions:"), m_answers);
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("exportPath"));
    auto* browseButton = new QPushButton(tr("Browse..."), this);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browseButton);
    form->addRow(tr("File:"), pathRow);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);

    // The last choice.
    QSettings s;
    s.beginGroup(QStringLiteral("export"));
    const QString what = s.value(QStringLiteral("what"), QStringLiteral("current")).toString();
    (what == QLatin1String("all") ? m_whatAll : what == QLatin1String("range") ? m_whatRange : m_whatCurrent)
        ->setChecked(true);
    m_from->setValue(s.value(QStringLiteral("from"), 1).toInt());
    m_to->setValue(s.value(QStringLiteral("to"), static_cast<int>(stepCount)).toInt());
    ExportFormat f{};
    m_format->setCurrentIndex(0);
    if (parseExportFormat(s.value(QStringLiteral("format")).toString().toStdString(), f))
        for (std::size_t i = 0; i < std::size(kFormats); ++i)
            if (kFormats[i] == f) m_format->setCurrentIndex(static_cast<int>(i));
    Theme t{};
    if (parseTheme(s.value(QStringLiteral("theme"), QStringLiteral("print")).toString().toStdString(), t))
        m_theme->setCurrentText(QString::fromLatin1(themeName(t)));
    m_scale->setValue(s.value(QStringLiteral("scale"), 2.0).toDouble());
    m_answers->setChecked(s.value(QStringLiteral("answers"), false).toBool());
    m_path->setText(s.value(QStringLiteral("path")).toString());
    s.endGroup();
    if (currentStep == 0) {
        m_whatCurrent->setEnabled(false);
        if (m_whatCurrent->isChecked()) m_whatAll->setChecked(true);
    }

    connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::updateEnabled);
    connect(m_whatRange, &QRadioButton::toggled, this, &ExportDialog::updateEnabled);
    updateEnabled();
}

void ExportDialog::updateEnabled() {
    m_from->setEnabled(m_whatRange->isChecked());
    m_to->setEnabled(m_whatRange->isChecked());
    m_scale->setEnabled(kFormats[m_format->currentIndex()] == ExportFormat::Png);
    const ExportFormat f = kFormats[m_format->currentIndex()];
    m_answers->setEnabled(f == ExportFormat::Handout || f == ExportFormat::Html);
}

void ExportDialog::browse() {
    const ExportFormat f = kFormats[m_format->currentIndex()];
    const QString ext = QString::fromLatin1(exportFormatExtension(f));
    QString path = QFileDialog::getSaveFileName(this, tr("Export to"), m_path->text(),
                                                tr("%1 files (*.%2)").arg(ext.toUpper(), ext));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + ext;
    m_path->setText(path);
}

ExportRequest ExportDialog::request() const {
    ExportRequest r;
    if (m_whatCurrent->isChecked()) {
        r.first = r.last = m_current;
    } else if (m_whatRange->isChecked()) {
        r.first = static_cast<std::size_t>(std::min(m_from->value(), m_to->value()));
        r.last = static_cast<std::size_t>(std::max(m_from->value(), m_to->value()));
    } else {
        r.first = 1;
        r.last = m_count;
    }
    r.format = kFormats[m_format->currentIndex()];
    r.theme = kThemes[m_theme->currentIndex()];
    r.scale = m_scale->value();
    r.answers = m_answers->isEnabled() && m_answers->isChecked();
    r.path = m_path->text().trimmed();
    return r;
}

void ExportDialog::accept() {
    const ExportRequest r = request();
    if (r.path.isEmpty()) {
        QMessageBox::warning(this, tr("Export"), tr("Choose a file to export to."));
        return;
    }
    if (m_count == 0 || r.first < 1 || r.last > m_count) {
        QMessageBox::warning(this, tr("Export"), tr("There is no step to export."));
        return;
    }
    QSettings s;
    s.beginGroup(QStringLiteral("export"));
    s.setValue(QStringLiteral("what"), m_whatAll->isChecked()     ? QStringLiteral("all")
                                       : m_whatRange->isChecked() ? QStringLiteral("range")
                                                                  : QStringLiteral("current"));
    s.setValue(QStringLiteral("from"), m_from->value());
    s.setValue(QStringLiteral("to"), m_to->value());
    s.setValue(QStringLiteral("format"), QString::fromLatin1(exportFormatName(r.format)));
    s.setValue(QStringLiteral("theme"), QString::fromLatin1(themeName(r.theme)));
    s.setValue(QStringLiteral("scale"), r.scale);
    s.setValue(QStringLiteral("answers"), m_answers->isChecked());
    s.setValue(QStringLiteral("path"), r.path);
    s.endGroup();
    QDialog::accept();
}

}  // namespace tlblab::ui
