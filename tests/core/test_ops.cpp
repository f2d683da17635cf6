// SPDX-License-Identifier: GPL-3.0-or-later
// The operation language: numbers, the canonical text of each op, and the exact
// FILE:LINE:COL: error: message for each kind of bad input (issue 2, "Bad input").
#include "helpers.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;
using namespace tlblab::test;

namespace {
std::string parseError(std::string_view text, const std::string& file = "s.tlb") {
    try {
        parseScript(text, file);
    } catch (const OpError& e) {
        return e.format();
    }
    return "(no error)";
}

std::string runError(std::string_view text) {
    Machine m;
    return errorOf(m, text);
}
}  // namespace

TEST_CASE("numbers, lengths and hex", "[ops]") {
    u64 v = 0;
    CHECK(parseNumber("123", v));
    CHECK(v == 123);
    CHECK(parseNumber("0x1F", v));
    CHECK(v == 0x1f);
    CHECK(parseNumber("0x0804_8000", v));
    CHECK(v == 0x08048000);
    CHECK_FALSE(parseNumber("0x", v));
    CHECK_FALSE(parseNumber("12a", v));
    CHECK_FALSE(parseNumber("-1", v));
    CHECK_FALSE(parseNumber("", v));
    CHECK(parseLength("4K", v));
    CHECK(v == 4096);
    CHECK(parseLength("2M", v));
    CHECK(v == 0x200000);
    CHECK(parseLength("512M", v));
    CHECK(v == 0x20000000);
    CHECK(parseLength("1G", v));
    CHECK(v == 0x40000000);
    CHECK(parseLength("0x1000", v));
    CHECK(v == 4096);
    CHECK(parseLength("16k", v));
    CHECK(v == 16384);
    CHECK_FALSE(parseLength("4X", v));
    CHECK(hex(0xABCDEF) == "0xabcdef");
    CHECK(hex(0) == "0x0");
    CHECK(hex32(0x1f) == "0x0000001f");
}

TEST_CASE("every op parses, and its canonical text parses back to the same op", "[ops]") {
    const char* script = R"(
cpus 3
cpu_model correct
tlb_preset tiny
kernel_variant fix-trampoline
seed 7
speculation random 0.25
speculation off
table t
map t 0x08048000 0x2000000 16K 4K user rw global nx accessed dirty
map "my table" 0x00400000 0x00400000 2M 2M
unmap t 0x08048000 4K
clone_pgd_range t 0 3 1
write_entry t 0x08048000 pte 0x2000067
cpu1 load_cr3 t
cpu1 access 0x08048000 write user
cpu0 translate 0xc0000000 exec kernel
cpu0 speculate 0x08048000
cpu0 invlpg 0x08048000
cpu0 flush
cpu0 flush_all
cpu0 set cr4.pge 0
cpu0 set cr0.wp 1
cpu0 set efer.nxe 0
show cpu1
show tlb cpu0
show table t
kernel_boot lowmem 512M
task bash
cpu0 schedule bash
cpu0 switch_mm bash
cpu0 enter_lazy_tlb
cpu0 leave_mm
cpu0 __flush_tlb
cpu0 __flush_tlb_all
cpu0 flush_tlb_all
cpu0 native_cpu_up cpu2
cpu0 do_boot_cpu cpu2
cpu2 start_secondary
cpu0 zap_low_mappings
cpu2 set_cpu_online
cpu0 cpu_down cpu2
)";
    auto ops = parseScript(script, "s.tlb");
    REQUIRE(ops.size() == 41);
    CHECK(ops[0].code == OpCode::Cpus);
    CHECK(ops[0].loc.line == 2);
    CHECK(ops[8].code == OpCode::Map);
    CHECK(ops[8].flags == (MAP_USER | MAP_RW | MAP_GLOBAL | MAP_NX | MAP_ACCESSED | MAP_DIRTY));
    CHECK(ops[9].name == "my table");
    CHECK(ops[9].size == PageSize::M2);
    CHECK(ops[14].cpu == 1);
    CHECK(ops[14].access == AccessType::Write);
    CHECK(ops[14].mode == Mode::User);
    CHECK(ops[23].code == OpCode::ShowCpu);
    CHECK(ops[23].target == 1);
    CHECK(ops[24].code == OpCode::ShowTlb);
    CHECK(ops[25].code == OpCode::ShowTable);
    CHECK(ops[26].length() == 512ull << 20);
    for (const Op& op : ops) {
        const std::string text = formatOp(op);
        CAPTURE(text);
        Op back;
        REQUIRE(parseOp(text, SourceLoc{"x", 1, 1}, back));
        CHECK(back.code == op.code);
        CHECK(back.cpu == op.cpu);
        CHECK(back.target == op.target);
        CHECK(back.a == op.a);
        CHECK(back.b == op.b);
        CHECK(back.c == op.c);
        CHECK(back.d == op.d);
        CHECK(back.size == op.size);
        CHECK(back.access == op.access);
        CHECK(back.mode == op.mode);
        CHECK(back.flags == op.flags);
        CHECK(back.name == op.name);
        CHECK(formatOp(back) == text);
    }
    // Comments, blank lines and a missing final newline.
    ops = parseScript("# set-up\n\n  cpus 2   # two\ncpu0 flush", "s.tlb");
    REQUIRE(ops.size() == 2);
    CHECK(ops[0].loc.line == 3);
    CHECK(ops[0].loc.col == 3);
    CHECK(ops[1].loc.line == 4);
}

TEST_CASE("parse errors give FILE:LINE:COL: error: and a suggestion for a near miss", "[ops][errors]") {
    CHECK(parseError("cpus 2\n\ncpu0 acess 0x1000 read user\n") ==
          "s.tlb:3:6: error: unknown operation 'acess'; did you mean 'access'?");
    CHECK(parseError("tabel t") == "s.tlb:1:1: error: unknown operation 'tabel'; did you mean 'table'?");
    CHECK(parseError("  frobnicate") == "s.tlb:1:3: error: unknown operation 'frobnicate'");
    CHECK(parseError("cpu0 access 0x12g4 read user") == "s.tlb:1:13: error: bad number '0x12g4' for a linear address");
    CHECK(parseError("cpus two") == "s.tlb:1:6: error: bad number 'two' for a CPU count");
    CHECK(parseError("cpu0 access 0x100000000 read user") ==
          "s.tlb:1:13: error: linear address 0x100000000 does not fit in 32 bits");
    CHECK(parseError("map t 0x1001 0x0 4K 4K") == "s.tlb:1:7: error: unaligned address 0x1001 for 4K pages");
    CHECK(parseError("map t 0x00100000 0x0 2M 2M") == "s.tlb:1:7: error: unaligned address 0x100000 for 2M pages");
    CHECK(parseError("map t 0x0 0x1800 4K 4K") ==
          "s.tlb:1:11: error: unaligned physical address 0x1800 for 4K pages");
    CHECK(parseError("map t 0x0 0x0 6K 4K") == "s.tlb:1:15: error: length must be a non-zero multiple of 4K");
    CHECK(parseError("map t 0x0 0x0 4K 4M") ==
          "s.tlb:1:18: error: expected a page size (4K|2M), got '4M'; did you mean '4K'?");
    CHECK(parseError("map t 0x0 0x0 4K 4K usr") ==
          "s.tlb:1:21: error: expected a flag (user|rw|global|nx|accessed|dirty), got 'usr'; did you mean 'user'?");
    CHECK(parseError("unmap t 0x800 4K") == "s.tlb:1:9: error: unaligned address 0x800 (must be 4K aligned)");
    CHECK(parseError("cpu0 map t 0x0 0x0 4K 4K") ==
          "s.tlb:1:1: error: 'map' is not a CPU operation: drop the 'cpu0' prefix");
    CHECK(parseError("access 0x0 read user") == "s.tlb:1:1: error: 'access' runs on a CPU: write it as 'cpuN access'");
    CHECK(parseError("cpux flush") == "s.tlb:1:1: error: bad CPU name 'cpux' (write cpu0, cpu1, ...)");
    CHECK(parseError("cpu0 access 0x0 reed user") ==
          "s.tlb:1:17: error: expected an access type (read|write|exec), got 'reed'; did you mean 'read'?");
    CHECK(parseError("cpu0 access 0x1000") == "s.tlb:1:19: error: 'access' is missing an access type");
    CHECK(parseError("cpu0 flush now") == "s.tlb:1:12: error: unexpected 'now' after 'flush'");
    CHECK(parseError("cpu0 set cr4.pse 1") ==
          "s.tlb:1:10: error: expected a register bit (cr4.pge|cr0.wp|efer.nxe), got 'cr4.pse'; did you mean 'cr4.pge'?");
    CHECK(parseError("cpu_model erratum38") ==
          "s.tlb:1:11: error: expected a CPU model (erratum383|correct), got 'erratum38'; did you mean 'erratum383'?");
    CHECK(parseError("clone_pgd_range t 0 3 2") == "s.tlb:1:23: error: count runs past the 4 PDPT entries");
    CHECK(parseError("table \"t") == "s.tlb:1:7: error: unterminated quote");
    CHECK(parseError("cpu0 acess 0x0 read user", "") ==
          "<input>:1:6: error: unknown operation 'acess'; did you mean 'access'?");
}

TEST_CASE("run-time errors point at the operation or the argument", "[ops][errors]") {
    CHECK(runError("table swapper\ncpu0 load_cr3 swaper\n") ==
          "test:2:15: error: unknown table 'swaper'; did you mean 'swapper'?");
    CHECK(runError("cpu0 load_cr3 nothing_like_it") == "test:1:15: error: unknown table 'nothing_like_it'");
    CHECK(runError("map bash 0x0 0x0 4K 4K") == "test:1:5: error: unknown table 'bash'");
    CHECK(runError("cpu2 access 0x0 read user") == "test:1:1: error: no cpu2: the machine has 2 CPUs (cpu0..cpu1)");
    CHECK(runError("cpus 4\ncpu4 flush") == "test:2:1: error: no cpu4: the machine has 4 CPUs (cpu0..cpu3)");
    CHECK(runError("show tlb cpu7") == "test:1:10: error: no cpu7: the machine has 2 CPUs (cpu0..cpu1)");
    CHECK(runError("table t\ncpus 4") ==
          "test:2:1: error: 'cpus' sets the machine up and must come before any other operation");
    CHECK(runError("table t\ntable t") == "test:2:7: error: a table named 't' already exists");
    CHECK(runError("cpus 0") == "test:1:6: error: cpus must be between 1 and 64");
    CHECK(runError("tlb_preset tyny") == "test:1:12: error: unknown TLB preset 'tyny'; did you mean 'tiny'?");
    CHECK(runError("table t\nmap t 0x0 0x0 2M 2M\nmap t 0x1000 0x0 4K 4K") ==
          "test:3:7: error: 0x00001000 is already mapped by a 2M page in t; unmap it first");
    CHECK(runError("task bash") == "test:1:1: error: 'task' needs the kernel: run kernel_boot first");
    CHECK(runError("kernel_boot\ntask bash\ncpu0 schedule bsh") ==
          "test:3:15: error: unknown task 'bsh'; did you mean 'bash'?");
    // The machine is unchanged by a failing op.
    Machine m = machineFrom("table t\nmap t 0x0 0x0 2M 2M\n");
    const u64 step = m.step();
    const std::size_t frames = m.memory().frameCount();
    CHECK_THROWS_AS(run(m, "map t 0x200000 0x0 4M 2M\nmap t 0x0 0x0 8K 4K"), OpError);
    CHECK(m.memory().frameCount() == frames + 0);
    CHECK(m.step() == step + 1);  // the first op of the two ran, the second changed nothing
}

TEST_CASE("a machine never set up: 2 CPUs, erratum383, PAE, PGE, WP and NXE on", "[ops][defaults]") {
    Machine m;
    CHECK(m.cpus().size() == 2);
    CHECK(m.cpuModel() == CpuModel::Erratum383);
    for (const auto& c : m.cpus()) {
        CHECK(c.state == CpuState::Online);
        CHECK(c.regs.pagingOn());
        CHECK((c.regs.cr4 & pae::CR4_PAE) != 0);
        CHECK(c.regs.pge());
        CHECK(c.regs.wp());
        CHECK(c.regs.nxe());
        CHECK(c.mc0Status == 0);
        CHECK(c.mcgStatus == 0);
        CHECK(c.tlb.size() == 0);
    }
    CHECK_FALSE(m.kernel().booted);
}

TEST_CASE("formatOp quotes names that contain blanks or '#', so its text parses back to the same op", "[ops]") {
    for (const char* line : {"map \"bash pgd\" 0x1000 0x2000 4K 4K user", "table \"a#b\"", "task \"x\ty\""}) {
        CAPTURE(line);
        Op op;
        REQUIRE(parseOp(line, SourceLoc{"t", 1, 1}, op));
        Op back;
        REQUIRE(parseOp(formatOp(op), SourceLoc{"t", 1, 1}, back));
        CHECK(back.name == op.name);
        CHECK(back.code == op.code);
        CHECK(formatOp(back) == formatOp(op));
    }
}
