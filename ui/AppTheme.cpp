// SPDX-License-Identifier: GPL-3.0-or-later
#include "AppTheme.hpp"

#include <QColor>

namespace tlblab::ui {

const char* themeChoiceName(ThemeChoice t) {
    switch (t) {
    case ThemeChoice::Light: return "light";
    case ThemeChoice::Dark: return "dark";
    case ThemeChoice::System: break;
    }
    return "system";
}

ThemeChoice parseThemeChoice(const QString& s) {
    if (s == QLatin1String("light")) return ThemeChoice::Light;
    if (s == QLatin1String("dark")) return ThemeChoice::Dark;
    return ThemeChoice::System;
}

namespace {
QPalette make(QColor window, QColor base, QColor alt, QColor text, QColor button, QColor highlight, QColor hlText,
              QColor link, QColor mid) {
    QPalette p;
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, alt);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, mid);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, hlText);
    p.setColor(QPalette::Link, link);
    p.setColor(QPalette::Mid, mid);
    p.setColor(QPalette::Disabled, QPalette::Text, mid);
    p.setColor(QPalette::Disabled, QPalette::WindowText, mid);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, mid);
    return p;
}
}  // namespace

QPalette lightPalette() {
    return make(QColor(0xef, 0xef, 0xef), Qt::white, QColor(0xf4, 0xf6, 0xf8), QColor(0x10, 0x10, 0x10),
                QColor(0xe6, 0xe6, 0xe6), QColor(0x19, 0x76, 0xd2), Qt::white, QColor(0x0d, 0x47, 0xa1),
                QColor(0x9e, 0x9e, 0x9e));
}

QPalette darkPalette() {
    return make(QColor(0x2b, 0x2d, 0x30), QColor(0x1e, 0x1f, 0x22), QColor(0x26, 0x28, 0x2b), QColor(0xe8, 0xe8, 0xe8),
                QColor(0x3a, 0x3d, 0x41), QColor(0x42, 0xa5, 0xf5), Qt::black, QColor(0x90, 0xca, 0xf9),
                QColor(0x75, 0x75, 0x75));
}

QPalette highContrastPalette() {
    return make(Qt::black, Qt::black, QColor(0x1a, 0x1a, 0x1a), Qt::white, QColor(0x20, 0x20, 0x20),
                QColor(0xff, 0xeb, 0x3b), Qt::black, QColor(0xff, 0xeb, 0x3b), QColor(0xbd, 0xbd, 0xbd));
}

bool isDark(const QPalette& p) { return p.color(QPalette::Window).lightness() < 128; }

}  // namespace tlblab::ui
