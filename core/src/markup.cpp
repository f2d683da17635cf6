// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/markup.hpp"

#include "tlblab/diagram.hpp"

namespace tlblab {

namespace {
// Inline markup of one line: `code` first (no emphasis inside code), then *emphasis*.
std::string inlineHtml(std::string_view line) {
    std::string out;
    bool code = false, em = false;
    for (const char& c : line) {
        if (c == '`') {
            out += code ? "</code>" : "<code>";
            code = !code;
        } else if (c == '*' && !code) {
            out += em ? "</em>" : "<em>";
            em = !em;
        } else {
            out += xmlEscape(std::string_view(&c, 1));
        }
    }
    if (code) out += "</code>";
    if (em) out += "</em>";
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}
}  // namespace

std::string inlineMarkupToHtml(std::string_view line) { return inlineHtml(line); }

std::string markupToHtml(std::string_view text) {
    std::string out;
    std::string para;
    bool inList = false;
    auto flushPara = [&] {
        if (!para.empty()) out += "<p>" + para + "</p>";
        para.clear();
    };
    auto closeList = [&] {
        if (inList) out += "</ul>";
        inList = false;
    };
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = trim(text.substr(start, end - start));
        if (line.empty()) {
            flushPara();
            closeList();
        } else if (line.size() >= 2 && line[0] == '-' && line[1] == ' ') {
            flushPara();
            if (!inList) out += "<ul>";
            inList = true;
            out += "<li>" + inlineHtml(trim(line.substr(2))) + "</li>";
        } else {
            closeList();
            if (!para.empty()) para += ' ';
            para += inlineHtml(line);
        }
        start = end + 1;
    }
    flushPara();
    closeList();
    return out;
}

}  // namespace tlblab
