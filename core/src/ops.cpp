// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/ops.hpp"

#include "op_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <span>

namespace tlblab {

std::string OpError::format() const {
    // A file name is not checked text (a folder of lessons from elsewhere may name one "\e[2J.yaml").
    return fmt::format("{}:{}:{}: error: {}", m_loc.file.empty() ? "<input>" : visibleText(m_loc.file), m_loc.line,
                       m_loc.col, what());
}

SourceLoc Op::argLoc(std::size_t i) const {
    SourceLoc l = loc;
    if (i < argCol.size() && argCol[i]) l.col = argCol[i];
    return l;
}

const char* cpuModelName(CpuModel m) { return m == CpuModel::Erratum383 ? "erratum383" : "correct"; }

const char* kernelVariantName(KernelVariant v) {
    switch (v) {
    case KernelVariant::Buggy: return "buggy";
    case KernelVariant::FixFlush: return "fix-flush";
    case KernelVariant::FixTrampoline: return "fix-trampoline";
    }
    return "?";
}

bool parseCpuModel(std::string_view s, CpuModel& out) {
    if (s == "erratum383") { out = CpuModel::Erratum383; return true; }
    if (s == "correct") { out = CpuModel::Correct; return true; }
    return false;
}

bool parseKernelVariant(std::string_view s, KernelVariant& out) {
    if (s == "buggy") { out = KernelVariant::Buggy; return true; }
    if (s == "fix-flush") { out = KernelVariant::FixFlush; return true; }
    if (s == "fix-trampoline") { out = KernelVariant::FixTrampoline; return true; }
    return false;
}

std::string hex(u64 v) { return fmt::format("{:#x}", v); }
std::string hex32(u64 v) { return fmt::format("0x{:08x}", v); }

std::size_t findNonText(std::string_view s) {
    const auto* b = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned c = b[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return i;
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned cp = 0;
        if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
        else return i;
        if (i + len > n) return i;
        for (std::size_t k = 1; k < len; ++k) {
            if ((b[i + k] & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (b[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        if (cp >= 0x80 && cp < 0xa0) return i;  // C1 control characters
        i += len;
    }
    return std::string_view::npos;
}

std::string visibleText(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        std::size_t bad = findNonText(s);
        for (std::size_t i = 0; i < s.size() && i < bad; ++i)
            if (s[i] == '\t' || s[i] == '\r' || s[i] == '\n') bad = i;
        if (bad == std::string_view::npos) bad = s.size();
        out.append(s.substr(0, bad));
        if (bad == s.size()) break;
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[bad]));
        s.remove_prefix(bad + 1);
    }
    return out;
}

SourceLoc offsetLoc(std::string_view text, std::size_t offset, const std::string& file) {
    offset = std::min(offset, text.size());
    const std::string_view before = text.substr(0, offset);
    const std::size_t lineStart = before.rfind('\n');
    const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t col = lineStart == std::string_view::npos ? offset : offset - lineStart - 1;
    return SourceLoc{file, line, static_cast<int>(col) + 1};
}

bool parseNumber(std::string_view s, u64& out) {
    if (s.empty()) return false;
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    }
    std::string digits;
    for (char ch : s)
        if (ch != '_') digits.push_back(ch);  // 0x0804_8000 is allowed for readability
    if (digits.empty()) return false;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out, base);
    return ec == std::errc() && p == digits.data() + digits.size();
}

bool parseLength(std::string_view s, u64& out) {
    if (s.empty()) return false;
    u64 mult = 1;
    char last = static_cast<char>(std::toupper(static_cast<unsigned char>(s.back())));
    bool isHex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (!isHex && (last == 'K' || last == 'M' || last == 'G')) {
        mult = last == 'K' ? (1ull << 10) : last == 'M' ? (1ull << 20) : (1ull << 30);
        s.remove_suffix(1);
    }
    u64 v = 0;
    if (!parseNumber(s, v)) return false;
    if (v > (u64{1} << 40)) return false;
    out = v * mult;
    return true;
}

namespace {

std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}


}  // namespace

// ---- the tokenizer ---------------------------------------------------------------------------

namespace {
bool isBlank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }
}  // namespace

std::vector<Token> tokenizeLine(std::string_view text, const SourceLoc& loc) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < text.size()) {
        const char ch = text[i];
        if (isBlank(ch)) { ++i; continue; }
        if (ch == '#') break;
        Token t;
        t.col = loc.col + static_cast<int>(i);
        if (ch == '"') {
            const std::size_t end = text.find('"', i + 1);
            if (end == std::string_view::npos) throw OpError(SourceLoc{loc.file, loc.line, t.col}, "unterminated quote");
            t.text = std::string(text.substr(i + 1, end - i - 1));
            t.quoted = true;
            if (t.text.empty()) throw OpError(SourceLoc{loc.file, loc.line, t.col}, "empty name");
            i = end + 1;
        } else {
            std::size_t end = i;
            while (end < text.size() && !isBlank(text[end]) && text[end] != '#') ++end;
            t.text = std::string(text.substr(i, end - i));
            i = end;
        }
        out.push_back(std::move(t));
    }
    return out;
}

bool parseCpuWord(std::string_view s, int& cpu) {
    if (s.size() < 4 || s.substr(0, 3) != "cpu") return false;
    for (char ch : s.substr(3))
        if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
    u64 v = 0;
    if (!parseNumber(s.substr(3), v) || v > 9999) return false;
    cpu = static_cast<int>(v);
    return true;
}

// ---- the parser: reads the op table's argument list ---------------------------------------------

namespace {

std::string joinChoices(std::span<const Choice> c, const char* sep) {
    std::string s;
    for (const Choice& x : c) s += (s.empty() ? "" : sep) + std::string(x.word);
    return s;
}

const char* choiceWord(Arg kind, u64 value) {
    for (const Choice& c : choicesOf(kind))
        if (c.value == value) return c.word;
    return "?";
}

std::vector<std::string> keywords() {
    std::vector<std::string> k;
    for (const OpSpec& s : opSpecs())
        if (k.empty() || k.back() != s.keyword) k.emplace_back(s.keyword);
    return k;
}

const OpSpec* specNamed(std::string_view kw) {
    for (const OpSpec& s : opSpecs())
        if (kw == s.keyword) return &s;
    return nullptr;
}

// "show tlb cpuN": the keyword and a placeholder or word for each argument.
std::string usage(const OpSpec& s, bool withKeyword) {
    std::string u = withKeyword ? s.keyword : "";
    for (const ArgSpec& a : s.args) {
        if (a.kind == Arg::None) break;
        const char* w = a.kind == Arg::Literal ? a.what : a.kind == Arg::Cpu ? "cpuN" : "NAME";
        u += (u.empty() ? "" : " ") + std::string(w);
    }
    return u;
}

class Parser {
public:
    Parser(std::vector<Token> toks, const SourceLoc& loc, Op& op) : m_t(std::move(toks)), m_loc(loc), m_op(op) {}

    void parse() {
        std::size_t i = 0;
        if (parseCpuWord(m_t[0].text, m_op.cpu)) {
            i = 1;
            if (i >= m_t.size()) fail(i, fmt::format("'{}' needs an operation after it", m_t[0].text));
        } else if (m_t[0].text.rfind("cpu", 0) == 0 && !specNamed(m_t[0].text)) {
            fail(0, fmt::format("bad CPU name '{}' (write cpu0, cpu1, ...)", m_t[0].text));
        }
        m_kw = m_t[i].text;
        const OpSpec* spec = specNamed(m_kw);
        if (!spec) {
            std::string sug = suggest(m_kw, keywords());
            fail(i, fmt::format("unknown operation '{}'{}", m_kw,
                                sug.empty() ? "" : fmt::format("; did you mean '{}'?", sug)));
        }
        m_op.loc = at(0);
        if (spec->onCpu && m_op.cpu < 0) fail(i, fmt::format("'{}' runs on a CPU: write it as 'cpuN {}'", m_kw, m_kw));
        if (!spec->onCpu && m_op.cpu >= 0)
            fail(0, fmt::format("'{}' is not a CPU operation: drop the '{}' prefix", m_kw, m_t[0].text));
        m_first = i + 1;
        spec = &form(*spec, i + 1);
        m_op.code = spec->code;
        args(*spec, i + 1);
    }

private:
    SourceLoc at(std::size_t i) const {
        SourceLoc l = m_loc;
        l.col = i < m_t.size() ? m_t[i].col
                               : (m_t.empty() ? m_loc.col : m_t.back().col + static_cast<int>(m_t.back().text.size()));
        return l;
    }
    [[noreturn]] void fail(std::size_t i, const std::string& msg) const { throw OpError(at(i), msg); }

    // A keyword with several forms ("show cpuN", "show tlb cpuN", "show table NAME"): the form
    // whose first word follows, else the one without a fixed word.
    const OpSpec& form(const OpSpec& first, std::size_t i) {
        const OpSpec* plain = nullptr;
        std::vector<std::string> forms, tails;
        for (const OpSpec& s : opSpecs()) {
            if (m_kw != s.keyword) continue;
            forms.push_back("'" + usage(s, true) + "'");
            tails.push_back(usage(s, false));
            if (s.args[0].kind != Arg::Literal) plain = &s;
            else if (i < m_t.size() && m_t[i].text == s.args[0].what) return s;
        }
        if (forms.size() == 1) return first;
        std::string list;
        for (std::size_t k = 0; k < tails.size(); ++k) list += (k ? ", " : "") + tails[k];
        if (i >= m_t.size()) fail(i, fmt::format("'{}' is missing {} ({})", m_kw, plain->args[0].what, list));
        int cpu = 0;
        if (plain->args[0].kind == Arg::Cpu && !parseCpuWord(m_t[i].text, cpu)) {
            std::string alts;
            for (std::size_t k = 0; k < forms.size(); ++k)
                alts += (k == 0 ? "" : k + 1 == forms.size() ? " or " : ", ") + forms[k];
            fail(i, fmt::format("expected {}, got '{}'", alts, m_t[i].text));
        }
        return *plain;
    }

    void args(const OpSpec& spec, std::size_t i) {
        const ArgSpec* flags = nullptr;  // the last argument takes the rest of the line
        for (const ArgSpec& a : spec.args) {
            if (a.kind == Arg::None) break;
            if (a.kind == Arg::MapFlags) {
                flags = &a;
                break;
            }
            i = arg(a, i);
        }
        if (spec.check) spec.check(m_op, std::span<const Token>(m_t).subspan(std::min(m_first, m_t.size())));
        if (flags) mapFlags(*flags, i);
        else noMore(i);
    }

    // Parses argument `a` at word i into its slot; returns the index of the next word.
    std::size_t arg(const ArgSpec& a, std::size_t i) {
        switch (a.kind) {
        case Arg::CpuCount:
            // Limits are checked where the op is read, so no path (lesson, script, console, trace)
            // sizes anything from a value past them.
            m_op.d = number(i, a.what);
            if (m_op.d < 1 || m_op.d > static_cast<u64>(kMaxCpus))
                fail(i, fmt::format("cpus must be between 1 and {}", kMaxCpus));
            return i + 1;
        case Arg::Number: case Arg::EntryValue: case Arg::PdptCount: m_op.d = number(i, a.what); return i + 1;
        case Arg::PdptDst: m_op.a = number(i, a.what); return i + 1;
        case Arg::PdptSrc: case Arg::Phys: m_op.b = number(i, a.what); return i + 1;
        case Arg::Model: case Arg::Variant: case Arg::StepMode: {
            const std::span<const Choice> c = choicesOf(a.kind);
            m_op.name = need(i, a.kind == Arg::Model ? fmt::format("{} ({})", a.what, joinChoices(c, "|")) : a.what);
            choice(i, a.what, c);
            return i + 1;
        }
        case Arg::Name: m_op.name = need(i, a.what); return i + 1;
        case Arg::Linear: m_op.a = linear(i); return i + 1;
        case Arg::Length: m_op.c = length(i, a.what); return i + 1;
        case Arg::PageSize: m_op.size = static_cast<PageSize>(choice(i, a.what, choicesOf(a.kind))); return i + 1;
        case Arg::Level: m_op.c = choice(i, a.what, choicesOf(a.kind)); return i + 1;
        case Arg::Bit: m_op.d = choice(i, a.what, choicesOf(a.kind)); return i + 1;
        case Arg::AccessType: m_op.access = static_cast<AccessType>(choice(i, a.what, choicesOf(a.kind))); return i + 1;
        case Arg::Mode: m_op.mode = static_cast<Mode>(choice(i, a.what, choicesOf(a.kind))); return i + 1;
        case Arg::Reg: m_op.reg = static_cast<Reg>(choice(i, a.what, choicesOf(a.kind))); return i + 1;
        case Arg::Cpu: m_op.target = cpuArg(i, a.what); return i + 1;
        case Arg::Speculation: return speculation(a, i);
        case Arg::Lowmem: return lowmem(a, i);
        case Arg::Literal: m_first = i + 1; return i + 1;
        case Arg::MapFlags: case Arg::None: break;
        }
        return i;
    }

    std::size_t speculation(const ArgSpec& a, std::size_t i) {
        m_op.flags = static_cast<u32>(choice(i, a.what, choicesOf(a.kind)));
        if (!m_op.flags) return i + 1;
        const std::string& s = need(i + 1, "a rate between 0 and 1");
        double rate = 0;
        try {
            std::size_t used = 0;
            rate = std::stod(s, &used);
            if (used != s.size()) throw std::invalid_argument(s);
        } catch (const std::exception&) {
            fail(i + 1, "bad rate '" + s + "' (write a number between 0 and 1, like 0.25)");
        }
        if (!(rate >= 0.0 && rate <= 1.0)) fail(i + 1, "rate must be between 0 and 1");
        m_op.d = static_cast<u64>(std::llround(rate * 1e6));
        return i + 2;
    }

    std::size_t lowmem(const ArgSpec& a, std::size_t i) {
        if (i >= m_t.size()) return i;
        if (m_t[i].text != "lowmem") fail(i, fmt::format("expected 'lowmem SIZE' after {}", m_kw));
        m_first = i + 1;
        m_op.c = length(i + 1, a.what);
        if (m_op.c == 0 || m_op.c % 0x200000 || m_op.c > (u64{1} << 30))
            fail(i + 1, "lowmem must be a non-zero multiple of 2M and at most 1G");
        return i + 2;
    }

    void mapFlags(const ArgSpec& a, std::size_t i) {
        for (; i < m_t.size(); ++i) {
            const u32 f = static_cast<u32>(choice(i, a.what, choicesOf(a.kind)));
            if (m_op.flags & f) fail(i, "flag '" + m_t[i].text + "' given twice");
            m_op.flags |= f;
        }
    }

    const std::string& need(std::size_t i, const std::string& what) {
        if (i >= m_t.size()) fail(i, fmt::format("'{}' is missing {}", m_kw, what));
        const std::size_t arg = i - m_first;
        if (arg < m_op.argCol.size()) m_op.argCol[arg] = static_cast<std::uint16_t>(m_t[i].col);
        return m_t[i].text;
    }
    void noMore(std::size_t i) const {
        if (i < m_t.size()) fail(i, fmt::format("unexpected '{}' after '{}'", m_t[i].text, m_kw));
    }
    u64 number(std::size_t i, const char* what) {
        const std::string& s = need(i, what);
        u64 v = 0;
        if (!parseNumber(s, v)) fail(i, fmt::format("bad number '{}' for {}", s, what));
        return v;
    }
    u64 length(std::size_t i, const char* what) {
        const std::string& s = need(i, what);
        u64 v = 0;
        if (!parseLength(s, v)) fail(i, fmt::format("bad length '{}' for {} (write 4K, 2M, 512M, 0x1000)", s, what));
        return v;
    }
    u64 linear(std::size_t i) {
        const u64 v = number(i, "a linear address");
        if (v > 0xffffffffull) fail(i, fmt::format("linear address {} does not fit in 32 bits", hex(v)));
        return v;
    }
    int cpuArg(std::size_t i, const char* what) {
        const std::string& s = need(i, what);
        int c = 0;
        if (!parseCpuWord(s, c)) fail(i, fmt::format("expected a CPU like cpu1, got '{}'", s));
        return c;
    }
    u64 choice(std::size_t i, const char* what, std::span<const Choice> opts) {
        const std::string& s = need(i, what);
        std::vector<std::string> names;
        for (const Choice& c : opts) {
            if (s == c.word) return c.value;
            names.emplace_back(c.word);
        }
        const std::string sug = suggest(s, names);
        fail(i, fmt::format("expected {} ({}), got '{}'{}", what, joinChoices(opts, "|"), s,
                            sug.empty() ? "" : fmt::format("; did you mean '{}'?", sug)));
    }

    std::vector<Token> m_t;
    SourceLoc m_loc;
    Op& m_op;
    std::string m_kw;
    std::size_t m_first = 0;  // the word of argument 0 (after the keyword and any fixed word)
};

}  // namespace

std::string suggest(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t bestD = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        std::size_t d = editDistance(word, c);
        if (d < bestD) { bestD = d; best = c; }
    }
    return best;
}

bool parseOp(std::string_view text, const SourceLoc& loc, Op& out) {
    SourceLoc base = loc;
    if (base.col <= 0) base.col = 1;
    if (std::size_t bad = findNonText(text); bad != std::string_view::npos)
        throw OpError(SourceLoc{base.file, base.line, base.col + static_cast<int>(bad)},
                      fmt::format("byte {:#04x} is not text (operations are UTF-8 text without control characters)",
                                  static_cast<unsigned char>(text[bad])));
    std::vector<Token> toks = tokenizeLine(text, base);
    if (toks.empty()) return false;
    out = Op{};
    out.loc = base;
    Parser p(std::move(toks), base, out);
    p.parse();
    return true;
}

std::vector<Op> parseScript(std::string_view text, const std::string& file) {
    std::vector<Op> ops;
    int line = 1;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view l = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        Op op;
        if (parseOp(l, SourceLoc{file, line, 1}, op)) ops.push_back(std::move(op));
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
        ++line;
    }
    return ops;
}

namespace {
std::string lengthText(u64 v) {
    if (v && v % (1ull << 30) == 0) return fmt::format("{}G", v >> 30);
    if (v && v % (1ull << 20) == 0) return fmt::format("{}M", v >> 20);
    if (v && v % (1ull << 10) == 0) return fmt::format("{}K", v >> 10);
    return hex(v);
}
// Quotes a name the tokenizer would otherwise split or cut (blanks, '#', a leading quote), so
// formatOp's text parses back to the same op.
std::string quoted(const std::string& s) {
    const bool needs = s.find_first_of(" \t\r\n#") != std::string::npos || (!s.empty() && s.front() == '"');
    return needs ? fmt::format("\"{}\"", s) : s;
}
}  // namespace

std::string formatOp(const Op& op) {
    std::string s = op.cpu >= 0 ? fmt::format("cpu{} ", op.cpu) : std::string();
    s += opKeyword(op.code);
    if (static_cast<std::size_t>(op.code) >= opSpecs().size()) return s;
    for (const ArgSpec& a : opSpec(op.code).args) {
        switch (a.kind) {
        case Arg::None: return s;
        case Arg::CpuCount: case Arg::Number: case Arg::PdptCount: case Arg::Bit: s += fmt::format(" {}", op.d); break;
        case Arg::EntryValue: s += " " + hex(op.d); break;
        case Arg::PdptDst: s += fmt::format(" {}", op.a); break;
        case Arg::PdptSrc: s += fmt::format(" {}", op.b); break;
        case Arg::Model: case Arg::Variant: case Arg::StepMode: case Arg::Name: s += " " + quoted(op.name); break;
        case Arg::Linear: s += " " + hex32(op.a); break;
        case Arg::Phys: s += " " + hex(op.b); break;
        case Arg::Length: s += " " + lengthText(op.c); break;
        case Arg::PageSize: s += fmt::format(" {}", choiceWord(a.kind, static_cast<u64>(op.size))); break;
        case Arg::Level: s += fmt::format(" {}", choiceWord(a.kind, op.c)); break;
        case Arg::AccessType: s += fmt::format(" {}", choiceWord(a.kind, static_cast<u64>(op.access))); break;
        case Arg::Mode: s += fmt::format(" {}", choiceWord(a.kind, static_cast<u64>(op.mode))); break;
        case Arg::Reg: s += fmt::format(" {}", choiceWord(a.kind, static_cast<u64>(op.reg))); break;
        case Arg::Cpu: s += fmt::format(" cpu{}", op.target); break;
        case Arg::Literal: s += fmt::format(" {}", a.what); break;
        case Arg::Speculation: s += op.flags ? fmt::format(" random {}", op.rate()) : std::string(" off"); break;
        case Arg::Lowmem: if (op.c) s += " lowmem " + lengthText(op.c); break;
        case Arg::MapFlags:
            for (const Choice& c : choicesOf(a.kind))
                if (op.flags & c.value) s += fmt::format(" {}", c.word);
            break;
        }
    }
    return s;
}

}  // namespace tlblab
