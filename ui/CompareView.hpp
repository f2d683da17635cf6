// SPDX-License-Identifier: GPL-3.0-or-later
// Compare mode: a second canvas playing the same lesson under another variant, stepping together
// with the main controller (same lesson step index, as far as the other variant has steps). The
// two canvases are stacked (each at the full width), each labelled with its variant, and what
// differs between them at this step (a CR3, a TLB entry, a table entry, a CPU's state) is marked
// on both (tlblab::diffForCompare).
#pragma once

#include "SessionController.hpp"

#include <QPointer>
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
    // The main window's canvas, to label it and mark its differences (found in the window if unset).
    void setPrimaryCanvas(MachineCanvas* c);
    MachineCanvas* primaryCanvas() const { return m_primaryCanvas; }
    int differenceCount() const { return m_differences; }

signals:
    void differencesChanged(int count);

private:
    void reload();
    void follow();
    void updateVariants();
    void updateMarks();
    void updateCaptions();

    SessionController* m_primary;
    SessionController* m_controller;
    MachineCanvas* m_canvas;
    QPointer<MachineCanvas> m_primaryCanvas;
    QComboBox* m_variants;
    QLabel* m_label;
    QString m_variant;
    bool m_active = false;
    int m_differences = 0;
};

}  // namespace tlblab::ui
