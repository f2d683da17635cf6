// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlblab/json.hpp"

namespace tlblab {

using nlohmann::json;

json tlbEntryJson(const TlbEntry& e, bool full, const std::string& array) {
    json j = {{"va", hex(e.va)},         {"page_size", pageSizeName(e.size)}, {"pa", hex(e.pa)},
              {"global", e.global},      {"user", e.user},                    {"writable", e.writable},
              {"nx", e.nx},              {"origin", originName(e.origin)}};
    if (full) {
        j["id"] = e.id;
        j["step"] = e.step;
        j["dirty"] = e.dirty;
        if (!array.empty()) j["array"] = array;
    }
    return j;
}

json tlbJson(const Cpu& c, bool full) {
    json a = json::array();
    for (const auto& arr : c.tlb.arrays())
        for (std::size_t i = 0; i < arr.entries.size(); ++i)
            if (arr.valid[i]) a.push_back(tlbEntryJson(arr.entries[i], full, arr.config.name));
    return a;
}

json cpuJson(const Machine& m, int i) {
    const Cpu& c = m.cpu(i);
    json j;
    j["id"] = c.id;
    j["state"] = cpuStateName(c.state);
    const std::string table = m.tableName(c.regs.cr3);
    j["cr3"] = {{"pa", hex(c.regs.cr3)}, {"table", table.empty() ? json(nullptr) : json(table)}};
    j["pge"] = c.regs.pge();
    j["cpl"] = c.cpl;
    j["task"] = c.currentTask >= 0 ? json(m.tasks()[static_cast<std::size_t>(c.currentTask)].name) : json(nullptr);
    j["active_mm"] = c.activeMm >= 0 ? json(m.mms()[static_cast<std::size_t>(c.activeMm)].name) : json(nullptr);
    j["tlb_state"] = c.currentTask >= 0 ? json(tlbStateName(c.tlbState)) : json(nullptr);
    j["call_stack"] = json::array();
    for (KernelFn f : c.callStack) j["call_stack"].push_back(kernelFnName(f));
    j["tlb"] = tlbJson(c, true);
    if (hasMachineCheck(c))
        j["mce"] = {{"mc0_status", hex(c.mc0Status)}, {"mcg_status", hex(c.mcgStatus)}};
    else
        j["mce"] = nullptr;
    return j;
}

json eventJson(const Event& e) {
    json j = {{"kind", eventKindName(e.kind)}, {"text", describe(e)}};
    if (e.cpu >= 0) j["cpu"] = e.cpu;
    if (e.other >= 0) j["other"] = e.other;
    switch (e.kind) {
    case EventKind::TlbFill: case EventKind::TlbEvict: case EventKind::TlbInvalidate: case EventKind::TlbMove:
        j["entry"] = e.entryId;
        j["va"] = hex(e.va);
        j["pa"] = hex(e.pa);
        j["page_size"] = pageSizeName(e.size);
        j["global"] = e.global;
        j["origin"] = originName(e.origin);
        if (e.kind == EventKind::TlbInvalidate) j["reason"] = flushKindName(e.flush);
        break;
    case EventKind::TlbFlush: j["flush"] = flushKindName(e.flush); j["removed"] = e.count; break;
    case EventKind::Cr3Write: case EventKind::Cr4Write: case EventKind::Cr0Write: case EventKind::EferWrite:
        j["before"] = hex(e.before);
        j["after"] = hex(e.after);
        break;
    case EventKind::PageFault: j["va"] = hex(e.va); j["error_code"] = hex(e.count); break;
    case EventKind::MachineCheck: j["va"] = hex(e.va); j["mc0_status"] = hex(e.after); j["mcg_status"] = hex(e.before); break;
    case EventKind::TableWrite: j["pa"] = hex(e.pa); j["before"] = hex(e.before); j["after"] = hex(e.after); break;
    default:
        if (e.va) j["va"] = hex(e.va);
        break;
    }
    return j;
}

void addResultJson(json& out, const Op& op, const OpResult& r) {
    if (op.code != OpCode::Access && op.code != OpCode::Translate) return;
    out["result"] = outcomeName(r.outcome);
    if (r.outcome == OpResult::Outcome::Ok) {
        out["pa"] = hex(r.pa);
        out["page_size"] = pageSizeName(r.size);
        out["tlb"] = r.tlbHit ? "hit" : "miss";
    } else if (r.outcome == OpResult::Outcome::PageFault) {
        out["error_code"] = hex(r.errorCode);
        out["tlb"] = r.tlbHit ? "hit" : "miss";
    } else if (r.outcome == OpResult::Outcome::MachineCheck) {
        out["mc0_status"] = hex(r.mc0Status);
        out["tlb"] = "hit";
    }
}

json statsJson(const CpuStats& s) {
    json out = json::object();
    for (const CounterInfo& c : kCounters) out[c.name] = s.*c.field;
    return out;
}

}  // namespace tlblab
