// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/ops.hpp"

#include "tlblab/machine.hpp"  // kMaxCpus

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

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

struct Token {
    std::string text;
    int col = 0;
    bool quoted = false;
};

struct OpSpec {
    const char* keyword;
    OpCode code;
    bool cpuOp;
};

constexpr OpSpec kSpecs[] = {
    {"cpus", OpCode::Cpus, false},
    {"cpu_model", OpCode::CpuModel, false},
    {"tlb_preset", OpCode::TlbPreset, false},
    {"kernel_variant", OpCode::KernelVariant, false},
    {"seed", OpCode::Seed, false},
    {"speculation", OpCode::Speculation, false},
    {"table", OpCode::Table, false},
    {"map", OpCode::Map, false},
    {"unmap", OpCode::Unmap, false},
    {"clone_pgd_range", OpCode::ClonePgdRange, false},
    {"write_entry", OpCode::WriteEntry, false},
    {"load_cr3", OpCode::LoadCr3, true},
    {"access", OpCode::Access, true},
    {"translate", OpCode::Translate, true},
    {"speculate", OpCode::Speculate, true},
    {"invlpg", OpCode::Invlpg, true},
    {"flush", OpCode::Flush, true},
    {"flush_all", OpCode::FlushAll, true},
    {"set", OpCode::Set, true},
    {"show", OpCode::ShowCpu, false},
    {"kernel_boot", OpCode::KernelBoot, false},
    {"task", OpCode::Task, false},
    {"schedule", OpCode::Schedule, true},
    {"switch_mm", OpCode::SwitchMm, true},
    {"enter_lazy_tlb", OpCode::EnterLazyTlb, true},
    {"leave_mm", OpCode::LeaveMm, true},
    {"__flush_tlb", OpCode::KFlushTlb, true},
    {"__flush_tlb_all", OpCode::KFlushTlbAll, true},
    {"flush_tlb_all", OpCode::FlushTlbAllIpi, true},
    {"native_cpu_up", OpCode::NativeCpuUp, true},
    {"do_boot_cpu", OpCode::DoBootCpu, true},
    {"start_secondary", OpCode::StartSecondary, true},
    {"zap_low_mappings", OpCode::ZapLowMappings, true},
    {"set_cpu_online", OpCode::SetCpuOnline, true},
    {"cpu_down", OpCode::CpuDown, true},
    {"kernel_steps", OpCode::KernelSteps, false},
    {"kernel_step", OpCode::KernelStep, true},
};

std::vector<std::string> keywords() {
    std::vector<std::string> k;
    for (const auto& s : kSpecs) k.emplace_back(s.keyword);
    return k;
}

std::vector<Token> tokenize(std::string_view text, const SourceLoc& loc) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < text.size()) {
        char ch = text[i];
        if (ch == ' ' || ch == '\t' || ch == '\r') { ++i; continue; }
        if (ch == '#') break;
        Token t;
        t.col = loc.col + static_cast<int>(i);
        if (ch == '"') {
            std::size_t end = text.find('"', i + 1);
            if (end == std::string_view::npos) throw OpError(SourceLoc{loc.file, loc.line, t.col}, "unterminated quote");
            t.text = std::string(text.substr(i + 1, end - i - 1));
            t.quoted = true;
            if (t.text.empty()) throw OpError(SourceLoc{loc.file, loc.line, t.col}, "empty name");
            i = end + 1;
        } else {
            std::size_t end = i;
            while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\r' &&
                   text[end] != '#')
                ++end;
            t.text = std::string(text.substr(i, end - i));
            i = end;
        }
        out.push_back(std::move(t));
    }
    return out;
}

// The limits of the operation language (README "Hostile input"): kMaxCpus, and the model's
// physical-address width (pae::kMaxPhysAddr) for every address a map writes.
constexpr u64 kMaxOpCpus = kMaxCpus;
constexpr u64 kPhysLimit = u64{1} << pae::kMaxPhysAddr;

bool parseCpuToken(std::string_view s, int& cpu) {
    if (s.size() < 4 || s.substr(0, 3) != "cpu") return false;
    u64 v = 0;
    for (char ch : s.substr(3))
        if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
    if (!parseNumber(s.substr(3), v) || v > 9999) return false;
    cpu = static_cast<int>(v);
    return true;
}

class Parser {
public:
    Parser(std::vector<Token> toks, const SourceLoc& loc, Op& op) : m_t(std::move(toks)), m_loc(loc), m_op(op) {}

    SourceLoc at(std::size_t i) const {
        SourceLoc l = m_loc;
        l.col = i < m_t.size() ? m_t[i].col : (m_t.empty() ? m_loc.col : m_t.back().col + static_cast<int>(m_t.back().text.size()));
        return l;
    }
    [[noreturn]] void fail(std::size_t i, const std::string& msg) const { throw OpError(at(i), msg); }

    const std::string& need(std::size_t i, const char* what) {
        if (i >= m_t.size()) fail(i, fmt::format("'{}' is missing {}", m_kw, what));
        std::size_t arg = i - m_first;
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
    const std::string& lengthArg(std::size_t i) const { return m_t[i].text; }
    u64 linear(std::size_t i) {
        u64 v = number(i, "a linear address");
        if (v > 0xffffffffull) fail(i, fmt::format("linear address {} does not fit in 32 bits", hex(v)));
        return v;
    }
    int cpuArg(std::size_t i) {
        const std::string& s = need(i, "a CPU (cpuN)");
        int c = 0;
        if (!parseCpuToken(s, c)) fail(i, fmt::format("expected a CPU like cpu1, got '{}'", s));
        return c;
    }
    template <typename T>
    T choice(std::size_t i, const char* what, std::initializer_list<std::pair<const char*, T>> opts) {
        const std::string& s = need(i, what);
        std::vector<std::string> names;
        for (const auto& [n, v] : opts) {
            if (s == n) return v;
            names.emplace_back(n);
        }
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : "|") + n;
        std::string sug = suggest(s, names);
        fail(i, fmt::format("expected {} ({}), got '{}'{}", what, list, s,
                            sug.empty() ? "" : fmt::format("; did you mean '{}'?", sug)));
    }

    void parse() {
        std::size_t i = 0;
        if (parseCpuToken(m_t[0].text, m_op.cpu)) {
            i = 1;
            if (i >= m_t.size()) fail(i, fmt::format("'{}' needs an operation after it", m_t[0].text));
        } else if (m_t[0].text.rfind("cpu", 0) == 0 && m_t[0].text != "cpus" && m_t[0].text != "cpu_model" &&
                   m_t[0].text != "cpu_down") {
            fail(0, fmt::format("bad CPU name '{}' (write cpu0, cpu1, ...)", m_t[0].text));
        }
        m_kw = m_t[i].text;
        const OpSpec* spec = nullptr;
        for (const auto& s : kSpecs)
            if (m_kw == s.keyword) spec = &s;
        if (!spec) {
            std::string sug = suggest(m_kw, keywords());
            fail(i, fmt::format("unknown operation '{}'{}", m_kw,
                                sug.empty() ? "" : fmt::format("; did you mean '{}'?", sug)));
        }
        m_op.loc = at(0);
        m_op.code = spec->code;
        if (spec->cpuOp && m_op.cpu < 0)
            fail(i, fmt::format("'{}' runs on a CPU: write it as 'cpuN {}'", m_kw, m_kw));
        if (!spec->cpuOp && m_op.cpu >= 0)
            fail(0, fmt::format("'{}' is not a CPU operation: drop the '{}' prefix", m_kw, m_t[0].text));
        m_first = i + 1;
        args(i + 1);
    }

    void args(std::size_t i) {
        switch (m_op.code) {
        case OpCode::Cpus:
            // Limits are checked where the op is read, so no path (lesson, script, console, trace)
            // sizes anything from a value past them.
            m_op.a = number(i, "a CPU count");
            if (m_op.a < 1 || m_op.a > kMaxOpCpus) fail(i, fmt::format("cpus must be between 1 and {}", kMaxOpCpus));
            noMore(i + 1);
            break;
        case OpCode::CpuModel:
            m_op.name = need(i, "a CPU model (erratum383|correct)");
            {
                CpuModel m{};
                if (!parseCpuModel(m_op.name, m))
                    choice<int>(i, "a CPU model", {{"erratum383", 0}, {"correct", 1}});
            }
            noMore(i + 1);
            break;
        case OpCode::TlbPreset: m_op.name = need(i, "a TLB preset name"); noMore(i + 1); break;
        case OpCode::KernelVariant: {
            m_op.name = need(i, "a kernel variant");
            KernelVariant v{};
            if (!parseKernelVariant(m_op.name, v))
                choice<int>(i, "a kernel variant", {{"buggy", 0}, {"fix-flush", 1}, {"fix-trampoline", 2}});
            noMore(i + 1);
            break;
        }
        case OpCode::Seed: m_op.a = number(i, "a seed"); noMore(i + 1); break;
        case OpCode::KernelSteps:
            m_op.name = choice<int>(i, "a kernel step mode", {{"atomic", 0}, {"fine", 1}}) ? "fine" : "atomic";
            noMore(i + 1);
            break;
        case OpCode::Speculation: {
            int on = choice<int>(i, "a speculation policy", {{"off", 0}, {"random", 1}});
            m_op.flags = static_cast<u32>(on);
            if (on) {
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
                m_op.a = static_cast<u64>(rate * 1e6 + 0.5);
                noMore(i + 2);
            } else {
                noMore(i + 1);
            }
            break;
        }
        case OpCode::Table: case OpCode::Task:
            m_op.name = need(i, "a name");
            noMore(i + 1);
            break;
        case OpCode::Map: {
            m_op.name = need(i, "a table");
            m_op.a = linear(i + 1);
            m_op.b = number(i + 2, "a physical address");
            m_op.c = length(i + 3, "a length");
            m_op.size = choice<PageSize>(i + 4, "a page size", {{"4K", PageSize::K4}, {"2M", PageSize::M2}});
            const u64 align = pageBytes(m_op.size);
            if (m_op.a % align) fail(i + 1, fmt::format("unaligned address {} for {} pages", hex(m_op.a), pageSizeName(m_op.size)));
            if (m_op.b % align) fail(i + 2, fmt::format("unaligned physical address {} for {} pages", hex(m_op.b), pageSizeName(m_op.size)));
            if (m_op.c == 0 || m_op.c % align) fail(i + 3, fmt::format("length must be a non-zero multiple of {}", pageSizeName(m_op.size)));
            // Compared without overflow: PA + LENGTH may wrap around 2^64.
            if (m_op.b >= kPhysLimit)
                fail(i + 2, fmt::format("physical address {} is beyond the {}-bit physical address space", hex(m_op.b),
                                        pae::kMaxPhysAddr));
            if (m_op.c > kPhysLimit - m_op.b)
                fail(i + 3, fmt::format("physical range {} + {} ends beyond the {}-bit physical address space",
                                        hex(m_op.b), lengthArg(i + 3), pae::kMaxPhysAddr));
            for (std::size_t k = i + 5; k < m_t.size(); ++k) {
                u32 f = choice<u32>(k, "a flag", {{"user", MAP_USER}, {"rw", MAP_RW}, {"global", MAP_GLOBAL}, {"nx", MAP_NX},
                                                  {"accessed", MAP_ACCESSED}, {"dirty", MAP_DIRTY}});
                if (m_op.flags & f) fail(k, "flag '" + m_t[k].text + "' given twice");
                m_op.flags |= f;
            }
            break;
        }
        case OpCode::Unmap:
            m_op.name = need(i, "a table");
            m_op.a = linear(i + 1);
            m_op.b = length(i + 2, "a length");
            if (m_op.a % 0x1000) fail(i + 1, fmt::format("unaligned address {} (must be 4K aligned)", hex(m_op.a)));
            if (m_op.b == 0 || m_op.b % 0x1000) fail(i + 2, "length must be a non-zero multiple of 4K");
            noMore(i + 3);
            break;
        case OpCode::ClonePgdRange:
            m_op.name = need(i, "a table");
            m_op.a = number(i + 1, "a destination index");
            m_op.b = number(i + 2, "a source index");
            m_op.c = number(i + 3, "a count");
            if (m_op.a > 3) fail(i + 1, "a PAE PDPT has 4 entries: index 0..3");
            if (m_op.b > 3) fail(i + 2, "a PAE PDPT has 4 entries: index 0..3");
            if (m_op.c < 1 || m_op.a + m_op.c > 4 || m_op.b + m_op.c > 4) fail(i + 3, "count runs past the 4 PDPT entries");
            noMore(i + 4);
            break;
        case OpCode::WriteEntry:
            m_op.name = need(i, "a table");
            m_op.a = linear(i + 1);
            m_op.c = choice<u64>(i + 2, "a level", {{"pdpte", 0}, {"pde", 1}, {"pte", 2}});
            m_op.d = number(i + 3, "an entry value");
            noMore(i + 4);
            break;
        case OpCode::LoadCr3: case OpCode::SwitchMm:
            m_op.name = need(i, m_op.code == OpCode::LoadCr3 ? "a table" : "a task");
            noMore(i + 1);
            break;
        case OpCode::Schedule:
            m_op.name = need(i, "a task (or idle)");
            noMore(i + 1);
            break;
        case OpCode::Access: case OpCode::Translate:
            m_op.a = linear(i);
            m_op.access = choice<AccessType>(i + 1, "an access type",
                                             {{"read", AccessType::Read}, {"write", AccessType::Write}, {"exec", AccessType::Exec}});
            m_op.mode = choice<Mode>(i + 2, "a privilege", {{"user", Mode::User}, {"kernel", Mode::Kernel}});
            noMore(i + 3);
            break;
        case OpCode::Speculate: case OpCode::Invlpg:
            m_op.a = linear(i);
            noMore(i + 1);
            break;
        case OpCode::Set: {
            m_op.reg = choice<Reg>(i, "a register bit", {{"cr4.pge", Reg::Cr4Pge}, {"cr0.wp", Reg::Cr0Wp}, {"efer.nxe", Reg::EferNxe}});
            m_op.a = choice<u64>(i + 1, "a value", {{"0", 0}, {"1", 1}});
            noMore(i + 2);
            break;
        }
        case OpCode::ShowCpu: {
            const std::string& w = need(i, "what to show (cpuN, tlb cpuN, table NAME)");
            if (w == "tlb") {
                m_op.code = OpCode::ShowTlb;
                m_first = i + 1;
                m_op.target = cpuArg(i + 1);
                noMore(i + 2);
            } else if (w == "table") {
                m_op.code = OpCode::ShowTable;
                m_first = i + 1;
                m_op.name = need(i + 1, "a table");
                noMore(i + 2);
            } else {
                int c = 0;
                if (!parseCpuToken(w, c)) fail(i, "expected 'show cpuN', 'show tlb cpuN' or 'show table NAME', got '" + w + "'");
                m_op.target = c;
                noMore(i + 1);
            }
            break;
        }
        case OpCode::KernelBoot:
            if (i < m_t.size()) {
                if (m_t[i].text != "lowmem") fail(i, "expected 'lowmem SIZE' after kernel_boot");
                m_first = i + 1;
                m_op.a = length(i + 1, "a lowmem size");
                if (m_op.a == 0 || m_op.a % 0x200000 || m_op.a > (u64{1} << 30))
                    fail(i + 1, "lowmem must be a non-zero multiple of 2M and at most 1G");
                noMore(i + 2);
            }
            break;
        case OpCode::NativeCpuUp: case OpCode::DoBootCpu: case OpCode::CpuDown:
            m_op.target = cpuArg(i);
            noMore(i + 1);
            break;
        default: noMore(i); break;
        }
    }

private:
    std::vector<Token> m_t;
    SourceLoc m_loc;
    Op& m_op;
    std::string m_kw;
    std::size_t m_first = 0;
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

const char* opKeyword(OpCode c) {
    if (c == OpCode::ShowTlb || c == OpCode::ShowTable) return "show";
    for (const auto& s : kSpecs)
        if (s.code == c) return s.keyword;
    return "?";
}

bool parseOp(std::string_view text, const SourceLoc& loc, Op& out) {
    SourceLoc base = loc;
    if (base.col <= 0) base.col = 1;
    if (std::size_t bad = findNonText(text); bad != std::string_view::npos)
        throw OpError(SourceLoc{base.file, base.line, base.col + static_cast<int>(bad)},
                      fmt::format("byte {:#04x} is not text (operations are UTF-8 text without control characters)",
                                  static_cast<unsigned char>(text[bad])));
    std::vector<Token> toks = tokenize(text, base);
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
    const bool needs = s.find_first_of(" \t\r#") != std::string::npos || (!s.empty() && s.front() == '"');
    return needs ? fmt::format("\"{}\"", s) : s;
}
}  // namespace

std::string formatOp(const Op& op) {
    std::string s = op.cpu >= 0 ? fmt::format("cpu{} ", op.cpu) : std::string();
    s += opKeyword(op.code);
    switch (op.code) {
    case OpCode::Cpus: case OpCode::Seed: s += fmt::format(" {}", op.a); break;
    case OpCode::CpuModel: case OpCode::TlbPreset: case OpCode::KernelVariant: case OpCode::Table: case OpCode::Task:
    case OpCode::LoadCr3: case OpCode::SwitchMm: case OpCode::Schedule: case OpCode::KernelSteps:
        s += fmt::format(" {}", quoted(op.name));
        break;
    case OpCode::Speculation:
        s += op.flags ? fmt::format(" random {}", static_cast<double>(op.a) / 1e6) : std::string(" off");
        break;
    case OpCode::Map:
        s += fmt::format(" {} {} {} {} {}", quoted(op.name), hex32(op.a), hex(op.b), lengthText(op.c), pageSizeName(op.size));
        if (op.flags & MAP_USER) s += " user";
        if (op.flags & MAP_RW) s += " rw";
        if (op.flags & MAP_GLOBAL) s += " global";
        if (op.flags & MAP_NX) s += " nx";
        if (op.flags & MAP_ACCESSED) s += " accessed";
        if (op.flags & MAP_DIRTY) s += " dirty";
        break;
    case OpCode::Unmap: s += fmt::format(" {} {} {}", quoted(op.name), hex32(op.a), lengthText(op.b)); break;
    case OpCode::ClonePgdRange: s += fmt::format(" {} {} {} {}", quoted(op.name), op.a, op.b, op.c); break;
    case OpCode::WriteEntry:
        s += fmt::format(" {} {} {} {}", quoted(op.name), hex32(op.a), op.c == 0 ? "pdpte" : op.c == 1 ? "pde" : "pte",
                         hex(op.d));
        break;
    case OpCode::Access: case OpCode::Translate:
        s += fmt::format(" {} {} {}", hex32(op.a), accessName(op.access), modeName(op.mode));
        break;
    case OpCode::Speculate: case OpCode::Invlpg: s += fmt::format(" {}", hex32(op.a)); break;
    case OpCode::Set:
        s += fmt::format(" {} {}", op.reg == Reg::Cr4Pge ? "cr4.pge" : op.reg == Reg::Cr0Wp ? "cr0.wp" : "efer.nxe", op.a);
        break;
    case OpCode::ShowCpu: s += fmt::format(" cpu{}", op.target); break;
    case OpCode::ShowTlb: s += fmt::format(" tlb cpu{}", op.target); break;
    case OpCode::ShowTable: s += " table " + quoted(op.name); break;
    case OpCode::KernelBoot: if (op.a) s += " lowmem " + lengthText(op.a); break;
    case OpCode::NativeCpuUp: case OpCode::DoBootCpu: case OpCode::CpuDown: s += fmt::format(" cpu{}", op.target); break;
    default: break;
    }
    return s;
}

}  // namespace tlblab
