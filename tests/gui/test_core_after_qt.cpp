// SPDX-License-Identifier: GPL-3.0-or-later
// Qt first, then the core headers: core names nothing that Qt defines as a macro (`slots`,
// `signals`, `emit`), so a Qt file may include them in any order. This file fails to compile if
// that is broken again (the TLB array's entries were once a member named `slots`).
#include <QObject>

#include "tlblab/diagram.hpp"
#include "tlblab/explore.hpp"
#include "tlblab/lesson.hpp"
#include "tlblab/machine.hpp"
#include "tlblab/timeline.hpp"
#include "tlblab/tlb.hpp"

#include <catch2/catch.hpp>

using namespace tlblab;

TEST_CASE("core headers compile after Qt's keyword macros; a TLB array holds one entry per slot", "[gui]") {
    const Tlb t(TlbConfig::amdFam10h());
    REQUIRE(t.arrays().size() == 3);
    CHECK(t.arrays()[0].entries.size() == 48);   // L1 DTLB, fully associative
    CHECK(t.arrays()[1].entries.size() == 512);  // L2 DTLB 4K
    CHECK(t.arrays()[2].entries.size() == 128);  // L2 DTLB 2M
    CHECK(t.size() == 0);
}
