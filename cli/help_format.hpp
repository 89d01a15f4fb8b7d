// How --help reads: options with the words of their values (FILE, N, HOST[:PORT]) and nothing
// of CLI11's types or checks ("TEXT:FILE", "INT:INT in [0 - 36500]").
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace cairn::cli {

class HelpFormatter : public CLI::Formatter {
  public:
    HelpFormatter();
    // The option's option_text() when it has one, else " VALUE" for an option that takes one
    // and nothing for flags and positionals (their names say it).
    std::string make_option_opts(const CLI::Option* option) const override;
    std::string make_footer(const CLI::App* app) const override;
};

// The value words of an option, as help shows them (for the man page and completions too).
std::string value_words(const CLI::Option& option);

// Every command name the program has, with the names of nested ones as "cache gc".
std::vector<std::string> command_names(const CLI::App& app);

}  // namespace cairn::cli
