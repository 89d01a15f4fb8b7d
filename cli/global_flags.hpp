// The flags every command takes, before or after its name: -q, -v, --authfile, --tls-verify.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace cairn::cli {

struct GlobalFlags {
    bool quiet = false;
    bool verbose = false;
    std::string auth_file;   // --authfile FILE
    bool tls_verify = true;  // --tls-verify=false
};

// The one set of global flags of this run, filled by the parse.
GlobalFlags& global_flags();

// Adds them to the top of the program; subcommands accept them too (CLI11's fallthrough).
void add_global_flags(CLI::App& app);

// After the parse: -q/-v take effect (a trace sink for -v), contradictions are UsageErrors.
void apply_global_flags();

}  // namespace cairn::cli
