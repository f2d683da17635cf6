// SPDX-License-Identifier: GPL-3.0-or-later
// Window palettes: light, dark, and the high-contrast one of presentation mode.
#pragma once

#include <QPalette>
#include <QString>

namespace tlblab::ui {

enum class ThemeChoice { System, Light, Dark };
const char* themeChoiceName(ThemeChoice t);  // "system" / "light" / "dark"
ThemeChoice parseThemeChoice(const QString& s);  // unknown -> System

QPalette lightPalette();
QPalette darkPalette();
QPalette highContrastPalette();
bool isDark(const QPalette& p);

}  // namespace tlblab::ui
