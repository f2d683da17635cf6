// SPDX-License-Identifier: GPL-3.0-or-later
// Machine::execute is all-or-nothing (issue 12): every kernel operation that can fail part-way (a
// MOV CR3 / MOV CR4 #GP on a PDPTE with reserved bits, deep in a kernel path) leaves the machine
// and the timeline's head as they were, the head equal to its own replay, and the error names the
// op's FILE:LINE:COL. The caller's events keep the record of the attempt, ending with the #GP.
#include "helpers.hpp"

#include "tlblab/timeline.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;

namespace {

// Everything a Machine holds that a view or a later op can see, as text.
std::string describe(const Machine& m) {
    std::string s = fmt::format("step {} rng {:#x} model {} preset {}\n", m.step(), m.rngState(),
                                cpuModelName(m.cpuModel()), m.tlbPreset());
    for (u32 va : m.hotAddresses()) s += fmt::format("hot {:#x}\n", va);
    for (const Cpu& c : m.cpus()) {
        s += m.showCpu(c.id) + m.showTlb(c.id);
        s += fmt::format("task {} mm {} tlbstate {} waiting '{}' stack", c.currentTask, c.activeMm,
                         tlbStateName(c.tlbState), c.waitingFor.text());
        for (const KernelFn f : c.callStack) s += std::string(" ") + kernelFnName(f);
        s += fmt::format(" steps {} ipi {}", kernelStepName(c.steps.next), ipiStageName(c.steps.ipi));
        for (const CounterInfo& k : kCounters) s += fmt::format(" {}={}", k.name, c.stats[k.id]);
        s += "\n";
    }
    for (const Mm& mm : m.mms()) s += fmt::format("mm {} {:#x} {:#x}\n", mm.name, mm.pgd, mm.cpumask);
    for (const Task& t : m.tasks()) s += fmt::format("task {} {} {}\n", t.name, t.mm, t.cpu);
    const KernelState& k = m.kernel();
    s += fmt::format("kernel {} fine {} {} low {} boot {} by {} callin {} panic {} '{}'\n", k.booted, k.fineSteps,
                     kernelVariantName(k.variant), k.lowMappings, k.bootingCpu, k.bootingBy, k.callinDone, k.panicked,
                     k.panicMessage);
    s += fmt::format("frames {}\n", m.memory().frameCount());
    for (const auto& [pa, name] : m.memory().symbols()) {
        s += fmt::format("{} @ {:#x}:", name, pa);
        for (unsigned i = 0; i < 512; ++i)
            if (const u64 e = m.memory().read64(pae::entryAddress(pa, i))) s += fmt::format(" [{}]={:#x}", i, e);
        s += "\n";
    }
    return s;
}

struct Case {
    const char* name;
    const char* setup;   // a line "!corrupt TABLE" sets reserved bits in TABLE's PDPTE 0, "!selfmap TABLE"
                         // points TABLE's PDPTE 0 at TABLE
    const char* failing;  // the op that throws part-way
};

constexpr const char* kBoot = "cpus 3\nkernel_boot\ntask bash\ntask vi\n";

const Case kCases[] = {
    {"schedule into a task whose PDPT has reserved bits", "!corrupt bash pgd\n", "cpu1 schedule bash"},
    {"switch_mm into it", "!corrupt bash pgd\n", "cpu1 switch_mm bash"},
    {"leave_mm back to a bad swapper_pg_dir", "!corrupt swapper_pg_dir\n", "cpu0 leave_mm"},
    {"__flush_tlb of a bad current PDPT", "cpu1 schedule bash\n!corrupt bash pgd\n", "cpu1 __flush_tlb"},
    {"__flush_tlb_all of a bad current PDPT", "cpu1 schedule bash\n!corrupt bash pgd\n", "cpu1 __flush_tlb_all"},
    {"flush_tlb_all reaching a CPU on a bad PDPT", "cpu1 schedule bash\n!corrupt bash pgd\n", "cpu0 flush_tlb_all"},
    {"native_cpu_up: the IPI flush after the clone", "cpu0 cpu_down cpu2\ncpu1 schedule bash\n!corrupt bash pgd\n",
     "cpu0 native_cpu_up cpu2"},
    {"do_boot_cpu onto a bad swapper_pg_dir", "cpu0 cpu_down cpu2\n!corrupt swapper_pg_dir\n", "cpu0 do_boot_cpu cpu2"},
    {"start_secondary (fix-trampoline) loading a bad swapper_pg_dir",
     "kernel_variant fix-trampoline\n!boot\ncpu0 cpu_down cpu2\ncpu0 native_cpu_up cpu2\n!corrupt swapper_pg_dir\n",
     "cpu2 start_secondary"},
    {"zap_low_mappings: the IPI flush after the zap",
     "cpu0 cpu_down cpu2\ncpu0 native_cpu_up cpu2\ncpu2 start_secondary\ncpu1 schedule bash\n!corrupt bash pgd\n",
     "cpu0 zap_low_mappings"},
    {"set_cpu_online: the global flush on a bad PDPT",
     "cpu0 cpu_down cpu2\ncpu0 native_cpu_up cpu2\ncpu2 start_secondary\ncpu0 zap_low_mappings\n"
     "!corrupt swapper_pg_dir\n",
     "cpu2 set_cpu_online"},
    {"cpu_down: idle_task_exit's switch to a bad init_mm",
     "cpu2 schedule vi\ncpu2 schedule idle\n!corrupt swapper_pg_dir\n", "cpu0 cpu_down cpu2"},
    // No op writes a bad PDPTE here: the walk's A bit does (A is reserved in a PDPTE). PDPTE 0 of
    // bash's pgd points at the pgd itself, so the access walks it as PD and PT and sets A in it.
    {"schedule after a walk set A in a PDPTE (a PDPT that is its own PD and PT)",
     "cpu1 schedule bash\n!selfmap bash pgd\ncpu1 flush\ncpu1 access 0x0 read kernel\ncpu1 schedule idle\n",
     "cpu0 schedule bash"},
};

// Appends the set-up to `t`: op lines, "!corrupt TABLE", "!selfmap TABLE" and "!boot" (the usual boot lines).
void play(Timeline& t, const std::string& setup, int& line) {
    std::size_t pos = 0;
    while (pos < setup.size()) {
        const std::size_t nl = setup.find('\n', pos);
        std::string l = setup.substr(pos, nl - pos);
        pos = nl == std::string::npos ? setup.size() : nl + 1;
        if (l == "!boot") {
            play(t, kBoot, line);
            continue;
        }
        if (l.rfind("!selfmap ", 0) == 0) {
            const std::string table = l.substr(9);
            l = fmt::format("write_entry \"{}\" 0x0 pdpte {:#x}", table, *t.head().tableNamed(table) | pae::P);
        }
        if (l.rfind("!corrupt ", 0) == 0) {
            const std::string table = l.substr(9);
            const u64 pdpt = *t.head().tableNamed(table);
            // RW is reserved in a PAE PDPTE (SDM 4.4.1): the next load of this PDPT #GPs.
            l = fmt::format("write_entry \"{}\" 0x0 pdpte {:#x}", table, t.head().memory().read64(pdpt) | pae::RW);
        }
        Op op;
        if (parseOp(l, SourceLoc{"t.tlb", ++line, 1}, op)) t.append(op);
    }
}

}  // namespace

TEST_CASE("a kernel op that fails part-way changes nothing: machine, events, head == replay, FILE:LINE:COL",
          "[transaction][kernel]") {
    for (const Case& c : kCases) {
        CAPTURE(c.name);
        Timeline t;
        int line = 0;
        const std::string setup = std::string(c.setup).rfind("kernel_variant", 0) == 0
                                      ? std::string(c.setup)
                                      : std::string(kBoot) + c.setup;
        play(t, setup, line);
        Op op;
        REQUIRE(parseOp(std::string("  ") + c.failing, SourceLoc{"t.tlb", ++line, 1}, op));
        const std::string before = describe(t.head());
        const std::size_t steps = t.size();

        // The machine itself: unchanged; the events appended after the caller's end with the #GP.
        Machine m = t.head();
        EventList ev(3);
        std::string where;
        try {
            m.execute(op, &ev);
        } catch (const OpError& e) {
            where = e.format();
        }
        CHECK(where.rfind(fmt::format("t.tlb:{}:3: error: ", line), 0) == 0);
        CHECK(where.find("#GP") != std::string::npos);
        REQUIRE(ev.size() > 3);
        CHECK(ev.back().kind == EventKind::GeneralProtection);
        CHECK(describe(m) == before);

        // The timeline: the same error, the head unchanged and equal to its own replay.
        EventList tev;
        CHECK_THROWS_AS(t.append(op, &tev), OpError);
        CHECK(t.size() == steps);
        CHECK(describe(t.head()) == before);
        CHECK(describe(t.seek(t.size())) == describe(t.head()));

        // And the machine still runs: a later op that can succeed does.
        CHECK_NOTHROW(m.execute(parseScript("cpu0 invlpg 0x1000", "t.tlb").at(0), nullptr));
    }
}

TEST_CASE("an op that fails its checks changes nothing and appends no events", "[transaction]") {
    Machine m = test::machineFrom("cpus 2\ntable t\n");
    const std::string before = describe(m);
    EventList ev;
    for (const char* bad : {"map t 0xffe00000 0x0 4M 2M", "cpu1 load_cr3 nosuch", "write_entry t 0x0 pte 0x1",
                            "cpus 3", "cpu0 schedule bash", "kernel_variant fix-flush\nkernel_boot\nkernel_boot"}) {
        CAPTURE(bad);
        Machine copy = m;
        const std::vector<Op> ops = parseScript(bad, "t.tlb");
        for (std::size_t i = 0; i + 1 < ops.size(); ++i) copy.execute(ops[i], nullptr);
        const std::string mid = describe(copy);
        EventList cev;
        CHECK_THROWS_AS(copy.execute(ops.back(), &cev), OpError);
        CHECK(cev.empty());
        CHECK(describe(copy) == mid);
    }
    CHECK(describe(m) == before);
    CHECK(ev.empty());
}
