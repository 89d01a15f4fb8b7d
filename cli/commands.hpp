// The subcommands: each adds itself to the parser and returns what runs it once parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

namespace cairn::cli {

// Runs a parsed subcommand; returns the exit status.
using Runner = std::function<int()>;

Runner add_layer_command(CLI::App& app);
Runner add_append_command(CLI::App& app);
Runner add_build_command(CLI::App& app);
Runner add_inspect_command(CLI::App& app);
Runner add_copy_command(CLI::App& app);
Runner add_login_command(CLI::App& app);
Runner add_cache_command(CLI::App& app);
Runner add_version_command(CLI::App& app);

// Cores to use for compression and transfers (`--jobs`, default: all).
unsigned default_jobs();

}  // namespace cairn::cli
