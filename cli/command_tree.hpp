// The program's commands and options as plain data, read from the parser itself: what the man
// page and the shell completions are made of, so they cannot drift from --help.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace cairn::cli {

struct OptionInfo {
    std::vector<std::string> names;  // "-q", "--quiet"; for a positional its name alone
    std::string value;               // the value words help shows ("FILE"), "" for flags
    std::string description;
    bool positional = false;
    bool required = false;
    bool repeatable = false;
};

struct CommandInfo {
    std::string path;  // "cairn cache gc"
    std::string name;  // "gc"
    std::string description;
    std::string group;  // as --help lists it; "" for hidden commands
    std::vector<OptionInfo> options;  // without --help
    std::vector<CommandInfo> commands;

    // "cairn ls [OPTIONS] REPO"
    std::string usage() const;
    bool takes_value(const std::string& option_name) const;
};

// The program as its parser describes it; hidden commands are left out.
CommandInfo describe_program(const CLI::App& app);

// What is made of it: the manual page cairn(1) in roff (man_command.cpp), and the completion
// script for "bash", "zsh" or "fish" (completion_command.cpp).
std::string man_page(const CLI::App& app);
std::string completion_script(const CLI::App& app, const std::string& shell);

}  // namespace cairn::cli
