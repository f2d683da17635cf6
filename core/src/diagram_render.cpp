// SPDX-License-Identifier: GPL-3.0-or-later
// Themes and the Qt-free back ends of the scene description: SVG and TikZ.
// The Qt back end (ui/SceneRenderer) follows the same drawing rules item by item.
#include "tlblab/diagram.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace tlblab {

const char* themeName(Theme t) {
    switch (t) {
    case Theme::Light: return "light";
    case Theme::Dark: return "dark";
    case Theme::HighContrast: return "high-contrast";
    case Theme::Print: return "print";
    }
    return "light";
}

bool parseTheme(std::string_view s, Theme& out) {
    for (Theme t : {Theme::Light, Theme::Dark, Theme::HighContrast, Theme::Print})
        if (s == themeName(t)) {
            out = t;
            return true;
        }
    return false;
}

namespace {

struct Palette {
    const char* bg;
    const char* text;
    const char* muted;
    const char* card;
    const char* cardStroke;
    const char* tableFill;
    const char* tableStroke;
    const char* header;
    const char* columns;
    const char* rowLine;
    const char* low;
    const char* lowStroke;
    const char* highlight;
    const char* highlightStroke;
    const char* global;
    const char* spec;
    const char* specStroke;
    const char* danger;
    const char* dangerText;
    const char* arrow;
    const char* walk;
    const char* changed;
    const char* offline;
};

// Colours chosen for contrast on a projector: dark text on light fills (or the reverse), and
// every state also spelled out in text, so no meaning rests on colour alone.
constexpr Palette kLight{"#ffffff", "#111111", "#555555", "#e8eef8", "#2f4f80", "#ffffff", "#3a3a3a", "#d5deea",
                         "#f0f0f0", "#d0d0d0", "#ffd8a0", "#c06000", "#fff07a", "#a07000", "#dcefdc", "#eadcf8",
                         "#6a2fa0", "#b00020", "#ffffff", "#505050", "#0a7a30", "#0050c0", "#e4e4e4"};
constexpr Palette kDark{"#1b1d22", "#eeeeee", "#b0b0b0", "#273246", "#8fb0e8", "#22252b", "#9a9a9a", "#34435c",
                        "#2c3038", "#3c4048", "#6b4310", "#ffaa40", "#6b5d00", "#ffe040", "#1f4a2a", "#40285c",
                        "#c89aff", "#d0203a", "#ffffff", "#b8b8b8", "#40d070", "#60a8ff", "#30333a"};
constexpr Palette kHigh{"#000000", "#ffffff", "#ffffff", "#000000", "#ffffff", "#000000", "#ffffff", "#003a8c",
                        "#1a1a1a", "#8a8a8a", "#7a3c00", "#ffa000", "#ffff00", "#ffff00", "#004010", "#3c0070",
                        "#e0a0ff", "#ff0000", "#ffffff", "#ffffff", "#00ff60", "#00c8ff", "#202020"};
constexpr Palette kPrint{"#ffffff", "#000000", "#333333", "#f2f2f2", "#000000", "#ffffff", "#000000", "#dddddd",
                         "#f4f4f4", "#bbbbbb", "#ffe2bd", "#000000", "#fff3a0", "#000000", "#e6f2e6", "#eee2f6",
                         "#000000", "#c00020", "#ffffff", "#000000", "#007a30", "#0040a0", "#eeeeee"};

const Palette& palette(Theme t) {
    switch (t) {
    case Theme::Dark: return kDark;
    case Theme::HighContrast: return kHigh;
    case Theme::Print: return kPrint;
    case Theme::Light: break;
    }
    return kLight;
}

}  // namespace

std::string themeBackground(Theme theme) { return palette(theme).bg; }
std::string themeChangedColor(Theme theme) { return palette(theme).changed; }
std::string themeWalkColor(Theme theme) { return palette(theme).walk; }

RoleStyle roleStyle(Theme theme, std::string_view role) {
    const Palette& p = palette(theme);
    const bool hc = theme == Theme::HighContrast;
    RoleStyle s;
    s.text = p.text;
    auto set = [&](const char* fill, const char* stroke, double w, const char* text = nullptr) {
        s.fill = fill;
        s.stroke = stroke;
        s.strokeWidth = w;
        if (text) s.text = text;
    };
    if (role == "cpu-card") set(p.card, p.cardStroke, 2.5);
    else if (role == "cpu-card-highlight") set(p.card, p.highlightStroke, 5);
    else if (role == "halted") set(p.card, p.danger, 4);
    else if (role == "cpu-offline") {
        set(p.offline, p.muted, 2, p.muted);
        s.dashed = true;
    } else if (role == "cpu-booting") {
        set(p.card, p.lowStroke, 3);
        s.dashed = true;
    } else if (role == "card-title" || role == "card-text" || role == "title") {
        s.text = p.text;
    } else if (role == "register") set(p.tableFill, p.tableStroke, 1.5);
    else if (role == "register-highlight" || role == "entry-highlight")
        set(p.highlight, p.highlightStroke, 3, hc ? "#000000" : p.text);
    else if (role == "mce-register" || role == "multimatch") set(p.danger, p.dangerText, 3, p.dangerText);
    else if (role == "table" || role == "tlb-table") set(p.tableFill, p.tableStroke, 2);
    else if (role == "table-header") set(p.header, p.tableStroke, 2);
    else if (role == "table-columns") set(p.columns, p.rowLine, 1, p.muted);
    else if (role == "entry" || role == "tlb-entry") set("none", p.rowLine, 1);
    else if (role == "entry-low-mapping") set(p.low, p.lowStroke, 2);
    else if (role == "entry-gap") set("none", p.rowLine, 1, p.muted);
    else if (role == "tlb-entry-global") set(p.global, p.rowLine, 1);
    else if (role == "tlb-entry-speculative") {
        set(p.spec, p.specStroke, 2);
        s.dashed = true;
    } else if (role == "mce-overlay") set(p.danger, p.dangerText, 5, p.dangerText);
    else if (role == "mce-wash") {
        set(p.danger, p.danger, 5);
        s.fillOpacity = 0.16;
    } else if (role == "arrow") set("none", p.arrow, 2);
    else if (role == "arrow-walk") set("none", p.walk, 4.5);
    else if (role == "arrow-low-mapping") {
        set("none", p.lowStroke, 3);
        s.dashed = true;
    }
    return s;
}

std::vector<ScenePoint> arrowHead(const SceneItem& a) {
    if (a.points.size() < 2) return {};
    const ScenePoint tip = a.points.back();
    const ScenePoint from = a.points[a.points.size() - 2];
    double dx = tip.x - from.x, dy = tip.y - from.y;
    const double len = std::hypot(dx, dy);
    if (len < 1e-9) return {};
    dx /= len;
    dy /= len;
    const double l = 16, w = 7;
    return {tip, {tip.x - dx * l - dy * w, tip.y - dy * l + dx * w}, {tip.x - dx * l + dy * w, tip.y - dy * l - dx * w}};
}

std::string xmlEscape(std::string_view s) {
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        case '\'': o += "&#39;"; break;
        default:
            // Control characters are not allowed in XML 1.0 text; keep tab and newline.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') o += ' ';
            else o += c;
        }
    }
    return o;
}

std::string texEscape(std::string_view s) {
    std::string o;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        switch (c) {
        case '\\': o += "\\textbackslash{}"; break;
        case '{': o += "\\{"; break;
        case '}': o += "\\}"; break;
        case '$': o += "\\$"; break;
        case '&': o += "\\&"; break;
        case '#': o += "\\#"; break;
        case '%': o += "\\%"; break;
        case '_': o += "\\_"; break;
        case '^': o += "\\^{}"; break;
        case '~': o += "\\~{}"; break;
        case '<': o += "\\textless{}"; break;
        case '>': o += "\\textgreater{}"; break;
        default:
            if (s.substr(i, 3) == "\xe2\x86\x92") {  // U+2192 RIGHTWARDS ARROW
                o += "$\\rightarrow$";
                i += 2;
            } else {
                o += c;
            }
        }
    }
    return o;
}

// ---- SVG ----------------------------------------------------------------------------------------

namespace {

std::string num(double v) {
    std::string s = fmt::format("{:.1f}", v);
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    if (s == "-0") s = "0";
    return s;
}

constexpr const char* kFontFamily = "DejaVu Sans Mono, Menlo, Consolas, monospace";

std::string svgRect(double x, double y, double w, double h, const RoleStyle& st) {
    std::string r = fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}")", num(x), num(y), num(w),
                                num(h), st.fill);
    if (st.fillOpacity < 1.0) r += fmt::format(R"( fill-opacity="{:.2f}")", st.fillOpacity);
    if (st.stroke != "none")
        r += fmt::format(R"( stroke="{}" stroke-width="{}")", st.stroke, num(st.strokeWidth));
    if (st.dashed) r += R"( stroke-dasharray="8 5")";
    return r + "/>";
}

std::string svgText(double x, double y, const std::string& text, double font, bool bold, const std::string& color) {
    return fmt::format(R"(<text x="{}" y="{}" font-size="{}"{} fill="{}">{}</text>)", num(x), num(y), num(font),
                       bold ? R"( font-weight="bold")" : "", color, xmlEscape(text));
}

}  // namespace

std::string sceneToSvg(const Scene& s, Theme theme, const std::string& idPrefix) {
    std::string o;
    o += fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" )"
                     R"(font-family="{}">)",
                     num(s.width), num(s.height), num(s.width), num(s.height), kFontFamily);
    o += "\n";
    if (!s.title.empty()) o += "<title>" + xmlEscape(s.title) + "</title>\n";
    o += fmt::format(R"(<rect x="0" y="0" width="{}" height="{}" fill="{}"/>)", num(s.width), num(s.height),
                     themeBackground(theme));
    o += "\n";
    const std::string changedColor = themeChangedColor(theme);
    const std::string walkColor = themeWalkColor(theme);
    for (const SceneItem& it : s.items) {
        const RoleStyle st = roleStyle(theme, it.role);
        o += fmt::format(R"(<g id="{}" class="{}">)", xmlEscape(idPrefix + it.id), xmlEscape(it.role));
        if (!it.tooltip.empty()) o += "<title>" + xmlEscape(it.tooltip) + "</title>";
        switch (it.kind) {
        case ItemKind::Box:
            o += svgRect(it.x, it.y, it.w, it.h, st);
            for (std::size_t i = 0; i < it.cells.size(); ++i)
                o += svgText(it.x + 12, lineBaseline(it, i), it.cells[i], it.fontSize, it.bold || i == 0, st.text);
            break;
        case ItemKind::Text:
            for (std::size_t i = 0; i < it.cells.size(); ++i)
                o += svgText(it.x, lineBaseline(it, i), it.cells[i], it.fontSize, it.bold, st.text);
            break;
        case ItemKind::Row:
            o += svgRect(it.x, it.y, it.w, it.h, st);
            if (it.walkLevel >= 0) {
                RoleStyle w;
                w.stroke = walkColor;
                w.strokeWidth = 4;
                o += svgRect(it.x + 2, it.y + 2, it.w - 4, it.h - 4, w);
            }
            for (std::size_t i = 0; i < it.cells.size() && i < it.cellX.size(); ++i)
                o += svgText(it.x + it.cellX[i], textBaseline(it.y, it.h, it.fontSize), it.cells[i], it.fontSize,
                             it.bold, st.text);
            break;
        case ItemKind::Arrow: {
            std::string d;
            for (std::size_t i = 0; i < it.points.size(); ++i)
                d += fmt::format("{}{} {} ", i ? "L" : "M", num(it.points[i].x), num(it.points[i].y));
            d.pop_back();
            o += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="{}"{}/>)", d, st.stroke,
                             num(st.strokeWidth), st.dashed ? R"( stroke-dasharray="8 5")" : "");
            auto h = arrowHead(it);
            if (h.size() == 3)
                o += fmt::format(R"(<polygon points="{},{} {},{} {},{}" fill="{}"/>)", num(h[0].x), num(h[0].y),
                                 num(h[1].x), num(h[1].y), num(h[2].x), num(h[2].y), st.stroke);
            break;
        }
        }
        if (it.changed && it.kind != ItemKind::Arrow && it.h > 0)
            o += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>)", num(it.x), num(it.y),
                             num(kChangedBar), num(it.h), changedColor);
        o += "</g>\n";
    }
    o += "</svg>\n";
    return o;
}

// ---- TikZ ---------------------------------------------------------------------------------------

std::string sceneToTikz(const Scene& s, Theme theme) {
    // One scene unit = 0.02 cm; y grows downwards as on screen. Font sizes in pt.
    std::map<std::string, std::string> colors;  // "#rrggbb" -> name
    std::string defs;
    auto color = [&](const std::string& c) -> std::string {
        auto it = colors.find(c);
        if (it != colors.end()) return it->second;
        std::string name = fmt::format("tlb{}", colors.size());
        colors[c] = name;
        std::string hexv = c.substr(1);
        for (auto& ch : hexv) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        defs += fmt::format("\\definecolor{{{}}}{{HTML}}{{{}}}\n", name, hexv);
        return name;
    };
    auto pt = [](double units) { return units * 0.02 * 28.4527; };
    std::string body;
    auto rect = [&](double x, double y, double w, double h, const RoleStyle& st) {
        std::string opts;
        if (st.fill != "none") opts += "fill=" + color(st.fill);
        if (st.fillOpacity < 1.0) opts += fmt::format(",fill opacity={:.2f}", st.fillOpacity);
        if (st.stroke != "none") opts += fmt::format("{}draw={},line width={}pt", opts.empty() ? "" : ",", color(st.stroke), num(pt(st.strokeWidth)));
        if (st.dashed) opts += ",dashed";
        if (opts.empty()) return;
        body += fmt::format("\\path[{}] ({},{}) rectangle ({},{});\n", opts, num(x), num(y), num(x + w), num(y + h));
    };
    auto text = [&](double x, double y, const std::string& t, double font, bool bold, const std::string& c) {
        body += fmt::format("\\node[anchor=base west,inner sep=0pt,text={},font=\\ttfamily{}\\fontsize{{{}}}{{{}}}\\selectfont] at ({},{}) {{{}}};\n",
                            color(c), bold ? "\\bfseries" : "", num(pt(font)), num(pt(font) * 1.2), num(x), num(y),
                            texEscape(t));
    };
    RoleStyle bg;
    bg.fill = themeBackground(theme);
    rect(0, 0, s.width, s.height, bg);
    for (const SceneItem& it : s.items) {
        const RoleStyle st = roleStyle(theme, it.role);
        body += "% " + it.id + "\n";
        switch (it.kind) {
        case ItemKind::Box:
            rect(it.x, it.y, it.w, it.h, st);
            for (std::size_t i = 0; i < it.cells.size(); ++i)
                text(it.x + 12, lineBaseline(it, i), it.cells[i], it.fontSize, it.bold || i == 0, st.text);
            break;
        case ItemKind::Text:
            for (std::size_t i = 0; i < it.cells.size(); ++i)
                text(it.x, lineBaseline(it, i), it.cells[i], it.fontSize, it.bold, st.text);
            break;
        case ItemKind::Row:
            rect(it.x, it.y, it.w, it.h, st);
            if (it.walkLevel >= 0) {
                RoleStyle w;
                w.stroke = themeWalkColor(theme);
                w.strokeWidth = 4;
                rect(it.x + 2, it.y + 2, it.w - 4, it.h - 4, w);
            }
            for (std::size_t i = 0; i < it.cells.size() && i < it.cellX.size(); ++i)
                text(it.x + it.cellX[i], textBaseline(it.y, it.h, it.fontSize), it.cells[i], it.fontSize, it.bold,
                     st.text);
            break;
        case ItemKind::Arrow: {
            std::string path;
            for (std::size_t i = 0; i < it.points.size(); ++i)
                path += fmt::format("{}({},{})", i ? " -- " : "", num(it.points[i].x), num(it.points[i].y));
            body += fmt::format("\\draw[{},line width={}pt{}] {};\n", color(st.stroke), num(pt(st.strokeWidth)),
                                st.dashed ? ",dashed" : "", path);
            auto h = arrowHead(it);
            if (h.size() == 3)
                body += fmt::format("\\fill[{}] ({},{}) -- ({},{}) -- ({},{}) -- cycle;\n", color(st.stroke),
                                    num(h[0].x), num(h[0].y), num(h[1].x), num(h[1].y), num(h[2].x), num(h[2].y));
            break;
        }
        }
        if (it.changed && it.kind != ItemKind::Arrow && it.h > 0) {
            RoleStyle c;
            c.fill = themeChangedColor(theme);
            rect(it.x, it.y, kChangedBar, it.h, c);
        }
    }
    std::string o = "% TLB Lab diagram";
    if (!s.title.empty()) o += ": " + s.title;
    o += "\n% Needs \\usepackage{tikz} (xcolor comes with it). Scale with \\resizebox or the x/y keys.\n";
    o += "\\begin{tikzpicture}[x=0.02cm,y=-0.02cm]\n";
    o += defs;
    o += body;
    o += "\\end{tikzpicture}\n";
    return o;
}

}  // namespace tlblab
