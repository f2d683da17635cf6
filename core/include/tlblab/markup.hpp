// The lessons' light markup -> HTML: *emphasis*, `code`, "- " list lines, blank line = paragraph.
// Everything else is escaped. Plain C++ so exports can use it too.
#pragma once

#include <string>
#include <string_view>

namespace tlblab::ui {

std::string escapeHtml(std::string_view s);
std::string markupToHtml(std::string_view text);
// One line's inline markup (`code`, *emphasis*), no paragraph around it.
std::string inlineMarkupToHtml(std::string_view line);

}  // namespace tlblab::ui
