// SPDX-License-Identifier: GPL-3.0-or-later
// The Linux x86-32 kernel layer (Linux 2.6.32 to 2.6.36 and the fix, commit fd89a137924e): boot
// layout, lazy TLB, flush_tlb_all with IPIs and leave_mm, switch_mm, CPU hotplug, and the three
// kernel variants.
#include "helpers.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;
using namespace tlblab::test;
using Outcome = OpResult::Outcome;

namespace {
const char* kBoot = R"(
cpus 3
kernel_boot
task bash
map "bash pgd" 0x08048000 0x2000000 16K 4K user rw
)";

u64 pgdEntry(const Machine& m, const std::string& table, unsigned i) {
    return m.memory().read64(pdptOf(m, table) + i * 8);
}

bool lowMappingsIn(const Machine& m, const std::string& table) {
    const u64 kernelPmd = pgdEntry(m, "swapper_pg_dir", 3) & pae::kFrame4K;
    for (unsigned i = 0; i < 3; ++i)
        if ((pgdEntry(m, table, i) & pae::kFrame4K) == kernelPmd) return true;
    return false;
}

std::string cr3Table(const Machine& m, int cpu) { return m.tableName(m.cpu(cpu).regs.cr3); }

// The steps of the crash (section 4) up to the last access, for a given variant and model.
std::string crashScript(const char* variant, const char* model) {
    return fmt::format(R"(
cpus 3
cpu_model {}
kernel_variant {}
kernel_boot
cpu0 cpu_down cpu2
task bash
map "bash pgd" 0x08048000 0x2000000 16K 4K user rw
cpu1 schedule bash
cpu1 access 0x08048000 read user
cpu1 schedule idle
cpu0 native_cpu_up cpu2
cpu1 speculate 0x08048000
cpu1 schedule bash
)",
                       model, variant);
}
}  // namespace

TEST_CASE("kernel_boot builds swapper_pg_dir the 3G/1G PAE way", "[kernel]") {
    Machine m = machineFrom(kBoot);
    const auto& k = m.kernel();
    CHECK(k.booted);
    CHECK(k.variant == KernelVariant::Buggy);
    // pgd[3] is the kernel PMD; pgd[0..2] point at an empty PMD; PDPTEs hold P and the address.
    CHECK(pgdEntry(m, "swapper_pg_dir", 3) == (k.kernelPmd | pae::P));
    for (unsigned i = 0; i < 3; ++i) CHECK(pgdEntry(m, "swapper_pg_dir", i) == (k.emptyPmd | pae::P));
    // Lowmem: 896 MiB of 2M PAGE_KERNEL_LARGE (P RW A D PS G), NX outside the kernel text.
    const u64 large = pae::P | pae::RW | pae::A | pae::D | pae::PS | pae::G;
    CHECK(m.memory().read64(k.kernelPmd) == (large | pae::XD));
    CHECK(m.memory().read64(k.kernelPmd + 8 * 8) == (0x01000000 | large));  // 16 MiB: text
    CHECK(m.memory().read64(k.kernelPmd + 447 * 8) == ((447ull << 21) | large | pae::XD));
    CHECK(m.memory().read64(k.kernelPmd + 448 * 8) == 0);
    // Every CPU runs its idle task on swapper_pg_dir, lazily.
    for (int c = 0; c < 3; ++c) {
        CHECK(cr3Table(m, c) == "swapper_pg_dir");
        CHECK(m.cpu(c).tlbState == TlbState::Lazy);
    }
    // A new mm shares the kernel PMD.
    CHECK(pgdEntry(m, "bash pgd", 3) == pgdEntry(m, "swapper_pg_dir", 3));
    // Kernel pages are supervisor-only and global.
    OpResult r = run(m, "cpu1 access 0xc0100000 read kernel");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x00100000);
    CHECK(r.size == PageSize::M2);
    CHECK(covering(m, 1, 0xc0100000)[0].global);
    r = run(m, "cpu2 access 0xc0100000 read user");
    CHECK(r.outcome == Outcome::PageFault);
    CHECK(r.errorCode == 0x5);
}

TEST_CASE("switch_mm loads next->pgd with MOV CR3: global entries survive", "[kernel]") {
    Machine m = machineFrom(std::string(kBoot) + "cpu1 access 0xc0100000 read kernel\n");
    EventList ev;
    run(m, "cpu1 schedule bash", &ev);
    CHECK(cr3Table(m, 1) == "bash pgd");
    CHECK(m.cpu(1).tlbState == TlbState::Ok);
    CHECK(hasEvent(ev, EventKind::Cr3Write, 1));
    CHECK(covering(m, 1, 0xc0100000).size() == 1);
    CHECK(m.cpu(1).cpl == 3);
    REQUIRE(run(m, "cpu1 access 0x08048000 read user").outcome == Outcome::Ok);
    // Lazy: the idle task keeps bash's page tables loaded.
    run(m, "cpu1 schedule idle");
    CHECK(cr3Table(m, 1) == "bash pgd");
    CHECK(m.cpu(1).tlbState == TlbState::Lazy);
    CHECK(covering(m, 1, 0x08048000).size() == 1);
    // switch_mm into another mm: non-global entries go, global ones stay.
    run(m, "task vi\nmap \"vi pgd\" 0x08048000 0x3000000 4K 4K user\ncpu1 schedule vi\n");
    CHECK(cr3Table(m, 1) == "vi pgd");
    CHECK(covering(m, 1, 0x08048000).empty());
    CHECK(covering(m, 1, 0xc0100000).size() == 1);
}

TEST_CASE("flush_tlb_all: an IPI per other online CPU, __flush_tlb_all everywhere, leave_mm on lazy CPUs",
          "[kernel][flush]") {
    Machine m = machineFrom(std::string(kBoot) + R"(
cpu1 schedule bash
cpu1 access 0x08048000 read user
cpu1 access 0xc0100000 read kernel
cpu1 schedule idle
cpu2 access 0xc0200000 read kernel
)");
    REQUIRE(cr3Table(m, 1) == "bash pgd");
    REQUIRE(m.cpu(1).tlbState == TlbState::Lazy);
    REQUIRE(m.cpu(1).tlb.size() == 2);
    EventList ev;
    run(m, "cpu0 flush_tlb_all", &ev);
    int ipis = 0;
    for (const auto& e : ev)
        if (e.kind == EventKind::IpiSend) {
            CHECK(e.cpu == 0);
            CHECK((e.other == 1 || e.other == 2));
            ++ipis;
        }
    CHECK(ipis == 2);
    // __flush_tlb_all = global flush (CR4.PGE toggle) on each CPU: globals gone everywhere.
    for (int c = 0; c < 3; ++c) {
        CAPTURE(c);
        CHECK(countEvents(ev, EventKind::Cr4Write, c) == 2);
        CHECK(m.cpu(c).tlb.size() == 0);
        CHECK(m.cpu(c).regs.pge());
    }
    // leave_mm on the lazy cpu1: load_cr3(swapper_pg_dir), and it leaves bash's cpumask.
    CHECK(cr3Table(m, 1) == "swapper_pg_dir");
    const Mm* bash = nullptr;
    for (const auto& mm : m.mms())
        if (mm.name == "bash") bash = &mm;
    REQUIRE(bash);
    CHECK((bash->cpumask & 0x2) == 0);
    // The CR3 load comes after the global flush on cpu1.
    std::size_t lastCr4 = 0, cr3 = 0;
    for (std::size_t i = 0; i < ev.size(); ++i) {
        if (ev[i].cpu != 1) continue;
        if (ev[i].kind == EventKind::Cr4Write) lastCr4 = i;
        if (ev[i].kind == EventKind::Cr3Write) cr3 = i;
    }
    CHECK(cr3 > lastCr4);
    CHECK(ev[cr3].after == pdptOf(m, "swapper_pg_dir"));
}

TEST_CASE("flush_tlb_all skips offline CPUs; a CPU in TLBSTATE_OK keeps its CR3", "[kernel][flush]") {
    Machine m = machineFrom(std::string(kBoot) + "cpu0 cpu_down cpu2\ncpu1 schedule bash\n");
    EventList ev;
    run(m, "cpu0 flush_tlb_all", &ev);
    CHECK(countEvents(ev, EventKind::IpiSend) == 1);
    CHECK(countEvents(ev, EventKind::Cr4Write, 2) == 0);
    CHECK(cr3Table(m, 1) == "bash pgd");
    CHECK(countEvents(ev, EventKind::Cr3Write, 1) == 0);
}

TEST_CASE("leave_mm, enter_lazy_tlb and the kernel flush primitives", "[kernel]") {
    Machine m = machineFrom(std::string(kBoot) + "cpu1 schedule bash\n");
    CHECK(errorOf(m, "cpu1 leave_mm") == "test:1:1: error: leave_mm on cpu1 in TLBSTATE_OK is a kernel BUG()");
    run(m, "cpu1 enter_lazy_tlb\ncpu1 leave_mm\n");
    CHECK(cr3Table(m, 1) == "swapper_pg_dir");
    run(m, "cpu1 access 0xc0000000 read kernel\ncpu1 __flush_tlb\n");
    CHECK(m.cpu(1).tlb.size() == 1);  // __flush_tlb reloads CR3: the global entry stays
    run(m, "cpu1 __flush_tlb_all");
    CHECK(m.cpu(1).tlb.size() == 0);
}

TEST_CASE("buggy: native_cpu_up clones pgd[3] into pgd[0] of swapper_pg_dir for the boot", "[kernel][buggy]") {
    Machine m = machineFrom(std::string(kBoot) + "cpu0 cpu_down cpu2\ncpu1 schedule bash\ncpu1 schedule idle\n");
    REQUIRE_FALSE(lowMappingsIn(m, "swapper_pg_dir"));
    EventList ev;
    run(m, "cpu0 native_cpu_up cpu2", &ev);
    // clone_pgd_range(swapper_pg_dir, swapper_pg_dir + 3, 1): pgd[0] = pgd[3].
    CHECK(pgdEntry(m, "swapper_pg_dir", 0) == pgdEntry(m, "swapper_pg_dir", 3));
    CHECK(pgdEntry(m, "swapper_pg_dir", 1) == (m.kernel().emptyPmd | pae::P));
    CHECK(m.kernel().lowMappings);
    // flush_tlb_all moved the lazy cpu1 onto swapper_pg_dir, with the low mappings loaded.
    CHECK(cr3Table(m, 1) == "swapper_pg_dir");
    CHECK(m.cpu(1).regs.pdpte[0] == pgdEntry(m, "swapper_pg_dir", 3));
    CHECK(countEvents(ev, EventKind::IpiSend) >= 1);
    // The booting CPU's initial table is swapper_pg_dir.
    CHECK(m.cpu(2).state == CpuState::Booting);
    CHECK(cr3Table(m, 2) == "swapper_pg_dir");
    const auto& stack = m.cpu(0).callStack;
    REQUIRE(stack.size() >= 2);
    CHECK(stack[stack.size() - 2] == KernelFn::NativeCpuUp);
    CHECK(stack.back() == KernelFn::DoBootCpu);
    CHECK(stack.text(" > ") == "cpu_idle > native_cpu_up > do_boot_cpu");
    // Linear 0-1 GiB maps low physical memory with 2M global supervisor pages.
    run(m, "cpu1 speculate 0x08048000");
    auto e = covering(m, 1, 0x08048000);
    REQUIRE(e.size() == 1);
    CHECK(e[0].size == PageSize::M2);
    CHECK(e[0].global);
    CHECK_FALSE(e[0].user);
    CHECK(e[0].pa == 0x08000000);
    CHECK(e[0].origin == Origin::Speculative);
    // Finish the boot: zap_low_mappings empties pgd[0] and flushes everywhere.
    run(m, "cpu2 start_secondary");
    CHECK(errorOf(m, "cpu2 set_cpu_online").find("low_mappings") != std::string::npos);
    run(m, "cpu0 zap_low_mappings");
    CHECK_FALSE(lowMappingsIn(m, "swapper_pg_dir"));
    CHECK_FALSE(m.kernel().lowMappings);
    CHECK(m.cpu(1).tlb.size() == 0);
    EventList online;
    run(m, "cpu2 set_cpu_online", &online);
    CHECK(countEvents(online, EventKind::Cr4Write, 2) == 2);  // start_secondary's global flush
    CHECK(m.cpu(2).state == CpuState::Online);
    for (const auto f : m.cpu(0).callStack) CHECK(f != KernelFn::NativeCpuUp);
}

TEST_CASE("buggy kernel, erratum-383 CPU: the bystander that used swapper_pg_dir dies", "[kernel][buggy]") {
    Machine m = machineFrom(crashScript("buggy", "erratum383"));
    auto e = covering(m, 1, 0x08048000);
    REQUIRE(e.size() == 1);  // the global 2M entry survived switch_mm
    CHECK(e[0].global);
    CHECK(e[0].size == PageSize::M2);
    OpResult r = run(m, "cpu1 access 0x08048000 read user");
    CHECK(r.outcome == Outcome::MachineCheck);
    CHECK(r.mc0Status == pae::kMc0StatusErratum383);
    CHECK(m.cpu(1).state == CpuState::Halted);
    CHECK(m.kernel().panicked);
    CHECK(m.cpu(2).mc0Status == 0);  // not the CPU being onlined
    CHECK(m.cpu(0).mc0Status == 0);
    CHECK(m.cpu(0).state == CpuState::Halted);  // panic stops the others
}

TEST_CASE("buggy kernel on a correct CPU: the stale entry is replaced", "[kernel][buggy]") {
    Machine m = machineFrom(crashScript("buggy", "correct"));
    OpResult r = run(m, "cpu1 access 0x08048000 read user");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x2000000);
    CHECK_FALSE(m.kernel().panicked);
}

TEST_CASE("fix-flush: loading a CR3 after swapper_pg_dir flushes globally", "[kernel][fixflush]") {
    Machine m = machineFrom(crashScript("fix-flush", "erratum383"));
    CHECK(covering(m, 1, 0x08048000).empty());
    CHECK(m.cpu(1).tlb.size() == 0);  // the kernel's global entries are gone too: the cost
    OpResult r = run(m, "cpu1 access 0x08048000 read user");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(r.pa == 0x2000000);
    // The low mappings are still put into swapper_pg_dir in this variant.
    CHECK(lowMappingsIn(m, "swapper_pg_dir"));
    // Switching between two user mms (not from swapper_pg_dir) keeps global entries.
    run(m, "task vi\ncpu1 access 0xc0100000 read kernel\ncpu1 schedule vi\n");
    CHECK(covering(m, 1, 0xc0100000).size() == 1);
    // And leaving swapper_pg_dir flushes them.
    run(m, "cpu1 schedule idle\ncpu1 enter_lazy_tlb\ncpu1 leave_mm\ncpu1 access 0xc0100000 read kernel\n");
    REQUIRE(covering(m, 1, 0xc0100000).size() == 1);
    run(m, "cpu1 schedule bash");
    CHECK(covering(m, 1, 0xc0100000).empty());
}

TEST_CASE("fix-trampoline: the boot uses trampoline_pg_dir; swapper_pg_dir never has low mappings",
          "[kernel][fixtrampoline]") {
    const std::string script = crashScript("fix-trampoline", "erratum383");
    Machine m;
    // After every operation, swapper_pg_dir holds no low mappings.
    for (const Op& op : parseScript(script, "test")) {
        m.execute(op, nullptr);
        if (m.kernel().booted) CHECK_FALSE(lowMappingsIn(m, "swapper_pg_dir"));
    }
    // trampoline_pg_dir = swapper's layout plus the low mappings.
    CHECK(pgdEntry(m, "trampoline_pg_dir", 0) == pgdEntry(m, "swapper_pg_dir", 3));
    CHECK(pgdEntry(m, "trampoline_pg_dir", 3) == pgdEntry(m, "swapper_pg_dir", 3));
    CHECK(pgdEntry(m, "trampoline_pg_dir", 1) == pgdEntry(m, "swapper_pg_dir", 1));
    CHECK_FALSE(m.kernel().lowMappings);
    // The booting CPU started on trampoline_pg_dir.
    CHECK(m.cpu(2).state == CpuState::Booting);
    CHECK(cr3Table(m, 2) == "trampoline_pg_dir");
    // cpu1 never left bash's tables (no flush IPI): it holds only bash's own 4K user entry.
    auto own = covering(m, 1, 0x08048000);
    REQUIRE(own.size() == 1);
    CHECK(own[0].size == PageSize::K4);
    CHECK(own[0].user);
    CHECK(cr3Table(m, 1) == "bash pgd");
    OpResult r = run(m, "cpu1 access 0x08048000 read user");
    CHECK(r.outcome == Outcome::Ok);
    // start_secondary: load_cr3(swapper_pg_dir) first, then __flush_tlb_all.
    run(m, "cpu2 access 0x00100000 read kernel");  // the booting CPU uses the 1:1 mapping
    REQUIRE(covering(m, 2, 0x00100000).size() == 1);
    EventList ev;
    run(m, "cpu2 start_secondary", &ev);
    CHECK(cr3Table(m, 2) == "swapper_pg_dir");
    std::size_t cr3 = ev.size(), firstCr4 = ev.size();
    for (std::size_t i = 0; i < ev.size(); ++i) {
        if (ev[i].cpu != 2) continue;
        if (ev[i].kind == EventKind::Cr3Write && cr3 == ev.size()) cr3 = i;
        if (ev[i].kind == EventKind::Cr4Write && firstCr4 == ev.size()) firstCr4 = i;
    }
    CHECK(cr3 < firstCr4);
    CHECK(firstCr4 < ev.size());
    CHECK(m.cpu(2).tlb.size() == 0);  // the global low-mapping entry is gone
    // native_cpu_up neither clones, flushes nor zaps.
    CHECK(errorOf(m, "cpu0 zap_low_mappings").find("nothing to zap") != std::string::npos);
    run(m, "cpu2 set_cpu_online");
    CHECK(m.cpu(2).state == CpuState::Online);
}

TEST_CASE("fix-trampoline's native_cpu_up writes nothing into swapper_pg_dir and sends no flush IPI",
          "[kernel][fixtrampoline]") {
    Machine m = machineFrom("cpus 3\nkernel_variant fix-trampoline\nkernel_boot\ncpu0 cpu_down cpu2\n");
    EventList ev;
    run(m, "cpu0 native_cpu_up cpu2", &ev);
    const u64 swapper = pdptOf(m, "swapper_pg_dir");
    for (const auto& e : ev) {
        if (e.kind == EventKind::TableWrite) CHECK((e.pa & ~u64{0xfff}) != swapper);
        if (e.kind == EventKind::IpiSend) CHECK(e.detail.find("flush") == std::string::npos);
    }
    // do_boot_cpu: INIT, then two STARTUP IPIs, to the booting CPU.
    int init = 0, startup = 0;
    for (const auto& e : ev) {
        if (e.kind != EventKind::IpiSend) continue;
        CHECK(e.other == 2);
        init += e.detail == "INIT";
        startup += e.detail == "STARTUP";
    }
    CHECK(init == 1);
    CHECK(startup == 2);
}

TEST_CASE("every variant ends without a machine check on the crash steps except buggy+erratum383",
          "[kernel][variants]") {
    for (const char* variant : {"buggy", "fix-flush", "fix-trampoline"}) {
        for (const char* model : {"erratum383", "correct"}) {
            CAPTURE(variant, model);
            Machine m = machineFrom(crashScript(variant, model));
            OpResult r = run(m, "cpu1 access 0x08048000 read user");
            const bool dies = std::string(variant) == "buggy" && std::string(model) == "erratum383";
            CHECK((r.outcome == Outcome::MachineCheck) == dies);
            if (!dies) CHECK(r.pa == 0x2000000);
        }
    }
}
