// SPDX-License-Identifier: GPL-3.0-or-later
// The lessons' light markup -> HTML: *emphasis*, `code`, "- " list lines, blank line = paragraph.
// Everything else is escaped (xmlEscape). Used by the app's narration panel; exports can use it too.
#pragma once

#include <string>
#include <string_view>

namespace tlblab {

std::string markupToHtml(std::string_view text);
// One line's inline markup (`code`, *emphasis*), no paragraph around it.
std::string inlineMarkupToHtml(std::string_view line);

}  // namespace tlblab
