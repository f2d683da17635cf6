// SPDX-License-Identifier: GPL-3.0-or-later
// Lesson loader: YAML -> Lesson, checking everything and reporting FILE:LINE:COL.
#include "expect_grammar.hpp"
#include "lesson_challenge.hpp"
#include "tlblab/json.hpp"
#include "tlblab/lesson.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace tlblab {

std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates) {
    std::string s = suggest(word, candidates);
    return s.empty() ? std::string() : fmt::format("; did you mean '{}'?", s);
}

bool isIdentifier(const std::string& s) {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

// ---- one-line grammars: expectations and highlights -------------------------------------------

namespace {

// The words of an expectation or highlight: the operation language's tokenizer (ops.hpp), so both
// treat blanks, `#`, quotes and CPU names alike.
using Word = Token;

std::vector<std::string> statNames() {  // sorted, as the suggestions always listed them
    std::vector<std::string> v;
    v.reserve(kCounters.size());
    for (const CounterInfo& c : kCounters) v.emplace_back(c.name);
    std::sort(v.begin(), v.end());
    return v;
}

std::vector<std::string> registerNames() {
    return {"cr0", "cr3", "cr4", "efer", "pdpte0", "pdpte1", "pdpte2", "pdpte3", "mc0_status", "mcg_status", "cpl"};
}

std::vector<std::string> expectKeywords() {
    std::vector<std::string> v;
    for (const auto& k : kExpectKinds) v.emplace_back(k.word);
    return v;
}

std::string joinWords(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& w : v) s += (s.empty() ? "" : "|") + w;
    return s;
}

class LineParser {
public:
    LineParser(std::string_view text, const SourceLoc& loc, const char* what)
        : m_w(tokenizeLine(text, loc)), m_loc(loc), m_what(what) {}

    SourceLoc at(std::size_t i) const {
        SourceLoc l = m_loc;
        if (i < m_w.size()) l.col = m_w[i].col;
        else if (!m_w.empty()) l.col = m_w.back().col + static_cast<int>(m_w.back().text.size());
        return l;
    }
    [[noreturn]] void fail(std::size_t i, const std::string& msg) const { throw OpError(at(i), msg); }
    std::size_t size() const { return m_w.size(); }
    const Word& word(std::size_t i) const { return m_w[i]; }
    bool has(std::size_t i) const { return i < m_w.size(); }
    const std::string& need(std::size_t i, const std::string& what) const {
        if (!has(i)) fail(i, fmt::format("{} needs {}", m_what, what));
        return m_w[i].text;
    }
    u64 number(std::size_t i, const std::string& what) const {
        const std::string& s = need(i, what);
        u64 v = 0;
        if (!parseNumber(s, v)) fail(i, fmt::format("expected {}, got '{}'", what, s));
        return v;
    }
    u32 address(std::size_t i) const {
        u64 v = number(i, "a linear address");
        if (v > 0xffffffffull) fail(i, fmt::format("linear address {} is wider than 32 bits", hex(v)));
        return static_cast<u32>(v);
    }
    void noMore(std::size_t i) const {
        if (has(i)) fail(i, fmt::format("unexpected '{}' at the end of the {}", m_w[i].text, m_what));
    }
    int level(std::size_t i) const {
        const std::string& s = need(i, "a level (pdpte|pde|pte)");
        if (s == "pdpte") return 0;
        if (s == "pde") return 1;
        if (s == "pte") return 2;
        fail(i, fmt::format("expected a level (pdpte|pde|pte), got '{}'{}", s, didYouMean(s, {"pdpte", "pde", "pte"})));
    }
    std::string choice(std::size_t i, const std::string& what, const std::vector<std::string>& options) const {
        const std::string& s = need(i, what + " (" + joinWords(options) + ")");
        if (std::find(options.begin(), options.end(), s) == options.end())
            fail(i, fmt::format("expected {} ({}), got '{}'{}", what, joinWords(options), s, didYouMean(s, options)));
        return s;
    }

private:
    std::vector<Word> m_w;
    SourceLoc m_loc;
    const char* m_what;
};

// Optional filters after the fixed arguments of tlb_has / tlb_lacks / entry.
void parseFilters(const LineParser& p, std::size_t i, Expectation& e, bool origin) {
    std::vector<std::string> options = {"4K", "2M", "global", "nonglobal", "user", "supervisor"};
    if (origin) {
        options.emplace_back("walk");
        options.emplace_back("speculation");
    }
    for (; p.has(i); ++i) {
        const std::string& s = p.word(i).text;
        if (s == "4K") e.size = PageSize::K4;
        else if (s == "2M") e.size = PageSize::M2;
        else if (s == "global") e.global = true;
        else if (s == "nonglobal") e.global = false;
        else if (s == "user") e.user = true;
        else if (s == "supervisor") e.user = false;
        else if (origin && s == "walk") e.origin = Origin::Demand;
        else if (origin && s == "speculation") e.origin = Origin::Speculative;
        else
            p.fail(i, fmt::format("expected a filter ({}), got '{}'{}", joinWords(options), s, didYouMean(s, options)));
    }
}

}  // namespace

const char* expectKindName(ExpectKind k) {
    const ExpectKindInfo* info = expectKindInfo(k);
    return info ? info->word : "?";
}

const char* highlightKindName(HighlightKind k) {
    switch (k) {
    case HighlightKind::Cpu: return "cpu";
    case HighlightKind::Register: return "register";
    case HighlightKind::TableEntry: return "table_entry";
    case HighlightKind::TlbEntry: return "tlb_entry";
    }
    return "?";
}

namespace {

// ---- the arguments of each kind of expectation, after its keyword at word i ----------------------

void readName(const LineParser& p, std::size_t i, const std::string& what, Expectation& e) {
    e.name = p.need(i, what);
    e.nameLoc = p.at(i);
}

// tlb_has / tlb_lacks VA [filters]
void parseTlbMatch(const LineParser& p, std::size_t i, Expectation& e) {
    e.va = p.address(i);
    parseFilters(p, i + 1, e, true);
}

// tlb_count VA N
void parseTlbCount(const LineParser& p, std::size_t i, Expectation& e) {
    e.va = p.address(i);
    e.value = p.number(i + 1, "a number of entries");
    e.hasValue = true;
    p.noMore(i + 2);
}

// cr3 TABLE|PA (a quoted word is always a table name)
void parseCr3(const LineParser& p, std::size_t i, Expectation& e) {
    const std::string& s = p.need(i, "a table name or physical address");
    if (!p.word(i).quoted && parseNumber(s, e.value)) e.hasValue = true;
    else readName(p, i, "a table name", e);
    p.noMore(i + 1);
}

// entry TABLE VA LEVEL present|absent|VALUE [filters]
void parseEntry(const LineParser& p, std::size_t i, Expectation& e) {
    readName(p, i, "a table name", e);
    e.va = p.address(i + 1);
    e.level = p.level(i + 2);
    const std::string& s = p.need(i + 3, "present, absent or a raw value");
    if (s == "present") e.present = true;
    else if (s == "absent") e.present = false;
    else if (parseNumber(s, e.value)) e.hasValue = true;
    else p.fail(i + 3, fmt::format("expected present, absent or a raw value, got '{}'", s));
    parseFilters(p, i + 4, e, false);
    if (e.present == false && (e.size || e.global || e.user)) p.fail(i + 4, "an absent entry has no flags to check");
    if (e.size && e.level != 1) p.fail(i + 2, "only a PDE maps a 2M or 4K page (its PS bit)");
}

// machine_check [MC0_STATUS], page_fault [ERROR_CODE], access_ok [PA]
void parseOptionalValue(const LineParser& p, std::size_t i, Expectation& e) {
    if (p.has(i)) {
        e.value = p.number(i, e.kind == ExpectKind::MachineCheck ? "an MC0_STATUS value"
                              : e.kind == ExpectKind::PageFault  ? "an error code"
                                                                  : "a physical address");
        e.hasValue = true;
    }
    p.noMore(i + 1);
}

// state, tlb_state: one word of a fixed set
void parseChoice(const LineParser& p, std::size_t i, Expectation& e) {
    if (e.kind == ExpectKind::CpuState) e.name = p.choice(i, "a CPU state", {"online", "booting", "offline", "halted"});
    else e.name = p.choice(i, "a TLB state", {"ok", "lazy"});
    p.noMore(i + 1);
}

void parseTask(const LineParser& p, std::size_t i, Expectation& e) {
    readName(p, i, "a task name (or none)", e);
    p.noMore(i + 1);
}

void parsePge(const LineParser& p, std::size_t i, Expectation& e) {
    e.value = p.choice(i, "a PGE value", {"on", "off"}) == "on" ? 1 : 0;
    p.noMore(i + 1);
}

// stat / total COUNTER OP VALUE
void parseStat(const LineParser& p, std::size_t i, Expectation& e) {
    readName(p, i, "a counter name", e);
    const std::vector<std::string> stats = statNames();
    if (std::find(stats.begin(), stats.end(), e.name) == stats.end())
        p.fail(i, fmt::format("unknown counter '{}'{}", e.name, didYouMean(e.name, stats)));
    std::vector<std::string> words;
    for (const CompareInfo& c : kCompares) words.emplace_back(c.word);
    const std::string op = p.choice(i + 1, "a comparison", words);
    for (const CompareInfo& c : kCompares)
        if (op == c.word) e.cmp = c.cmp;
    e.value = p.number(i + 2, "a number");
    e.hasValue = true;
    p.noMore(i + 3);
}

void parseArguments(const LineParser& p, std::size_t i, Expectation& e) {
    switch (e.kind) {
    case ExpectKind::TlbHas:
    case ExpectKind::TlbLacks: parseTlbMatch(p, i, e); break;
    case ExpectKind::TlbCount: parseTlbCount(p, i, e); break;
    case ExpectKind::Cr3: parseCr3(p, i, e); break;
    case ExpectKind::Entry: parseEntry(p, i, e); break;
    case ExpectKind::MachineCheck:
    case ExpectKind::PageFault:
    case ExpectKind::Access: parseOptionalValue(p, i, e); break;
    case ExpectKind::NoMachineCheck:
    case ExpectKind::NoPageFault:
    case ExpectKind::Panic:
    case ExpectKind::NoPanic: p.noMore(i); break;
    case ExpectKind::CpuState:
    case ExpectKind::TlbState: parseChoice(p, i, e); break;
    case ExpectKind::Task: parseTask(p, i, e); break;
    case ExpectKind::Pge: parsePge(p, i, e); break;
    case ExpectKind::Stat:
    case ExpectKind::TotalStat: parseStat(p, i, e); break;
    }
}

// The optional `cpuN` and the keyword: sets e.cpu and e.kind, returns the index of the first argument.
std::size_t parseHead(const LineParser& p, Expectation& e) {
    std::size_t i = 0;
    if (parseCpuWord(p.word(0).text, e.cpu)) {
        i = 1;
    } else if (p.word(0).text.rfind("cpu", 0) == 0 && p.word(0).text != "cr3") {
        p.fail(0, fmt::format("bad CPU name '{}' (write cpu0, cpu1, ...)", p.word(0).text));
    }
    const std::string& kw = p.need(i, "a keyword (" + joinWords(expectKeywords()) + ")");
    const ExpectKindInfo* spec = nullptr;
    for (const auto& s : kExpectKinds)
        if (kw == s.word) spec = &s;
    if (!spec) p.fail(i, fmt::format("unknown expectation '{}'{}", kw, didYouMean(kw, expectKeywords())));
    e.kind = spec->kind;
    if (spec->cpu == CpuUse::Required && e.cpu < 0)
        p.fail(i, fmt::format("'{}' is about one CPU: write it as 'cpuN {}'", kw, kw));
    if (spec->cpu == CpuUse::None && e.cpu >= 0)
        p.fail(0, fmt::format("'{}' is not about one CPU: drop the '{}'", kw, p.word(0).text));
    return i + 1;
}

}  // namespace

Expectation parseExpectation(std::string_view text, const SourceLoc& loc) {
    LineParser p(text, loc, "expectation");
    Expectation e;
    e.text = std::string(text);
    while (!e.text.empty() && std::isspace(static_cast<unsigned char>(e.text.back()))) e.text.pop_back();
    e.loc = p.at(0);
    if (p.size() == 0) p.fail(0, "empty expectation");
    parseArguments(p, parseHead(p, e), e);
    return e;
}

Highlight parseHighlight(std::string_view text, const SourceLoc& loc) {
    LineParser p(text, loc, "highlight");
    Highlight h;
    h.loc = p.at(0);
    if (p.size() == 0) p.fail(0, "empty highlight");
    if (p.word(0).text == "table") {
        h.kind = HighlightKind::TableEntry;
        h.name = p.need(1, "a table name");
        h.nameLoc = p.at(1);
        h.va = p.address(2);
        h.level = p.level(3);
        p.noMore(4);
        return h;
    }
    if (!parseCpuWord(p.word(0).text, h.cpu))
        p.fail(0, fmt::format("expected cpuN or 'table', got '{}'", p.word(0).text));
    if (!p.has(1)) {
        h.kind = HighlightKind::Cpu;
        return h;
    }
    const std::string& w = p.word(1).text;
    if (w == "tlb") {
        h.kind = HighlightKind::TlbEntry;
        h.va = p.address(2);
        p.noMore(3);
        return h;
    }
    const std::vector<std::string> regs = registerNames();
    std::vector<std::string> options = regs;
    options.emplace_back("tlb");
    if (std::find(regs.begin(), regs.end(), w) == regs.end())
        p.fail(1, fmt::format("expected a register or 'tlb VA' ({}), got '{}'{}", joinWords(options), w,
                              didYouMean(w, options)));
    h.kind = HighlightKind::Register;
    h.name = w;
    h.nameLoc = p.at(1);
    p.noMore(2);
    return h;
}

// ---- the YAML loader ------------------------------------------------------------------------

namespace {

std::string noSuchCpu(int cpu, int cpus) {
    return fmt::format("cpu{} does not exist: the lesson has {} CPU{} (cpu0..cpu{})", cpu, cpus, cpus == 1 ? "" : "s",
                       cpus - 1);
}

class Loader {
public:
    Loader(const std::string& text, const std::string& path) : m_path(path) {
        std::string line;
        std::istringstream in(text);
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            m_lines.push_back(line);
        }
    }

    SourceLoc at(const YAML::Mark& m) const { return SourceLoc{m_path, m.line + 1, m.column + 1}; }
    SourceLoc at(const YAML::Node& n) const { return at(n.Mark()); }
    SourceLoc fileLoc() const { return SourceLoc{m_path, 1, 1}; }
    [[noreturn]] void fail(const YAML::Node& n, const std::string& msg) const { throw OpError(at(n), msg); }

    // A map's keys: each must be a known one, none twice. Returns key -> (key node, value node).
    struct Entry {
        YAML::Node key, value;
    };
    std::map<std::string, Entry> mapOf(const YAML::Node& n, const std::vector<std::string>& allowed,
                                       const std::string& what) const {
        if (!n.IsMap()) fail(n, fmt::format("{} must be a mapping of keys to values", what));
        std::map<std::string, Entry> out;
        for (auto it = n.begin(); it != n.end(); ++it) {
            if (!it->first.IsScalar()) fail(it->first, fmt::format("{}: keys must be plain words", what));
            checkDecoded(it->first);
            const std::string k = it->first.Scalar();
            if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
                fail(it->first, fmt::format("unknown key '{}' in {}{}", k, what, didYouMean(k, allowed)));
            if (out.count(k)) fail(it->first, fmt::format("key '{}' appears twice in {}", k, what));
            out.emplace(k, Entry{it->first, it->second});
        }
        return out;
    }
    static const YAML::Node* get(const std::map<std::string, Entry>& m, const std::string& k) {
        auto it = m.find(k);
        return it == m.end() ? nullptr : &it->second.value;
    }
    const YAML::Node& require(const std::map<std::string, Entry>& m, const std::string& k, const YAML::Node& owner,
                              const std::string& what) const {
        const YAML::Node* n = get(m, k);
        if (!n) fail(owner, fmt::format("{} needs a '{}' key", what, k));
        return *n;
    }

    std::string scalar(const YAML::Node& n, const std::string& what) const {
        if (!n.IsScalar()) fail(n, fmt::format("{} must be text", what));
        spend(n, n.Scalar().size());
        checkDecoded(n);
        return n.Scalar();
    }
    // The text rules apply to what a scalar decodes to, not only to the file's bytes: YAML escapes
    // ("\e", "\x1b", "\u009b", "\0") would otherwise carry control characters into terminals,
    // JSON, SVG, HTML and TeX. Tab and line feed are allowed, and CR only before a line feed.
    void checkDecoded(const YAML::Node& n) const {
        const std::string& v = n.Scalar();
        std::size_t bad = findNonText(v);
        for (std::size_t cr = v.find('\r'); bad == std::string::npos && cr != std::string::npos; cr = v.find('\r', cr + 1))
            if (cr + 1 == v.size() || v[cr + 1] != '\n') bad = cr;
        if (bad == std::string::npos) return;
        const auto c = static_cast<unsigned char>(v[bad]);
        throw OpError(contentLoc(n), c < 0x80 ? fmt::format("this text decodes to control character {:#04x} (an escape such as \\e, \\x1b "
                                       "or \\r?); lesson text may hold no control characters but tab and line ends",
                                       c)
                         : std::string("this text decodes to a C1 control character or to bytes that are not UTF-8 "
                                       "(an escape such as \\x9b or \\u009b?); lesson text must be UTF-8 text"));
    }
    // Hostile input: YAML aliases (*name) repeat a node without repeating its text, so a 1 MiB file
    // could expand to gigabytes. Every scalar read counts against a budget of 4x the file limit.
    void spend(const YAML::Node& n, std::size_t bytes) const {
        m_textBytes += bytes;
        if (m_textBytes > 4 * kMaxLessonBytes)
            fail(n, fmt::format("the lesson expands to more than {} bytes of text (YAML aliases repeating large "
                                "parts?)",
                                4 * kMaxLessonBytes));
    }
    std::string text(const YAML::Node& n, const std::string& what) const {
        std::string s = scalar(n, what);
        if (s.empty()) fail(n, fmt::format("{} is empty", what));
        return s;
    }
    int integer(const YAML::Node& n, const std::string& what, int lo, int hi) const {
        std::string s = scalar(n, what);
        u64 v = 0;
        if (!parseNumber(s, v) || v < static_cast<u64>(lo) || v > static_cast<u64>(hi))
            fail(n, fmt::format("{} must be a whole number from {} to {}, got '{}'", what, lo, hi, s));
        return static_cast<int>(v);
    }
    // A list of texts; a single scalar counts as a one-element list.
    std::vector<YAML::Node> list(const YAML::Node& n, const std::string& what) const {
        std::vector<YAML::Node> out;
        if (n.IsScalar()) {
            checkDecoded(n);
            out.push_back(n);
        } else if (n.IsSequence()) {
            for (const auto& x : n) {
                if (!x.IsScalar()) fail(x, fmt::format("each item of {} must be text", what));
                checkDecoded(x);
                out.push_back(x);
            }
        } else if (!n.IsNull()) {
            fail(n, fmt::format("{} must be a list", what));
        }
        return out;
    }

    // The position of a scalar's text (after an opening quote).
    SourceLoc contentLoc(const YAML::Node& n) const {
        SourceLoc l = at(n);
        const char c = charAt(n.Mark());
        if (c == '"' || c == '\'') ++l.col;
        return l;
    }
    char charAt(const YAML::Mark& m) const {
        if (m.line < 0 || static_cast<std::size_t>(m.line) >= m_lines.size()) return 0;
        const std::string& l = m_lines[static_cast<std::size_t>(m.line)];
        return m.column >= 0 && static_cast<std::size_t>(m.column) < l.size() ? l[static_cast<std::size_t>(m.column)] : 0;
    }

    // Lines of operation-language text with their real positions: a list of scalars (one line
    // each) or one `|` block (one line per line).
    std::vector<std::pair<std::string, SourceLoc>> lines(const YAML::Node& n, const std::string& what) const {
        std::vector<std::pair<std::string, SourceLoc>> out;
        if (n.IsNull()) return out;
        if (n.IsSequence()) {
            for (const auto& x : n) {
                if (!x.IsScalar()) fail(x, fmt::format("each item of {} must be one line of text", what));
                checkDecoded(x);
                if (x.Scalar().find('\n') != std::string::npos)
                    fail(x, fmt::format("each item of {} must be one line", what));
                spend(x, x.Scalar().size());
                out.emplace_back(x.Scalar(), contentLoc(x));
            }
            return out;
        }
        if (!n.IsScalar()) fail(n, fmt::format("{} must be a '|' block or a list of lines", what));
        const char style = charAt(n.Mark());
        if (style == '>') fail(n, fmt::format("{} must be a '|' block (a '>' block joins the lines)", what));
        const std::string& s = n.Scalar();
        spend(n, s.size());
        checkDecoded(n);
        if (style != '|') {
            if (s.find('\n') != std::string::npos) fail(n, fmt::format("{} must be a '|' block or a list", what));
            out.emplace_back(s, contentLoc(n));
            return out;
        }
        std::size_t pos = 0;
        int rawLine = n.Mark().line + 1;  // 0-based index of the block's first content line
        while (pos < s.size()) {
            std::size_t nl = s.find('\n', pos);
            std::string l = s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
            SourceLoc loc = at(n);
            if (rawLine >= 0 && static_cast<std::size_t>(rawLine) < m_lines.size()) {
                const std::string& raw = m_lines[static_cast<std::size_t>(rawLine)];
                if (raw.size() >= l.size() && raw.compare(raw.size() - l.size(), l.size(), l) == 0) {
                    loc.line = rawLine + 1;
                    loc.col = static_cast<int>(raw.size() - l.size()) + 1;
                }
            }
            out.emplace_back(l, loc);
            if (nl == std::string::npos) break;
            pos = nl + 1;
            ++rawLine;
        }
        return out;
    }

    std::vector<Op> ops(const YAML::Node& n, const std::string& what) const {
        std::vector<Op> out;
        for (const auto& [l, loc] : lines(n, what)) {
            Op op;
            if (parseOp(l, loc, op)) out.push_back(std::move(op));
            if (++m_opCount > kMaxLessonOps)
                throw OpError(loc, fmt::format("a lesson may have at most {} operations", kMaxLessonOps));
        }
        return out;
    }

    int cpuIndex(const YAML::Node& n, const std::string& what) const {
        const std::string s = scalar(n, what);
        int cpu = -1;
        u64 v = 0;
        if (!parseCpuWord(s, cpu)) {
            if (!parseNumber(s, v) || v >= static_cast<u64>(kMaxCpus))
                fail(n, fmt::format("{}: expected a CPU (cpu0, cpu1, ...), got '{}'", what, s));
            cpu = static_cast<int>(v);
        }
        if (cpu >= m_cpuCount) fail(n, noSuchCpu(cpu, m_cpuCount));
        return cpu;
    }

    Lesson load(const YAML::Node& root);

private:
    using Keys = std::map<std::string, Entry>;
    void loadMetadata(const Keys& top, const YAML::Node& root, Lesson& lesson) const;
    void loadReferences(const YAML::Node& n, Lesson& lesson) const;
    void loadSetup(const Keys& top, Lesson& lesson);
    void loadVariants(const YAML::Node* n, Lesson& lesson) const;
    LessonVariant variant(const YAML::Node& v, const Lesson& lesson) const;
    void loadSteps(const YAML::Node& steps, Lesson& lesson) const;
    ChallengeReaders challengeReaders(const Lesson& lesson) const;
    void loadStep(const YAML::Node& n, const Lesson& lesson, LessonStep& step) const;
    std::string variantName(const YAML::Node& x, const Lesson& lesson) const;
    void loadNarration(const YAML::Node& n, const Lesson& lesson, LessonStep& step) const;
    void loadExpectations(const YAML::Node& n, const Lesson& lesson, LessonStep& step) const;
    void loadQuestion(const YAML::Node& n, const Lesson& lesson, LessonStep& step) const;
    void loadExplore(const YAML::Node& n, Lesson& lesson) const;
    static std::optional<Op> threadOp(const std::string& l, const SourceLoc& loc, int cpu);
    std::map<int, std::vector<u32>> speculation(const YAML::Node& n) const;
    void checkNames(const Lesson& lesson) const;

    std::string m_path;
    std::vector<std::string> m_lines;
    // The variant names a key of a per-variant map names: "v1", "v1, v2" (comma or space separated);
    // `everything` ("all" or "default") gives an empty list. Each name must be a variant the step plays.
    std::vector<std::string> variantKey(const YAML::Node& key, const Lesson& lesson, const LessonStep& step,
                                        const std::string& everything, const std::string& what) const {
        const std::string keyText = scalar(key, fmt::format("a key of {}", what));
        std::vector<std::string> names;
        if (keyText == everything) return names;
        std::string cur;
        int col = 0, start = 0;
        auto flush = [&]() {
            if (cur.empty()) return;
            SourceLoc l = contentLoc(key);
            l.col += start;
            if (!lesson.variant(cur))
                throw OpError(l, fmt::format("unknown variant '{}'{} ({} keys are '{}' or variant names)", cur,
                                             didYouMean(cur, lesson.variantNames()), what, everything));
            if (!step.appliesTo(cur)) throw OpError(l, fmt::format("this step is not played under variant '{}'", cur));
            names.push_back(cur);
            cur.clear();
        };
        for (char ch : keyText) {
            if (ch == ',' || ch == ' ') flush();
            else {
                if (cur.empty()) start = col;
                cur.push_back(ch);
            }
            ++col;
        }
        flush();
        if (names.empty()) fail(key, fmt::format("a key of {} names no variant", what));
        return names;
    }
    // A map from `default` or variant names ("b, c") to a value that `read` makes of each node: the
    // default into `all`, the others into `byVariant`, each variant at most once (`twice` names the
    // values in that error). Returns whether the map has a default.
    template <typename T, typename Read>
    bool perVariant(const YAML::Node& map, const Lesson& lesson, const LessonStep& step, const char* what,
                    const char* twice, Read read, T& all, std::map<std::string, T>& byVariant) const {
        bool haveDefault = false;
        for (auto it = map.begin(); it != map.end(); ++it) {
            const std::vector<std::string> names = variantKey(it->first, lesson, step, "default", what);
            T value = read(it->second);
            if (names.empty()) {
                if (haveDefault) fail(it->first, fmt::format("key 'default' appears twice in {}", what));
                haveDefault = true;
                all = value;
            }
            for (const auto& v : names) {
                if (byVariant.count(v)) fail(it->first, fmt::format("{} gives variant '{}' two {}", what, v, twice));
                byVariant[v] = value;
            }
        }
        return haveDefault;
    }
    Question question(const YAML::Node& n) const {
        auto qm = mapOf(n, {"prompt", "choices", "answer", "explanation"}, "a question");
        Question qu;
        qu.loc = at(n);
        qu.prompt = text(require(qm, "prompt", n, "a question"), "prompt");
        const YAML::Node& ch = require(qm, "choices", n, "a question");
        for (const auto& x : list(ch, "choices")) qu.choices.push_back(text(x, "a choice"));
        if (qu.choices.size() < 2) fail(ch, "a question needs at least two choices");
        qu.answer = integer(require(qm, "answer", n, "a question"), "answer (the number of the right choice, from 1)", 1,
                            static_cast<int>(qu.choices.size())) - 1;
        if (auto x = get(qm, "explanation")) qu.explanation = scalar(*x, "explanation");
        return qu;
    }

    mutable std::size_t m_textBytes = 0;  // scalar bytes read so far (spend())
    mutable std::size_t m_opCount = 0;    // operations parsed so far (kMaxLessonOps)
    int m_cpuCount = kMaxCpus;  // the lesson's CPUs, once its setup is known
};

// The keys a lesson and a step may have (built on first use: nothing at namespace scope can throw).
const std::vector<std::string>& topKeys() {
    static const std::vector<std::string> k = {"id",         "order", "title",    "summary", "audience", "minutes",
                                               "references", "setup", "variants", "steps",   "explore",  "challenges"};
    return k;
}
const std::vector<std::string>& stepKeys() {
    static const std::vector<std::string> k = {"title",     "cpu",    "cpus",     "ops",         "narration",
                                               "highlight", "expect", "question", "breakpoints", "variants"};
    return k;
}

bool blankLine(std::string_view t) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    return t.empty() || t.front() == '#';
}

Lesson Loader::load(const YAML::Node& root) {
    Lesson lesson;
    lesson.path = m_path;
    if (!root.IsDefined() || root.IsNull()) throw OpError(fileLoc(), "the lesson file is empty");
    const Keys top = mapOf(root, topKeys(), "the lesson");
    loadMetadata(top, root, lesson);
    if (auto n = get(top, "references")) loadReferences(*n, lesson);
    loadSetup(top, lesson);
    loadVariants(get(top, "variants"), lesson);
    loadSteps(require(top, "steps", root, "the lesson"), lesson);
    if (auto n = get(top, "explore")) loadExplore(*n, lesson);
    if (auto n = get(top, "challenges")) loadChallenges(*n, lesson, challengeReaders(lesson));
    checkNames(lesson);
    return lesson;
}

// id, order, title, summary, audience, minutes.
void Loader::loadMetadata(const Keys& top, const YAML::Node& root, Lesson& lesson) const {
    lesson.id = visibleText(std::filesystem::path(m_path).stem().string());  // shown by list, check, the app
    if (auto n = get(top, "id")) {
        lesson.id = text(*n, "id");
        if (!isIdentifier(lesson.id)) fail(*n, "id may hold only letters, digits, '-', '_' and '.'");
    }
    if (auto n = get(top, "order")) lesson.order = integer(*n, "order", 0, 1000000);
    lesson.title = text(require(top, "title", root, "the lesson"), "title");
    if (auto n = get(top, "summary")) lesson.summary = scalar(*n, "summary");
    if (auto n = get(top, "audience")) lesson.audience = scalar(*n, "audience");
    if (auto n = get(top, "minutes")) lesson.minutes = integer(*n, "minutes", 1, 600);
}

// A list of {title, and one of url, commit or document}.
void Loader::loadReferences(const YAML::Node& n, Lesson& lesson) const {
    if (!n.IsSequence()) fail(n, "references must be a list");
    for (const auto& r : n) {
        auto m = mapOf(r, {"title", "url", "commit", "document"}, "a reference");
        Reference ref;
        ref.title = text(require(m, "title", r, "a reference"), "a reference's title");
        int sources = 0;
        if (auto u = get(m, "url")) { ref.source = text(*u, "url"); ++sources; }
        if (auto c = get(m, "commit")) { ref.source = "commit " + text(*c, "commit"); ++sources; }
        if (auto d = get(m, "document")) { ref.source = text(*d, "document"); ++sources; }
        if (sources != 1) fail(r, "a reference needs exactly one of 'url', 'commit' or 'document'");
        lesson.references.push_back(std::move(ref));
    }
}

// The setup's operations and what they decide for the rest of the file: the number of CPUs that
// `cpuN` may name. Where the file has variants, they set the CPU model and kernel, not the setup.
void Loader::loadSetup(const Keys& top, Lesson& lesson) {
    if (auto n = get(top, "setup")) lesson.setup = ops(*n, "setup");
    m_cpuCount = static_cast<int>(Machine{}.cpus().size());
    for (const auto& op : lesson.setup)
        if (op.code == OpCode::Cpus) m_cpuCount = static_cast<int>(std::min<u64>(op.value(), kMaxCpus));
    if (!get(top, "variants")) return;
    for (const auto& op : lesson.setup)
        if (op.code == OpCode::CpuModel || op.code == OpCode::KernelVariant)
            throw OpError(op.loc, fmt::format("'{}' is set by each variant; remove it from the setup", opKeyword(op.code)));
}

// The `variants:` list, or (without one) the variant "default": the machine as the setup makes it.
void Loader::loadVariants(const YAML::Node* n, Lesson& lesson) const {
    if (!n) {
        LessonVariant d;
        d.name = "default";
        d.description = "the machine as the setup makes it";
        d.fromFile = false;
        d.loc = fileLoc();
        lesson.variants.push_back(std::move(d));
        return;
    }
    if (!n->IsSequence() || n->size() == 0) fail(*n, "variants must be a non-empty list");
    for (const auto& v : *n) lesson.variants.push_back(variant(v, lesson));
}

LessonVariant Loader::variant(const YAML::Node& v, const Lesson& lesson) const {
    auto m = mapOf(v, {"name", "description", "cpu_model", "kernel"}, "a variant");
    LessonVariant lv;
    lv.loc = at(v);
    const YAML::Node& nameNode = require(m, "name", v, "a variant");
    lv.name = text(nameNode, "a variant's name");
    if (!isIdentifier(lv.name)) fail(nameNode, "a variant's name may hold only letters, digits, '-', '_' and '.'");
    if (lesson.variant(lv.name)) fail(nameNode, fmt::format("variant '{}' is defined twice", lv.name));
    lv.description = text(require(m, "description", v, "a variant"), "a variant's description");
    if (auto c = get(m, "cpu_model")) {
        std::string s = text(*c, "cpu_model");
        if (!parseCpuModel(s, lv.model))
            fail(*c, fmt::format("unknown CPU model '{}' (erratum383|correct){}", s, didYouMean(s, {"erratum383", "correct"})));
    }
    if (auto k = get(m, "kernel")) {
        std::string s = text(*k, "kernel");
        if (!parseKernelVariant(s, lv.kernel))
            fail(*k, fmt::format("unknown kernel variant '{}' (buggy|fix-flush|fix-trampoline){}", s,
                                 didYouMean(s, {"buggy", "fix-flush", "fix-trampoline"})));
    }
    return lv;
}

// The `steps:` list; afterwards every variant must play at least one of them.
void Loader::loadSteps(const YAML::Node& steps, Lesson& lesson) const {
    if (!steps.IsSequence() || steps.size() == 0) fail(steps, "steps must be a non-empty list");
    if (steps.size() > kMaxLessonSteps)
        fail(steps, fmt::format("a lesson may have at most {} steps; this one has {}", kMaxLessonSteps, steps.size()));
    for (const auto& s : steps) {
        LessonStep step;
        loadStep(s, lesson, step);
        lesson.steps.push_back(std::move(step));
    }
    for (const auto& v : lesson.variants) {
        bool any = std::any_of(lesson.steps.begin(), lesson.steps.end(),
                               [&](const LessonStep& st) { return st.appliesTo(v.name); });
        if (!any) throw OpError(v.loc, fmt::format("variant '{}' has no step", v.name));
    }
}

// The loader's readers for the `challenges:` section (lesson_challenge.cpp); a challenge's own
// explore: section is read against the lesson's steps.
ChallengeReaders Loader::challengeReaders(const Lesson& lesson) const {
    return {[this](const YAML::Node& x) { return at(x); },
            [this](const YAML::Node& x, const std::string& w) { return text(x, w); },
            [this, &lesson](const YAML::Node& x) {
                Lesson scratch;
                scratch.steps = lesson.steps;
                loadExplore(x, scratch);
                return *scratch.explore;
            }};
}

void Loader::loadStep(const YAML::Node& n, const Lesson& lesson, LessonStep& step) const {
    auto m = mapOf(n, stepKeys(), "a step");
    step.loc = at(n);
    step.title = text(require(m, "title", n, "a step"), "a step's title");
    if (get(m, "cpu") && get(m, "cpus")) fail(m.at("cpus").key, "write either 'cpu' or 'cpus', not both");
    if (auto c = get(m, "cpu")) step.cpus.push_back(cpuIndex(*c, "cpu"));
    if (auto c = get(m, "cpus"))
        for (const auto& x : list(*c, "cpus")) step.cpus.push_back(cpuIndex(x, "cpus"));
    if (auto o = get(m, "ops")) step.ops = ops(*o, "ops");
    if (auto v = get(m, "variants"))
        for (const auto& x : list(*v, "variants")) step.variants.push_back(variantName(x, lesson));
    if (auto nar = get(m, "narration")) loadNarration(*nar, lesson, step);
    if (auto h = get(m, "highlight"))
        for (const auto& [l, loc] : lines(*h, "highlight"))
            if (!blankLine(l)) step.highlights.push_back(parseHighlight(l, loc));
    if (auto e = get(m, "expect")) loadExpectations(*e, lesson, step);
    if (auto q = get(m, "question")) loadQuestion(*q, lesson, step);
    if (auto b = get(m, "breakpoints"))
        for (const auto& x : list(*b, "breakpoints")) {
            std::string tag = text(x, "a breakpoint tag");
            if (!isIdentifier(tag)) fail(x, "a breakpoint tag may hold only letters, digits, '-', '_' and '.'");
            step.breakpoints.push_back(tag);
        }
}

std::string Loader::variantName(const YAML::Node& x, const Lesson& lesson) const {
    std::string v = text(x, "a variant name");
    if (!lesson.variant(v)) fail(x, fmt::format("unknown variant '{}'{}", v, didYouMean(v, lesson.variantNames())));
    return v;
}

// One text, or a map from `default` / variant names ("fix-flush, fix-trampoline") to texts that
// gives every variant the step plays a text.
void Loader::loadNarration(const YAML::Node& n, const Lesson& lesson, LessonStep& step) const {
    if (!n.IsMap()) {
        step.narration = scalar(n, "narration");
        return;
    }
    auto read = [this](const YAML::Node& x) { return scalar(x, "narration"); };
    if (perVariant(n, lesson, step, "narration", "texts", read, step.narration, step.narrationFor)) return;
    for (const auto& v : lesson.variants)
        if (step.appliesTo(v.name) && !step.narrationFor.count(v.name))
            fail(n, fmt::format("narration has no text for variant '{}' (add it or 'default')", v.name));
}

// A list (checked under every variant) or a map from "all" / "variant[, variant...]" to lists.
void Loader::loadExpectations(const YAML::Node& n, const Lesson& lesson, LessonStep& step) const {
    std::vector<std::pair<std::vector<std::string>, YAML::Node>> groups;
    if (n.IsMap()) {
        for (auto it = n.begin(); it != n.end(); ++it)
            groups.emplace_back(variantKey(it->first, lesson, step, "all", "expect"), it->second);
    } else {
        groups.emplace_back(std::vector<std::string>{}, n);
    }
    for (const auto& [names, node] : groups)
        for (const auto& [l, loc] : lines(node, "expect"))
            if (!blankLine(l)) {
                step.expectations.push_back(parseExpectation(l, loc));
                step.expectations.back().variants = names;
            }
}

// One question (a map with `prompt`), or a map from `default` / variant names to a question or
// `none` (no question under those variants).
void Loader::loadQuestion(const YAML::Node& n, const Lesson& lesson, LessonStep& step) const {
    if (!n.IsMap() || n["prompt"]) {
        step.question = question(n);
        return;
    }
    auto read = [this](const YAML::Node& x) -> std::optional<Question> {
        if (x.IsNull() || (x.IsScalar() && x.Scalar() == "none")) return std::nullopt;
        if (!x.IsMap()) fail(x, "a variant's question must be a question (prompt, choices, answer) or 'none'");
        return question(x);
    };
    perVariant(n, lesson, step, "question", "entries", read, step.question, step.questionFor);
}

// A line of cpuN's thread in an explore: section (nullopt: blank or a comment). A CPU operation
// may leave out its thread's cpuN prefix.
std::optional<Op> Loader::threadOp(const std::string& l, const SourceLoc& loc, int cpu) {
    Op op;
    try {
        if (!parseOp(l, loc, op)) return std::nullopt;
    } catch (const OpError&) {
        const std::string prefix = fmt::format("cpu{} ", cpu);
        SourceLoc shifted = loc;
        shifted.col -= static_cast<int>(prefix.size());
        Op retry;
        bool ok = false;
        try {
            ok = parseOp(prefix + l, shifted, retry);
        } catch (const OpError&) {
        }
        if (!ok) throw;
        op = retry;
        op.loc = loc;
    }
    if (op.cpu >= 0 && op.cpu != cpu)
        throw OpError(op.loc, fmt::format("this operation runs on cpu{} but is in cpu{}'s thread", op.cpu, cpu));
    return op;
}

// An explore: section's `speculation:` map from cpuN to the linear addresses it may cache at any point.
std::map<int, std::vector<u32>> Loader::speculation(const YAML::Node& n) const {
    if (!n.IsMap()) fail(n, "speculation must map cpuN to a list of linear addresses");
    std::map<int, std::vector<u32>> out;
    for (auto it = n.begin(); it != n.end(); ++it) {
        const int cpu = cpuIndex(it->first, "speculation");
        if (out.count(cpu)) fail(it->first, fmt::format("cpu{} appears twice", cpu));
        std::vector<u32> vas;
        for (const auto& v : list(it->second, "speculation addresses")) {
            u64 va = 0;
            if (!parseNumber(v.Scalar(), va) || va > 0xffffffffull)
                fail(v, fmt::format("expected a 32-bit linear address, got '{}'", v.Scalar()));
            vas.push_back(static_cast<u32>(va));
        }
        out[cpu] = std::move(vas);
    }
    return out;
}

void Loader::loadExplore(const YAML::Node& n, Lesson& lesson) const {
    auto m = mapOf(n, {"after_step", "threads", "speculation", "goal"}, "explore");
    ExploreSpec x;
    x.loc = at(n);
    // The explorer's limit (explore.cpp's kMaxExploreCpus: a CPU set is 56 bits of a state word),
    // reported here at the `cpus` line that passes it rather than later without a position.
    constexpr int kMaxExploreCpus = 56;
    if (m_cpuCount > kMaxExploreCpus) {
        SourceLoc where = at(n);
        for (const Op& op : lesson.setup)
            if (op.code == OpCode::Cpus) where = op.argLoc(0);
        throw OpError(where, fmt::format("explore handles at most {} CPUs; this lesson sets up {} (it has an "
                                         "explore: section)",
                                         kMaxExploreCpus, m_cpuCount));
    }
    if (auto a = get(m, "after_step"))
        x.afterStep = integer(*a, "after_step", 0, static_cast<int>(lesson.steps.size()));
    const YAML::Node& threads = require(m, "threads", n, "explore");
    if (!threads.IsMap() || threads.size() == 0) fail(threads, "threads must map cpuN to a list of operations");
    for (auto it = threads.begin(); it != threads.end(); ++it) {
        const int cpu = cpuIndex(it->first, "a thread");
        if (x.threads.count(cpu)) fail(it->first, fmt::format("cpu{} has two threads", cpu));
        std::vector<Op> ops;
        for (const auto& [l, loc] : lines(it->second, "a thread"))
            if (std::optional<Op> op = threadOp(l, loc, cpu)) ops.push_back(std::move(*op));
        if (ops.empty()) fail(it->second, fmt::format("cpu{}'s thread has no operation", cpu));
        x.threads[cpu] = std::move(ops);
    }
    if (auto s = get(m, "speculation")) x.speculation = speculation(*s);
    if (auto g = get(m, "goal")) {
        std::string s = text(*g, "goal");
        if (s != "machine_check") fail(*g, fmt::format("unknown goal '{}' (machine_check){}", s, didYouMean(s, {"machine_check"})));
    }
    lesson.explore = std::move(x);
}

// Expectations, highlights and explore sections must name CPUs, tables and tasks that exist.
void Loader::checkNames(const Lesson& lesson) const {
    int cpus = static_cast<int>(Machine{}.cpus().size());
    std::set<std::string> tables, tasks = {"none", "idle"};
    bool trampoline = false;
    for (const auto& v : lesson.variants) trampoline |= v.kernel == KernelVariant::FixTrampoline;
    auto scan = [&](const Op& op) {
        switch (op.code) {
        case OpCode::Cpus: cpus = static_cast<int>(op.value()); break;
        case OpCode::KernelVariant: trampoline |= op.name == "fix-trampoline"; break;
        case OpCode::Table: tables.insert(op.name); break;
        case OpCode::KernelBoot:
            tables.insert({"swapper_pg_dir", "kernel PMD", "empty_zero_page"});
            if (trampoline) tables.insert("trampoline_pg_dir");
            for (int i = 0; i < cpus; ++i) tasks.insert(fmt::format("swapper/{}", i));
            break;
        case OpCode::Task:
            tasks.insert(op.name);
            tables.insert(op.name + " pgd");
            for (int i = 0; i < 3; ++i) tables.insert(fmt::format("{} pmd{}", op.name, i));
            break;
        default: break;
        }
    };
    for (const auto& op : lesson.setup) scan(op);
    for (const auto& s : lesson.steps)
        for (const auto& op : s.ops) scan(op);
    const std::vector<std::string> tableList(tables.begin(), tables.end());
    const std::vector<std::string> taskList(tasks.begin(), tasks.end());
    auto checkCpu = [&](int cpu, const SourceLoc& loc) {
        if (cpu >= cpus) throw OpError(loc, noSuchCpu(cpu, cpus));
    };
    auto checkTable = [&](const std::string& name, const SourceLoc& loc) {
        if (!tables.count(name))
            throw OpError(loc, fmt::format("no table named '{}' is ever created{}", name, didYouMean(name, tableList)));
    };
    for (const auto& s : lesson.steps) {
        for (int c : s.cpus) checkCpu(c, s.loc);
        for (const auto& e : s.expectations) {
            if (e.cpu >= 0) checkCpu(e.cpu, e.loc);
            if ((e.kind == ExpectKind::Cr3 && !e.hasValue) || e.kind == ExpectKind::Entry) checkTable(e.name, e.nameLoc);
            if (e.kind == ExpectKind::Task && !tasks.count(e.name))
                throw OpError(e.nameLoc, fmt::format("no task named '{}' is ever created{}", e.name,
                                                     didYouMean(e.name, taskList)));
        }
        for (const auto& h : s.highlights) {
            if (h.cpu >= 0) checkCpu(h.cpu, h.loc);
            if (h.kind == HighlightKind::TableEntry) checkTable(h.name, h.nameLoc);
        }
    }
    if (lesson.explore) {
        for (const auto& [cpu, ops] : lesson.explore->threads) checkCpu(cpu, ops.front().loc);
        for (const auto& [cpu, vas] : lesson.explore->speculation) checkCpu(cpu, lesson.explore->loc);
    }
}

}  // namespace

bool Expectation::appliesTo(const std::string& variant) const {
    return variants.empty() || std::find(variants.begin(), variants.end(), variant) != variants.end();
}

bool LessonStep::appliesTo(const std::string& variant) const {
    return variants.empty() || std::find(variants.begin(), variants.end(), variant) != variants.end();
}

const std::string& LessonStep::narrationIn(const std::string& variant) const {
    auto it = narrationFor.find(variant);
    return it == narrationFor.end() ? narration : it->second;
}

const Question* LessonStep::questionIn(const std::string& variant) const {
    auto it = questionFor.find(variant);
    const std::optional<Question>& q = it == questionFor.end() ? question : it->second;
    return q ? &*q : nullptr;
}

const LessonVariant* Lesson::variant(const std::string& name) const {
    for (const auto& v : variants)
        if (v.name == name) return &v;
    return nullptr;
}

std::vector<std::string> Lesson::variantNames() const {
    std::vector<std::string> v;
    for (const auto& x : variants) v.push_back(x.name);
    return v;
}

namespace {
// Hostile input: size and text checks before YAML sees the bytes, counts after loading.
void checkLessonText(const std::string& text, const std::string& path) {
    if (text.size() > kMaxLessonBytes)
        throw OpError(offsetLoc(text, kMaxLessonBytes, path),
                      fmt::format("the file is {} bytes; a lesson may have at most {} (1 MiB): this byte is past the limit",
                                  text.size(), kMaxLessonBytes));
    const std::size_t bad = findNonText(text);
    if (bad == std::string::npos) return;
    throw OpError(offsetLoc(text, bad, path),
                  fmt::format("byte {:#04x} is not text (a lesson is UTF-8 text without control characters)",
                              static_cast<unsigned char>(text[bad])));
}

// A lesson is one YAML document: a second one (after `---`) would be ignored silently. It is found
// in the text, not with YAML::LoadAll: yaml-cpp 0.7's LoadAll can loop without end on a valid
// one-document stream (a fuzz finding: a JSON array kept it adding documents until memory ran
// out). By YAML 1.2 a line that starts with `---` or `...` followed by a blank or its end is a
// document marker wherever it stands (a quoted or block scalar cannot hold one), so the scan is
// exact. The error points at the second document's first content, or at its `---`.
YAML::Node onlyDocument(const std::string& text, const std::string& path) {
    auto isMarker = [](std::string_view l, std::string_view m) {
        return l.substr(0, 3) == m && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    };
    auto firstContent = [](std::string_view l, std::size_t from) -> std::size_t {  // npos: blank or comment
        const std::size_t c = l.find_first_not_of(" \t\r", from);
        return c == std::string_view::npos || l[c] == '#' ? std::string_view::npos : c;
    };
    bool content = false, ended = false, second = false;
    SourceLoc marker;
    int line = 0;
    for (std::size_t pos = 0; pos <= text.size();) {
        const std::size_t nl = text.find('\n', pos);
        const std::string_view l(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
        ++line;
        std::size_t c = std::string_view::npos;
        if (isMarker(l, "...")) {
            ended = ended || content;
        } else if (isMarker(l, "---")) {
            if (content || ended || second) {
                if (!second) marker = SourceLoc{path, line, 1};
                second = true;
            }
            c = firstContent(l, 3);
        } else if (!(l.substr(0, 1) == "%" && !content)) {  // a directive before the first document
            c = firstContent(l, 0);
        }
        if (c != std::string_view::npos) {
            if (second || ended)
                throw OpError(SourceLoc{path, line, static_cast<int>(c) + 1},
                              "a lesson file holds one YAML document; this is the start of a second one");
            content = true;
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    if (second) throw OpError(marker, "a lesson file holds one YAML document; this is the start of a second one");
    return YAML::Load(text);
}

void checkLessonSize(const Lesson& l) {
    const SourceLoc at{l.path, 0, 0};
    if (l.steps.size() > kMaxLessonSteps)
        throw OpError(l.steps[kMaxLessonSteps].loc,
                      fmt::format("a lesson may have at most {} steps; this one has {}", kMaxLessonSteps, l.steps.size()));
    if (l.variants.size() > kMaxLessonVariants)
        throw OpError(l.variants[kMaxLessonVariants].loc, fmt::format("a lesson may have at most {} variants; this one has {}",
                                                                      kMaxLessonVariants, l.variants.size()));
    // The loader stops at the op past the limit while it reads; this counts again, pointing at it.
    std::size_t ops = 0;
    SourceLoc past = at;
    auto count = [&](const std::vector<Op>& v) {
        for (const Op& op : v)
            if (++ops == kMaxLessonOps + 1) past = op.loc;
    };
    count(l.setup);
    for (const auto& s : l.steps) count(s.ops);
    if (l.explore)
        for (const auto& [cpu, t] : l.explore->threads) count(t);
    if (ops > kMaxLessonOps)
        throw OpError(past, fmt::format("a lesson may have at most {} operations; this one has {}", kMaxLessonOps, ops));
}
}  // namespace

Lesson parseLesson(const std::string& text, const std::string& path) {
    checkLessonText(text, path);
    YAML::Node root;
    try {
        root = onlyDocument(text, path);
    } catch (const YAML::ParserException& e) {
        throw OpError(SourceLoc{path, e.mark.line + 1, e.mark.column + 1}, "YAML: " + e.msg);
    }
    Loader loader(text, path);
    try {
        Lesson l = loader.load(root);
        checkLessonSize(l);
        return l;
    } catch (const YAML::Exception& e) {
        // Conversions the loader did not anticipate: report them at their position, never crash.
        throw OpError(SourceLoc{path, e.mark.line + 1, e.mark.column + 1}, "YAML: " + e.msg);
    }
}

Lesson loadLesson(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in || std::filesystem::is_directory(path)) throw OpError(SourceLoc{path, 0, 0}, "cannot read the lesson file");
    // Read at most one byte past the limit, so /dev/zero or a huge file cannot exhaust memory.
    std::string text(kMaxLessonBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxLessonBytes)
        throw OpError(offsetLoc(text, kMaxLessonBytes, path),
                      fmt::format("the file is larger than {} bytes (1 MiB), the limit for a lesson: this byte is past it",
                                  kMaxLessonBytes));
    return parseLesson(text, path);
}

}  // namespace tlblab
