// SPDX-License-Identifier: GPL-3.0-or-later
// JSON renderings of machine state shared by `tlblab-cli exec`, `run` and the exports.
#pragma once

#include "tlblab/machine.hpp"

#include <nlohmann/json.hpp>

namespace tlblab {

// {va, page_size, pa, global, user, writable, nx, origin} (+ id, step, level when `full`).
nlohmann::json tlbEntryJson(const TlbEntry& e, bool full = false, const std::string& array = {});
nlohmann::json tlbJson(const Cpu& c, bool full = false);
// {id, state, cr3 {pa, table}, pge, cpl, task, tlb [...], mce null | {mc0_status, mcg_status}, ...}
nlohmann::json cpuJson(const Machine& m, int cpu);
nlohmann::json eventJson(const Event& e);
// exec's per-operation result fields (result, pa, page_size, tlb, error_code, mc0_status).
void addResultJson(nlohmann::json& out, const Op& op, const OpResult& r);
nlohmann::json statsJson(const CpuStats& s);

}  // namespace tlblab
