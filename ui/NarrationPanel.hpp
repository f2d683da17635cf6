// SPDX-License-Identifier: GPL-3.0-or-later
// The step's story: title, narration (markup rendered), expectations, references, and the
// classroom question with its answer hidden until the next step.
#pragma once

#include "Session.hpp"

#include <QWidget>

class QTextBrowser;

namespace tlblab::ui {

class NarrationPanel : public QWidget {
    Q_OBJECT
public:
    explicit NarrationPanel(QWidget* parent = nullptr);
    void showSnapshot(const SnapshotPtr& snap);
    QString html() const;            // what is shown (for tests)
    QString plainText() const;
    QTextBrowser* browser() const { return m_text; }

private:
    QTextBrowser* m_text;
};

// The HTML the panel shows for a snapshot (a pure function, tested without a window).
QString narrationHtml(const Snapshot& snap);

}  // namespace tlblab::ui
