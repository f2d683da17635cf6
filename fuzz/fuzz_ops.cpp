// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the operation language. Parses a script; every op that parses must print back
// (formatOp) as text that parses to the same op; then executes up to kMaxOps ops on a Machine.
// Every failure must be an OpError with a position; anything else escaping is a crash.
#include "fuzz_common.hpp"

#include "tlblab/machine.hpp"


using namespace tlblab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > fuzz::kMaxInput) return 0;
    const std::string script = fuzz::text(data, size);
    std::vector<Op> ops;
    try {
        ops = parseScript(script, "fuzz.tlb");
    } catch (const OpError& e) {
        if (e.loc().line < 1 || e.loc().col < 1) fuzz::invariantFailed("error without a position: " + e.format());
        return 0;
    }
    for (const Op& op : ops) {
        const std::string canonical = formatOp(op);
        Op again;
        try {
            if (!parseOp(canonical, SourceLoc{"roundtrip", 1, 1}, again))
                fuzz::invariantFailed("formatOp gave a blank line for line " + std::to_string(op.loc.line));
        } catch (const OpError& e) {
            fuzz::invariantFailed("formatOp output does not parse: '" + canonical + "': " + e.format());
        }
        if (formatOp(again) != canonical)
            fuzz::invariantFailed("round trip changed '" + canonical + "' into '" + formatOp(again) + "'");
    }
    Machine m;
    std::size_t n = 0;
    for (const Op& op : ops) {
        if (++n > fuzz::kMaxOps) break;
        EventList ev;
        try {
            OpResult r = m.execute(op, &ev);
            for (const Event& e : ev) (void)describe(e);
            (void)outcomeName(r.outcome);
        } catch (const OpError& e) {
            if (e.loc().line < 1) fuzz::invariantFailed("execution error without a line: " + e.format());
        }
    }
    for (int c = 0; c < static_cast<int>(m.cpus().size()); ++c) {
        (void)m.showCpu(c);
        (void)m.showTlb(c);
        if (m.cpu(c).state != CpuState::Halted) (void)m.predictAccess(c, 0x08048000u, AccessType::Write, Mode::User);
    }
    return 0;
}
