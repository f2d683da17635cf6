// SPDX-License-Identifier: GPL-3.0-or-later
// The timeline (issue 2): deterministic replay, seeking through keyframes forward and back,
// truncation, and the per-CPU statistics.
#include "helpers.hpp"

#include <catch2/catch.hpp>

#include "tlblab/json.hpp"
#include "tlblab/timeline.hpp"

using namespace tlblab;
using namespace tlblab::test;

namespace {
// Everything observable about a machine, as text.
std::string fingerprint(const Machine& m) {
    std::string s = fmt::format("step {} rng {} hot {}\n", m.step(), m.rngState(), m.hotAddresses().size());
    for (const auto& c : m.cpus()) {
        s += m.showCpu(c.id) + m.showTlb(c.id);
        const CpuStats& st = c.stats;
        s += fmt::format("stats {} {} {} {} {} {} {} {} {} {}\n", st.lookups, st.hits, st.misses, st.walks,
                         st.fillsDemand, st.fillsSpeculative, st.flushNonGlobal, st.flushAll, st.pageFaults,
                         st.entriesFlushed);
        for (const auto& e : c.tlb.entries()) s += fmt::format("{} {} {} ", e.id, e.lastUse, e.dirty);
        s += "\n";
    }
    for (const auto& [pa, name] : m.memory().symbols()) {
        s += name + ":";
        for (unsigned i = 0; i < 512; ++i)
            if (u64 v = m.memory().read64(pa + i * 8)) s += fmt::format(" {}={:x}", i, v);
        s += "\n";
    }
    return s;
}

// A history that exercises most of the machine: kernel, hotplug, random speculation.
std::vector<Op> history(int rounds) {
    std::string s = R"(
cpus 3
seed 1234
speculation random 0.3
kernel_boot
cpu0 cpu_down cpu2
task bash
map "bash pgd" 0x08048000 0x2000000 64K 4K user rw
cpu_model correct
)";
    for (int i = 0; i < rounds; ++i) {
        s += fmt::format("cpu1 schedule bash\ncpu1 access {:#x} {} user\ncpu1 access 0xc0{:02x}0000 read kernel\n"
                         "cpu1 schedule idle\ncpu0 access 0xc0{:02x}1000 write kernel\n",
                         0x08048000 + (i % 16) * 0x1000, i % 3 ? "read" : "write", i % 200, (i * 7) % 200);
        if (i % 10 == 0) s += "cpu0 flush_tlb_all\n";
        if (i % 25 == 5) s += "cpu0 native_cpu_up cpu2\ncpu2 start_secondary\ncpu0 zap_low_mappings\ncpu2 set_cpu_online\n"
                             "cpu0 cpu_down cpu2\n";
    }
    return parseScript(s, "history");
}
}  // namespace

TEST_CASE("same script and seed give identical events and states", "[timeline][determinism]") {
    const auto ops = history(40);
    Timeline a, b;
    for (const Op& op : ops) a.append(op);
    for (const Op& op : ops) b.append(op);
    REQUIRE(a.size() == ops.size());
    for (std::size_t i = 1; i <= a.size(); ++i) {
        EventList ea = a.eventsOf(i), eb = b.eventsOf(i);
        REQUIRE(ea.size() == eb.size());
        for (std::size_t k = 0; k < ea.size(); ++k) CHECK(describe(ea[k]) == describe(eb[k]));
    }
    CHECK(fingerprint(a.head()) == fingerprint(b.head()));
    std::size_t specFills = 0;
    for (const auto& c : a.head().cpus()) specFills += c.stats.fillsSpeculative;
    CHECK(specFills > 0);  // the random policy did something
}

TEST_CASE("seeking forward and back equals a straight replay", "[timeline][seek]") {
    const auto ops = history(30);
    Timeline t(Machine{}, 16);
    for (const Op& op : ops) t.append(op);
    // Straight replay: the state after each step.
    std::vector<std::string> expected;
    Machine m;
    expected.push_back(fingerprint(m));
    for (const Op& op : ops) {
        m.execute(op, nullptr);
        expected.push_back(fingerprint(m));
    }
    CHECK(fingerprint(t.head()) == expected.back());
    CHECK(t.keyframeCount() == ops.size() / 16 + 1);
    const std::size_t n = ops.size();
    for (std::size_t s : {n, std::size_t{0}, n / 2, n / 2 + 1, n / 2 - 1, std::size_t{17}, std::size_t{16},
                          std::size_t{15}, n - 1, std::size_t{1}, n / 3, n}) {
        CAPTURE(s);
        CHECK(fingerprint(t.seek(s)) == expected[s]);
        CHECK(t.position() == s);
    }
    std::uint64_t x = 99;
    for (int i = 0; i < 60; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const std::size_t s = static_cast<std::size_t>((x >> 33) % (n + 1));
        CAPTURE(s);
        CHECK(fingerprint(t.seek(s)) == expected[s]);
    }
    // Events of a step recomputed without stored events equal the stored ones.
    Timeline lean(Machine{}, 16, false);
    for (const Op& op : ops) lean.append(op);
    for (std::size_t s : {std::size_t{1}, n / 2, n}) {
        EventList a = t.eventsOf(s), b = lean.eventsOf(s);
        REQUIRE(a.size() == b.size());
        for (std::size_t k = 0; k < a.size(); ++k) CHECK(describe(a[k]) == describe(b[k]));
    }
}

TEST_CASE("truncate forgets later steps; appending then branches from there", "[timeline]") {
    const auto ops = history(20);
    Timeline t(Machine{}, 8);
    for (const Op& op : ops) t.append(op);
    const std::size_t cut = ops.size() / 2 + 3;
    t.seek(ops.size());
    t.truncate(cut);
    CHECK(t.size() == cut);
    CHECK(t.position() == cut);
    Machine m;
    for (std::size_t i = 0; i < cut; ++i) m.execute(ops[i], nullptr);
    CHECK(fingerprint(t.head()) == fingerprint(m));
    CHECK(fingerprint(t.current()) == fingerprint(m));
    CHECK(t.keyframeCount() == cut / 8 + 1);
    // A different future.
    const Op extra = parseScript("cpu1 access 0xc0000000 read kernel", "x").front();
    t.append(extra);
    m.execute(extra, nullptr);
    CHECK(t.size() == cut + 1);
    CHECK(fingerprint(t.head()) == fingerprint(m));
    CHECK(fingerprint(t.seek(cut + 1)) == fingerprint(m));
    // Truncating at or beyond the end changes nothing.
    t.truncate(cut + 5);
    CHECK(t.size() == cut + 1);
}

TEST_CASE("a failing op leaves the timeline unchanged", "[timeline]") {
    Timeline t;
    t.append(parseScript("table a", "x").front());
    CHECK_THROWS_AS(t.append(parseScript("cpu0 load_cr3 b", "x").front()), OpError);
    CHECK(t.size() == 1);
    CHECK(t.head().step() == 1);
}

TEST_CASE("per-CPU statistics count lookups, hits, misses, walks, fills and flushes", "[timeline][stats]") {
    Machine m = machineFrom(R"(
table a
map a 0x00400000 0x00800000 8K 4K rw global
cpu0 load_cr3 a
cpu0 access 0x00400000 read kernel
cpu0 access 0x00400004 read kernel
cpu0 access 0x00401000 read kernel
cpu0 speculate 0x00402000
cpu0 access 0x00402000 read kernel
cpu0 invlpg 0x00400000
cpu0 flush
cpu0 flush_all
)");
    const CpuStats& s = m.cpu(0).stats;
    CHECK(s.lookups == 4);
    CHECK(s.hits == 1);
    CHECK(s.misses == 3);
    CHECK(s.walks == 3);
    CHECK(s.pageFaults == 1);  // 0x00402000 is not mapped
    CHECK(s.fillsDemand == 2);
    CHECK(s.fillsSpeculative == 0);
    CHECK(s.invlpg == 1);
    CHECK(s.flushNonGlobal == 2);  // load_cr3 and flush
    CHECK(s.flushAll == 1);
    const CpuStats zero = s - s;
    CHECK(zero.lookups == 0);
    CpuStats twice = s;
    twice += s;
    CHECK(twice.hits == 2);
}

namespace {
// The whole observable state, kernel bookkeeping included (call stacks, active_mm, cpumask).
std::string fullState(const Machine& m) {
    std::string s = fingerprint(m);
    for (const auto& c : m.cpus()) s += cpuJson(m, c.id).dump() + "\n";
    for (const auto& mm : m.mms()) {
        s += fmt::format("{} cpumask {:#x}\n", mm.name, mm.cpumask);
    }
    for (const auto& c : m.cpus()) s += fmt::format("cpu{} switches {}\n", c.id, c.stats.contextSwitches);
    return s;
}
}  // namespace

TEST_CASE("timeline: a kernel op that fails part-way leaves the head equal to its replay (issue 12)",
          "[timeline][kernel]") {
    const std::string setup = "cpus 2\nkernel_boot\ntask bash\nmap \"bash pgd\" 0x08048000 0x3000000 4K 4K user\n"
                              "cpu1 schedule bash\ncpu1 access 0x08048000 read user\ncpu1 schedule idle\ntask vi\n";
    // A PDPTE with reserved bits (R/W, bit 1) in vi's pgd: switch_mm's MOV CR3 raises #GP, after the
    // scheduler has already started the switch.
    const std::string bad = "write_entry \"vi pgd\" 0x08048000 pdpte 0x3";
    const std::vector<Op> ops = parseScript(setup + bad + "\ncpu1 schedule vi\n", "reserved.tlb");
    Timeline tl(Machine{}, 4);
    for (std::size_t i = 0; i + 1 < ops.size(); ++i) tl.append(ops[i]);
    const std::string before = fullState(tl.head());

    try {
        tl.append(ops.back());
        FAIL("schedule into a PDPT with reserved bits must fail");
    } catch (const OpError& e) {
        CHECK(e.loc().file == "reserved.tlb");
        CHECK(e.loc().line == 10);
        CHECK(e.loc().col >= 1);
        CHECK(std::string(e.what()).find("#GP") != std::string::npos);
    }
    CHECK(tl.size() == ops.size() - 1);
    CHECK(fullState(tl.head()) == before);
    CHECK(fullState(tl.seek(tl.size())) == before);
}
