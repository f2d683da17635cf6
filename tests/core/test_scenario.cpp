// The erratum 383 scenario of the seed mail, end to end through the operation language.
#include "tlblab/machine.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;

namespace {
OpResult run(Machine& m, const std::string& script) {
    OpResult last;
    for (const Op& op : parseScript(script, "test")) last = m.execute(op, nullptr);
    return last;
}

const char* kScenario = R"(
cpus 3
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
)";
}  // namespace

TEST_CASE("buggy kernel on an erratum-383 CPU: the bystander machine-checks", "[scenario]") {
    Machine m;
    run(m, std::string("cpu_model erratum383\nkernel_variant buggy\n") + kScenario);
    const Cpu& c1 = m.cpu(1);
    REQUIRE(c1.tlb.lookup(0x08048000).count == 1);
    CHECK(c1.tlb.at(c1.tlb.lookup(0x08048000).slot[0]).global);
    CHECK(c1.tlb.at(c1.tlb.lookup(0x08048000).slot[0]).size == PageSize::M2);
    OpResult r = run(m, "cpu1 access 0x08048000 read user\n");
    CHECK(r.outcome == OpResult::Outcome::MachineCheck);
    CHECK(m.cpu(1).mc0Status == 0xb600000000010015ull);
    CHECK((m.cpu(1).mcgStatus & pae::MCG_STATUS_MCIP) != 0);
    CHECK(m.cpu(1).state == CpuState::Halted);
    CHECK(m.cpu(2).mc0Status == 0);  // the CPU being onlined is not the one that dies
}

TEST_CASE("each fix, and a CPU without the erratum, end without a machine check", "[scenario]") {
    for (const char* setup : {"cpu_model erratum383\nkernel_variant fix-flush\n",
                              "cpu_model erratum383\nkernel_variant fix-trampoline\n",
                              "cpu_model correct\nkernel_variant buggy\n"}) {
        CAPTURE(setup);
        Machine m;
        run(m, std::string(setup) + kScenario);
        OpResult r = run(m, "cpu1 access 0x08048000 read user\n");
        CHECK(r.outcome == OpResult::Outcome::Ok);
        CHECK(r.pa == 0x2000000);
        CHECK(m.cpu(1).mc0Status == 0);
    }
}
