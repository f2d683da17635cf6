// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/pae.hpp"

#include <fmt/format.h>

namespace tlblab {

const char* pageSizeName(PageSize s) { return s == PageSize::K4 ? "4K" : "2M"; }

const char* accessName(AccessType a) {
    switch (a) {
    case AccessType::Read: return "read";
    case AccessType::Write: return "write";
    case AccessType::Exec: return "exec";
    }
    return "?";
}

const char* modeName(Mode m) { return m == Mode::User ? "user" : "kernel"; }

namespace pae {

std::string describeEntry(u64 raw, int level) {
    if (!(raw & P)) return raw ? "not present" : "empty";
    std::string s = "P";
    if (level == 0) {
        if (raw & PWT) s += " PWT";
        if (raw & PCD) s += " PCD";
        if (raw & kPdpteReserved) s += " RESERVED";
        return s;
    }
    if (raw & RW) s += " RW";
    if (raw & US) s += " US";
    if (raw & PWT) s += " PWT";
    if (raw & PCD) s += " PCD";
    if (raw & A) s += " A";
    if (raw & D) s += " D";
    if (raw & PS) s += level == 1 ? " PS" : " PAT";
    if (raw & G) s += " G";
    if (raw & XD) s += " NX";
    return s;
}

std::string describeErrorCode(u32 ec) {
    std::string s = fmt::format("error code {:#x} (", ec);
    s += (ec & PF_P) ? "protection" : "not present";
    s += (ec & PF_WR) ? ", write" : ", read";
    s += (ec & PF_US) ? ", user" : ", supervisor";
    if (ec & PF_RSVD) s += ", reserved bit";
    if (ec & PF_ID) s += ", instruction fetch";
    return s + ")";
}

std::string describeMc0Status(u64 st) {
    // MCi_STATUS layout (AMD APM vol. 2, 9.3.2): VAL 63, OVER 62, UC 61, EN 60, MISCV 59,
    // ADDRV 58, PCC 57; error code in bits 15:0. 0x0015 = TLB error: L1, data (AMD BKDG:
    // TT = data, LL = L1 in the "0000 0000 0001 TTLL" TLB error code).
    if (!st) return "no error logged";
    std::string s;
    auto bit = [&](int b, const char* n) {
        if (st & (u64{1} << b)) s += std::string(s.empty() ? "" : " ") + n;
    };
    bit(63, "VAL");
    bit(62, "OVER");
    bit(61, "UC");
    bit(60, "EN");
    bit(59, "MISCV");
    bit(58, "ADDRV");
    bit(57, "PCC");
    const unsigned code = static_cast<unsigned>(st & 0xffff);
    const unsigned ext = static_cast<unsigned>((st >> 16) & 0xf);
    s += fmt::format("; error code {:#06x}", code);
    if ((code & 0xfff0) == 0x0010) {
        const unsigned tt = (code >> 2) & 3, ll = code & 3;
        static const char* kTT[] = {"instruction", "data", "generic", "reserved"};
        static const char* kLL[] = {"L0", "L1", "L2", "generic level"};
        s += fmt::format(" (TLB error, {} {})", kLL[ll], kTT[tt]);
    }
    if (ext) s += fmt::format("; extended error code {:#x}", ext);
    if ((st & ~MCI_STATUS_OVER) == kMc0StatusErratum383) s += "; L1 TLB multimatch (erratum 383 signature)";
    return s;
}

}  // namespace pae
}  // namespace tlblab
