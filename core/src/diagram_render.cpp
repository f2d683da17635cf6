// SPDX-License-Identifier: GPL-3.0-or-later
// Themes and the Qt-free back ends of the scene description: SVG and TikZ.
// The Qt back end (ui/SceneRenderer) follows the same drawing rules item by item.
#include "tlblab/diagram.hpp"
#include "tlblab/paint.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <iterator>
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
    const char* user;
    const char* globalStroke;
};

// Colours chosen for contrast on a projector: dark text on light fills (or the reverse), and
// every state also spelled out in text, so no meaning rests on colour alone. One row a colour, one
// column a theme.
struct Swatch {
    const char* Palette::*colour;
    const char* light;
    const char* dark;
    const char* highContrast;
    const char* print;
};
const Swatch kSwatches[] = {
    // colour                   light      dark       high       print
    {&Palette::bg,              "#ffffff", "#1b1d22", "#000000", "#ffffff"},
    {&Palette::text,            "#111111", "#eeeeee", "#ffffff", "#000000"},
    {&Palette::muted,           "#555555", "#b0b0b0", "#ffffff", "#333333"},
    {&Palette::card,            "#e8eef8", "#273246", "#000000", "#f2f2f2"},
    {&Palette::cardStroke,      "#2f4f80", "#8fb0e8", "#ffffff", "#000000"},
    {&Palette::tableFill,       "#ffffff", "#22252b", "#000000", "#ffffff"},
    {&Palette::tableStroke,     "#3a3a3a", "#9a9a9a", "#ffffff", "#000000"},
    {&Palette::header,          "#d5deea", "#34435c", "#003a8c", "#dddddd"},
    {&Palette::columns,         "#f0f0f0", "#2c3038", "#1a1a1a", "#f4f4f4"},
    {&Palette::rowLine,         "#d0d0d0", "#3c4048", "#8a8a8a", "#bbbbbb"},
    {&Palette::low,             "#ffd8a0", "#6b4310", "#7a3c00", "#ffe2bd"},
    {&Palette::lowStroke,       "#c06000", "#ffaa40", "#ffa000", "#000000"},
    {&Palette::highlight,       "#fff07a", "#6b5d00", "#ffff00", "#fff3a0"},
    {&Palette::highlightStroke, "#a07000", "#ffe040", "#ffff00", "#000000"},
    {&Palette::global,          "#c8ecec", "#0f4a4f", "#00474f", "#e0f2f2"},
    {&Palette::spec,            "#eadcf8", "#40285c", "#3c0070", "#eee2f6"},
    {&Palette::specStroke,      "#6a2fa0", "#c89aff", "#e0a0ff", "#000000"},
    {&Palette::danger,          "#b00020", "#d0203a", "#ff0000", "#c00020"},
    {&Palette::dangerText,      "#ffffff", "#ffffff", "#ffffff", "#ffffff"},
    {&Palette::arrow,           "#505050", "#b8b8b8", "#ffffff", "#000000"},
    {&Palette::walk,            "#0a7a30", "#40d070", "#00ff60", "#007a30"},
    {&Palette::changed,         "#0050c0", "#60a8ff", "#00c8ff", "#0040a0"},
    {&Palette::offline,         "#e4e4e4", "#30333a", "#202020", "#eeeeee"},
    {&Palette::user,            "#f3e6c8", "#4a3e22", "#3a2e00", "#f4ead2"},
    {&Palette::globalStroke,    "#00838f", "#4dd0e1", "#00ffff", "#000000"},
};
static_assert(std::size(kSwatches) * sizeof(const char*) == sizeof(Palette), "a swatch for every colour");

Palette paletteOf(const char* Swatch::*theme) {
    Palette p{};
    for (const Swatch& s : kSwatches) p.*(s.colour) = s.*theme;
    return p;
}

const Palette& palette(Theme t) {
    static const Palette kLight = paletteOf(&Swatch::light), kDark = paletteOf(&Swatch::dark),
                         kHigh = paletteOf(&Swatch::highContrast), kPrint = paletteOf(&Swatch::print);
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

const char* meaningName(Meaning m) {
    switch (m) {
    case Meaning::Global: return "global";
    case Meaning::User: return "user";
    case Meaning::Speculative: return "speculative";
    case Meaning::LowMapping: return "low-mapping";
    case Meaning::Conflict: return "conflict";
    case Meaning::WalkPath: return "walk";
    case Meaning::Changed: return "changed";
    case Meaning::Highlight: return "highlight";
    }
    return "changed";
}

std::string meaningLabel(Meaning m) {
    switch (m) {
    case Meaning::Global: return "global entry (G)";
    case Meaning::User: return "user page (U)";
    case Meaning::Speculative: return "speculative fill";
    case Meaning::LowMapping: return "low mapping";
    case Meaning::Conflict: return "stale / conflict";
    case Meaning::WalkPath: return "this step's walk";
    case Meaning::Changed: return "changed this step";
    case Meaning::Highlight: return "lesson highlight";
    }
    return {};
}

std::string meaningColor(Theme theme, Meaning m) {
    const Palette& p = palette(theme);
    switch (m) {
    case Meaning::Global: return p.global;
    case Meaning::User: return p.user;
    case Meaning::Speculative: return p.spec;
    case Meaning::LowMapping: return p.low;
    case Meaning::Conflict: return p.danger;
    case Meaning::WalkPath: return p.walk;
    case Meaning::Changed: return p.changed;
    case Meaning::Highlight: return p.highlightStroke;
    }
    return p.text;
}

std::string cpuColor(Theme theme, int cpu) {
    // Eight hues apart from the meanings' (no red, green, teal, gold, orange, violet or the changed blue),
    // darker for light themes and lighter for dark ones; they repeat after eight CPUs.
    static const char* kLightCpu[] = {"#3949ab", "#8d5524", "#c2185b", "#455a64", "#7a7a00", "#1a237e", "#a0522d", "#333333"};
    static const char* kDarkCpu[] = {"#9fa8da", "#d7a86e", "#f48fb1", "#b0bec5", "#d4d46a", "#8c9eff", "#e0a080", "#cccccc"};
    static const char* kPrintCpu[] = {"#000000", "#333333", "#000000", "#333333", "#000000", "#333333", "#000000", "#333333"};
    const std::size_t i = static_cast<std::size_t>(cpu < 0 ? 0 : cpu) % 8;
    switch (theme) {
    case Theme::Dark:
    case Theme::HighContrast: return kDarkCpu[i];
    case Theme::Print: return kPrintCpu[i];
    case Theme::Light: break;
    }
    return kLightCpu[i];
}
std::string themeChangedColor(Theme theme) { return palette(theme).changed; }
std::string themeWalkColor(Theme theme) { return palette(theme).walk; }

namespace {
static constexpr const char* kRoleNames[] = {
    "none", "addr-field", "addr-figure", "addr-frame", "arrow", "arrow-context", "arrow-cr3", "arrow-low-mapping",
    "arrow-walk", "card-text", "card-title", "cpu-booting", "cpu-card", "cpu-card-highlight", "cpu-offline",
    "ec-bit", "ec-bit-set", "entry", "entry-gap", "entry-global", "entry-highlight", "entry-low-mapping",
    "entry-user", "fault", "figure-note", "figure-title", "halted", "ipi", "legend", "legend-changed",
    "legend-conflict", "legend-global", "legend-highlight", "legend-low-mapping", "legend-speculative",
    "legend-user", "legend-walk", "mce-bit-clear", "mce-bit-set", "mce-overlay", "mce-register", "mce-text",
    "mce-wash", "mm-diff", "mm-figure", "mm-range-global", "mm-range-plain", "mm-range-speculative",
    "mm-range-user", "mm-same", "multimatch", "register", "register-highlight", "table", "table-columns",
    "table-header", "title", "tlb-entry", "tlb-entry-global", "tlb-entry-speculative", "tlb-entry-user",
    "tlb-table",
};
}  // namespace

const char* roleName(Role r) {
    static_assert(std::size(kRoleNames) == static_cast<std::size_t>(Role::TlbTable) + 1);
    return kRoleNames[static_cast<std::size_t>(r)];
}

RoleStyle roleStyle(Theme theme, Role role) {
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
    // One colour, one meaning: global (teal), user (sand), speculative (violet, dashed), low mapping
    // (orange), conflict (red), walk (green), changed (blue bar), highlight (gold outline, painted over
    // the item's own style). CPUs have their own colours (cpuColor) on cards, CR3 arrows and IPIs.
    if (role == Role::CpuCard) set(p.card, p.cardStroke, 3);
    else if (role == Role::CpuCardHighlight) set(p.card, p.highlightStroke, 5);
    else if (role == Role::Halted) set(p.card, p.danger, 4);
    else if (role == Role::CpuOffline) {
        set(p.offline, p.muted, 2, p.muted);
        s.dashed = true;
    } else if (role == Role::CpuBooting) {
        set(p.card, p.cardStroke, 3);
        s.dashed = true;
    } else if (role == Role::CardTitle || role == Role::CardText || role == Role::Title || role == Role::FigureTitle) {
        s.text = p.text;
    } else if (role == Role::FigureNote) {
        s.text = p.muted;
    } else if (role == Role::Register) set(p.tableFill, p.tableStroke, 1.5);
    else if (role == Role::RegisterHighlight || role == Role::EntryHighlight)
        set(p.highlight, p.highlightStroke, 3, hc ? "#000000" : p.text);
    else if (role == Role::MceRegister || role == Role::Multimatch || role == Role::MmDiff || role == Role::Fault)
        set(p.danger, p.dangerText, 3, p.dangerText);
    else if (role == Role::Table || role == Role::TlbTable || role == Role::AddrField || role == Role::AddrFrame)
        set(p.tableFill, p.tableStroke, 2);
    else if (role == Role::TableHeader) set(p.header, p.tableStroke, 2);
    else if (role == Role::TableColumns) set(p.columns, p.rowLine, 1, p.muted);
    else if (role == Role::Entry || role == Role::TlbEntry || role == Role::MmRangePlain || role == Role::MmSame)
        set("none", p.rowLine, 1);
    else if (role == Role::EntryLowMapping || role == Role::LegendLowMapping) set(p.low, p.lowStroke, 2);
    else if (role == Role::EntryGap) set("none", p.rowLine, 1, p.muted);
    else if (role == Role::TlbEntryGlobal || role == Role::EntryGlobal || role == Role::MmRangeGlobal ||
             role == Role::LegendGlobal)
        set(p.global, p.globalStroke, 1.5);
    else if (role == Role::TlbEntryUser || role == Role::EntryUser || role == Role::MmRangeUser || role == Role::LegendUser)
        set(p.user, p.rowLine, 1);
    else if (role == Role::TlbEntrySpeculative || role == Role::MmRangeSpeculative || role == Role::LegendSpeculative) {
        set(p.spec, p.specStroke, 2);
        s.dashed = true;
    } else if (role == Role::LegendConflict) set(p.danger, p.danger, 1);
    else if (role == Role::LegendWalk) set("none", p.walk, 4);
    else if (role == Role::LegendChanged) set(p.changed, p.changed, 1);
    else if (role == Role::LegendHighlight) set("none", p.highlightStroke, 4);
    else if (role == Role::Legend || role == Role::AddrFigure || role == Role::MmFigure) set(p.bg, p.muted, 1.5);
    else if (role == Role::EcBit || role == Role::MceBitClear) set(p.tableFill, p.rowLine, 1, p.muted);
    else if (role == Role::EcBitSet) set(p.tableFill, p.danger, 3);
    else if (role == Role::MceBitSet) set(p.dangerText, p.dangerText, 2, p.danger);
    else if (role == Role::MceText) s.text = p.dangerText;
    else if (role == Role::MceOverlay) set(p.danger, p.dangerText, 5, p.dangerText);
    else if (role == Role::MceWash) {
        set(p.danger, p.danger, 5);
        s.fillOpacity = 0.16;
    } else if (role == Role::Arrow) set("none", p.arrow, 2);
    else if (role == Role::ArrowContext) set("none", p.muted, 1.5);
    else if (role == Role::ArrowCr3) set("none", p.cardStroke, 3);
    else if (role == Role::Ipi) {
        set("none", p.cardStroke, 3.5);
        s.dashed = true;
    } else if (role == Role::ArrowWalk) set("none", p.walk, 4.5);
    else if (role == Role::ArrowLowMapping) {
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
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                o += ' ';  // newlines and control characters would end a node or a comment
            } else if (s.substr(i, 3) == "\xe2\x86\x92") {  // U+2192 RIGHTWARDS ARROW
                o += "$\\rightarrow$";
                i += 2;
            } else {
                o += c;
            }
        }
    }
    return o;
}

// ---- SVG and TikZ: both draw the primitives of the one painting walk (paint.hpp) ------------------

namespace {

std::string num(double v) {
    std::string s = fmt::format("{:.1f}", v);
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    if (s == "-0") s = "0";
    return s;
}

constexpr const char* kFontFamily = "DejaVu Sans Mono, Menlo, Consolas, monospace";

// A colour that is safe to put in an attribute or a TikZ colour definition: "#rrggbb" or "none".
std::string safeColor(const std::string& c) {
    if (c.size() != 7 || c[0] != '#') return "none";
    for (std::size_t i = 1; i < 7; ++i)
        if (!std::isxdigit(static_cast<unsigned char>(c[i]))) return "none";
    return c;
}

std::string svgPrim(const PaintPrim& p) {
    switch (p.kind) {
    case PaintPrim::Kind::Rect: {
        std::string r = fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}")", num(p.x), num(p.y),
                                    num(p.w), num(p.h), safeColor(p.fill));
        if (p.opacity < 1.0) r += fmt::format(R"( fill-opacity="{:.2f}")", p.opacity);
        if (safeColor(p.stroke) != "none")
            r += fmt::format(R"( stroke="{}" stroke-width="{}")", safeColor(p.stroke), num(p.strokeWidth));
        if (p.dashed) r += R"( stroke-dasharray="8 5")";
        return r + "/>";
    }
    case PaintPrim::Kind::Text:
        return fmt::format(R"(<text x="{}" y="{}" font-size="{}"{} fill="{}">{}</text>)", num(p.x), num(p.y),
                           num(p.fontPx), p.bold ? R"( font-weight="bold")" : "", safeColor(p.color), xmlEscape(p.text));
    case PaintPrim::Kind::Path: {
        if (p.points.empty()) return {};
        std::string d;
        for (std::size_t i = 0; i < p.points.size(); ++i)
            d += fmt::format("{}{} {} ", i ? "L" : "M", num(p.points[i].x), num(p.points[i].y));
        d.pop_back();
        return fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="{}"{}{}/>)", d, safeColor(p.stroke),
                           num(p.strokeWidth), p.dashed ? R"( stroke-dasharray="8 5")" : "",
                           p.opacity < 1.0 ? fmt::format(R"( stroke-opacity="{:.2f}")", p.opacity) : "");
    }
    case PaintPrim::Kind::Polygon: {
        std::string pts;
        for (const auto& pt : p.points) pts += fmt::format("{}{},{}", pts.empty() ? "" : " ", num(pt.x), num(pt.y));
        std::string r = fmt::format(R"(<polygon points="{}" fill="{}")", pts, safeColor(p.fill));
        if (safeColor(p.stroke) != "none")
            r += fmt::format(R"( stroke="{}" stroke-width="{}")", safeColor(p.stroke), num(p.strokeWidth));
        if (p.opacity < 1.0) r += fmt::format(R"( fill-opacity="{:.2f}")", p.opacity);
        return r + "/>";
    }
    }
    return {};
}

}  // namespace

std::string sceneToSvg(const Scene& s, Theme theme, const std::string& idPrefix) {
    std::string o;
    o += fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" )"
                     R"(font-family="{}">)",
                     num(s.width), num(s.height), num(s.width), num(s.height), kFontFamily);
    o += "\n";
    if (!s.title.empty()) o += "<title>" + xmlEscape(s.title) + "</title>\n";
    const std::vector<PaintPrim> prims = paintScene(s, theme);
    std::size_t k = 0;
    for (; k < prims.size() && prims[k].item < 0; ++k) o += svgPrim(prims[k]) + "\n";
    for (std::size_t i = 0; i < s.items.size(); ++i) {
        const SceneItem& it = s.items[i];
        o += fmt::format(R"(<g id="{}" class="{}">)", xmlEscape(idPrefix + it.id), roleName(it.role));
        if (!it.tooltip.empty()) o += "<title>" + xmlEscape(it.tooltip) + "</title>";
        for (; k < prims.size() && prims[k].item == static_cast<int>(i); ++k) o += svgPrim(prims[k]);
        o += "</g>\n";
    }
    o += "</svg>\n";
    return o;
}

std::string sceneToTikz(const Scene& s, Theme theme) {
    // One scene unit = 0.02 cm; y grows downwards as on screen. Font sizes in pt.
    std::map<std::string, std::string> colors;  // "#rrggbb" -> name
    std::string defs;
    auto color = [&](const std::string& c0) -> std::string {
        const std::string c = safeColor(c0) == "none" ? "#000000" : c0;
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
    auto prim = [&](const PaintPrim& p) {
        switch (p.kind) {
        case PaintPrim::Kind::Rect: {
            std::string opts;
            if (safeColor(p.fill) != "none") opts += "fill=" + color(p.fill);
            if (p.opacity < 1.0) opts += fmt::format(",fill opacity={:.2f}", p.opacity);
            if (safeColor(p.stroke) != "none")
                opts += fmt::format("{}draw={},line width={}pt", opts.empty() ? "" : ",", color(p.stroke),
                                    num(pt(p.strokeWidth)));
            if (p.dashed) opts += ",dashed";
            if (opts.empty()) return;
            body += fmt::format("\\path[{}] ({},{}) rectangle ({},{});\n", opts, num(p.x), num(p.y), num(p.x + p.w),
                                num(p.y + p.h));
            break;
        }
        case PaintPrim::Kind::Text:
            body += fmt::format("\\node[anchor=base west,inner sep=0pt,text={},font=\\ttfamily{}\\fontsize{{{}}}{{{}}}"
                                "\\selectfont] at ({},{}) {{{}}};\n",
                                color(p.color), p.bold ? "\\bfseries" : "", num(pt(p.fontPx)), num(pt(p.fontPx) * 1.2),
                                num(p.x), num(p.y), texEscape(p.text));
            break;
        case PaintPrim::Kind::Path: {
            std::string path;
            for (std::size_t i = 0; i < p.points.size(); ++i)
                path += fmt::format("{}({},{})", i ? " -- " : "", num(p.points[i].x), num(p.points[i].y));
            if (path.empty()) return;
            body += fmt::format("\\draw[{},line width={}pt{}] {};\n", color(p.stroke), num(pt(p.strokeWidth)),
                                p.dashed ? ",dashed" : "", path);
            break;
        }
        case PaintPrim::Kind::Polygon: {
            std::string path;
            for (const auto& q : p.points) path += fmt::format("({},{}) -- ", num(q.x), num(q.y));
            if (path.empty()) return;
            body += fmt::format("\\fill[{}] {}cycle;\n", color(p.fill), path);
            break;
        }
        }
    };
    const std::vector<PaintPrim> prims = paintScene(s, theme);
    std::size_t k = 0;
    for (; k < prims.size() && prims[k].item < 0; ++k) prim(prims[k]);
    for (std::size_t i = 0; i < s.items.size(); ++i) {
        // The id (it holds table and task names) is a comment: escaped like any text, so neither a
        // line break (it would end the comment) nor TeX from a lesson survives in it.
        body += "% " + texEscape(s.items[i].id) + "\n";
        for (; k < prims.size() && prims[k].item == static_cast<int>(i); ++k) prim(prims[k]);
    }
    const std::string title = texEscape(s.title);
    std::string o = "% TLB Lab diagram";
    if (!title.empty()) o += ": " + title;
    o += "\n% Needs \\usepackage{tikz} (xcolor comes with it). Scale with \\resizebox or the x/y keys.\n";
    o += "\\begin{tikzpicture}[x=0.02cm,y=-0.02cm]\n";
    o += defs;
    o += body;
    o += "\\end{tikzpicture}\n";
    return o;
}

}  // namespace tlblab
