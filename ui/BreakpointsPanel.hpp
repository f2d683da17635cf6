// SPDX-License-Identifier: GPL-3.0-or-later
// Edits the controller's breakpoints (event kind, CPU, linear address) and runs to them.
#pragma once

#include "tlblab/breakpoints.hpp"
#include "tlblab/machine.hpp"

#include <QWidget>

class QComboBox;
class QLineEdit;
class QListWidget;
class QSpinBox;
class QLabel;

namespace tlblab::ui {

class SessionController;

class BreakpointsPanel : public QWidget {
    Q_OBJECT
public:
    explicit BreakpointsPanel(SessionController* controller, QWidget* parent = nullptr);

private:
    void addFromForm();
    void refresh();

    SessionController* m_controller;
    QComboBox* m_kind;
    QSpinBox* m_cpu;
    QLineEdit* m_address;
    QListWidget* m_list;
    QLabel* m_status;
};

}  // namespace tlblab::ui
