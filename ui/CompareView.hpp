// SPDX-License-Identifier: GPL-3.0-or-later
// Compare mode: a second canvas playing the same lesson under another variant, stepping together
// with the main controller (same lesson step index, as far as the other variant has steps).
#pragma once

#include "SessionController.hpp"

#include <QWidget>

class QComboBox;
class QLabel;

namespace tlblab::ui {

class MachineCanvas;

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(SessionController* primary, QWidget* parent = nullptr);
    void setActive(bool on);  // starts following the primary (loads the other variant)
    bool isActive() const { return m_active; }
    void setVariant(const QString& variant);
    QString variant() const { return m_variant; }
    SessionController* controller() const { return m_controller; }
    MachineCanvas* canvas() const { return m_canvas; }

private:
    void reload();
    void follow();
    void updateVariants();

    SessionController* m_primary;
    SessionController* m_controller;
    MachineCanvas* m_canvas;
    QComboBox* m_variants;
    QLabel* m_label;
    QString m_variant;
    bool m_active = false;
};

}  // namespace tlblab::ui
