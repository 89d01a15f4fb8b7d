// The subcommands: each adds itself to the parser and returns what runs it once parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

namespace cairn::cli {

// Runs a parsed subcommand; returns the exit status.
using Runner = std::function<int()>;

// Build and assemble
Runner add_build_command(CLI::App& app);
Runner add_init_command(CLI::App& app);
Runner add_append_command(CLI::App& app);
Runner add_layer_command(CLI::App& app);
Runner add_mutate_command(CLI::App& app);
Runner add_rebase_command(CLI::App& app);
// Move and change images
Runner add_copy_command(CLI::App& app);
Runner add_tag_command(CLI::App& app);
Runner add_delete_command(CLI::App& app);
Runner add_export_command(CLI::App& app);
// Look at images
Runner add_inspect_command(CLI::App& app);
Runner add_ls_command(CLI::App& app);
Runner add_catalog_command(CLI::App& app);
Runner add_digest_command(CLI::App& app);
Runner add_manifest_command(CLI::App& app);
Runner add_config_command(CLI::App& app);
// Credentials
Runner add_login_command(CLI::App& app);
Runner add_logout_command(CLI::App& app);
// This machine and cairn itself
Runner add_cache_command(CLI::App& app);
Runner add_completion_command(CLI::App& app);
Runner add_man_command(CLI::App& app);
Runner add_version_command(CLI::App& app);
Runner add_help_command(CLI::App& app);

// Cores to use for compression and transfers (`--jobs`, default: all).
unsigned default_jobs();

// The program as a whole, for the commands that describe it (help, man, completion).
const CLI::App& program();

}  // namespace cairn::cli
