// SPDX-License-Identifier: GPL-3.0-or-later
// The "what if" console: ops typed here run at the current position through the controller,
// which starts a branch; errors are shown inline with a caret under their column.
#pragma once

#include "Session.hpp"

#include <QWidget>

class QLineEdit;
class QPlainTextEdit;
class QLabel;
class QPushButton;

namespace tlblab::ui {

class SessionController;

class ConsolePanel : public QWidget {
    Q_OBJECT
public:
    explicit ConsolePanel(SessionController* controller, QWidget* parent = nullptr);
    QLineEdit* input() const { return m_input; }
    QString log() const;
    QString lastError() const { return m_lastError; }

private:
    void submit();
    void updateBranch(bool inBranch);

    SessionController* m_controller;
    QPlainTextEdit* m_log;
    QLineEdit* m_input;
    QLabel* m_branch;
    QPushButton* m_drop;
    QString m_lastError;
};

}  // namespace tlblab::ui
