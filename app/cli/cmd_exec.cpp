// SPDX-License-Identifier: GPL-3.0-or-later
// tlblab-cli exec [FILE|-] [--json]: runs a script of the operation language.
#include "commands.hpp"

#include "tlblab/json.hpp"
#include "tlblab/machine.hpp"

#include <iostream>

namespace tlblab::cli {

namespace {
struct ExecOptions {
    std::string file = "-";
    bool json = false;
    bool events = false;
};

int runExec(const ExecOptions& o) {
    std::string text;
    try {
        text = readInput(o.file);
    } catch (const OpError& e) {
        std::cerr << e.format() << "\n";
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "tlblab-cli: error: " << e.what() << "\n";
        return kExitBadInput;
    }
    const std::string name = o.file == "-" ? "<stdin>" : o.file;
    std::vector<Op> ops;
    try {
        ops = parseScript(text, name);  // the whole script parses before anything runs
    } catch (const OpError& e) {
        std::cerr << e.format() << "\n";
        return kExitBadInput;
    }
    Machine m;
    for (const Op& op : ops) {
        EventList ev;
        OpResult r;
        try {
            r = m.execute(op, &ev);
        } catch (const OpError& e) {
            if (o.json)
                std::cout << nlohmann::json{{"line", op.loc.line}, {"op", formatOp(op)}, {"ok", false},
                                            {"error", e.what()}}
                                 .dump()
                          << "\n";
            std::cerr << e.format() << "\n";
            return kExitBadInput;
        }
        if (o.json) {
            nlohmann::json j = {{"line", op.loc.line}, {"op", formatOp(op)}, {"ok", true}};
            addResultJson(j, op, r);
            if (op.code == OpCode::ShowTlb) {
                j["cpu"] = op.target;
                j["entries"] = tlbJson(m.cpu(op.target));
            } else if (op.code == OpCode::ShowCpu) {
                j["cpu_state"] = cpuJson(m, op.target);
            } else if (op.code == OpCode::ShowTable) {
                j["text"] = r.output;
            }
            if (o.events) {
                j["events"] = nlohmann::json::array();
                for (const auto& e : ev) j["events"].push_back(eventJson(e));
            }
            std::cout << j.dump() << "\n";
        } else {
            std::cout << op.loc.line << ": " << formatOp(op) << "\n";
            for (const auto& e : ev)
                if (e.kind != EventKind::Output) std::cout << "    " << describe(e) << "\n";
            if (!r.output.empty()) std::cout << r.output;
            if (op.code == OpCode::Access || op.code == OpCode::Translate) {
                std::cout << "  => " << outcomeName(r.outcome);
                if (r.outcome == OpResult::Outcome::Ok)
                    std::cout << " pa " << hex(r.pa) << " (" << pageSizeName(r.size) << ", TLB "
                              << (r.tlbHit ? "hit" : "miss") << ")";
                else if (r.outcome == OpResult::Outcome::PageFault)
                    std::cout << " " << pae::describeErrorCode(r.errorCode);
                else if (r.outcome == OpResult::Outcome::MachineCheck)
                    std::cout << " MC0_STATUS " << hex(r.mc0Status) << ": " << pae::describeMc0Status(r.mc0Status);
                std::cout << "\n";
            }
        }
    }
    return kExitOk;
}
}  // namespace

void registerExec(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<ExecOptions>();
    CLI::App* sub = app.add_subcommand("exec", "Run a script of the operation language (see lessons/README.md)");
    sub->add_option("file", opts->file, "Script file, or - for standard input")->capture_default_str();
    sub->add_flag("--json", opts->json, "One JSON object per operation per line");
    sub->add_flag("--events", opts->events, "With --json: include each operation's events");
    sub->callback([opts, &ctx]() { ctx.exitCode = runExec(*opts); });
}

}  // namespace tlblab::cli
