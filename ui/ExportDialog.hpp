// SPDX-License-Identifier: GPL-3.0-or-later
// File > Export: what (the current step, a range, the whole lesson), format, theme, PNG scale and
// the output path. Remembers the last choice (QSettings group "export"). The caller builds the
// document (documentFromLesson) for request().first..last and calls exportDocument().
#pragma once

#include "SceneExport.hpp"

#include <QDialog>
#include <QString>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace tlblab::ui {

struct ExportRequest {
    std::size_t first = 1, last = 1;  // 1-based played steps, inclusive
    ExportFormat format = ExportFormat::Svg;
    Theme theme = Theme::Print;
    double scale = 2.0;  // PNG
    bool answers = false;  // handout and HTML: include the questions' answers (the lecturer's version)
    QString path;
};

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    // `currentStep` 1-based (0: before the first step), `stepCount` played steps.
    ExportDialog(std::size_t currentStep, std::size_t stepCount, QWidget* parent = nullptr);

    ExportRequest request() const;

    void accept() override;  // checks the path, remembers the choice

private:
    void browse();
    void updateEnabled();

    std::size_t m_current, m_count;
    QRadioButton* m_whatCurrent;
    QRadioButton* m_whatRange;
    QRadioButton* m_whatAll;
    QSpinBox* m_from;
    QSpinBox* m_to;
    QComboBox* m_format;
    QComboBox* m_theme;
    QDoubleSpinBox* m_scale;
    QCheckBox* m_answers;
    QLineEdit* m_path;
};

}  // namespace tlblab::ui
