// Reading the config-change flags of `append` (--entrypoint, --env K=V, …) into ConfigChanges.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "assemble/transport/stack.hpp"

namespace cairn::cli {

struct ConfigFlags {
    std::string entrypoint;
    std::string cmd;
    bool entrypoint_set = false;
    bool cmd_set = false;
    std::vector<std::string> env;
    std::string workdir;
    std::string user;
    std::vector<std::string> labels;
    std::vector<std::string> annotations;
    std::vector<std::string> ports;
};

// --entrypoint, --cmd, --env, --workdir, --user, --label, --annotation, --port into `flags`,
// which must outlive the parse.
void add_config_flags(CLI::App& command, ConfigFlags& flags);

// A JSON array of strings, or words split on blanks. A UsageError naming `flag` otherwise.
std::vector<std::string> parse_command_words(const std::string& text, const std::string& flag);

assemble::ConfigChanges to_changes(const ConfigFlags& flags);

}  // namespace cairn::cli
