// `cairn init [-C DIR]`: a commented cairn.toml for the project there, from `cargo metadata`
// and package.json; an existing cairn.toml is never replaced.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "assemble/build/project_template.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::cli {

namespace {

namespace fs = std::filesystem;

// Written beside it and linked into place: link() fails when the name exists, so a file made
// meanwhile is not replaced either.
void write_new_file(const fs::path& path, const std::string& text) {
    fs::path temporary = path.string() + ".cairn-init-" + std::to_string(::getpid());
    oci::write_file_atomically(temporary, text);
    int linked = ::link(temporary.c_str(), path.c_str());
    int saved = errno;
    std::error_code ignored;
    fs::remove(temporary, ignored);
    if (linked != 0 && saved == EEXIST) {
        throw Error(path.string() + " already exists; cairn init does not replace it (see " +
                    "docs/config.md to change it)");
    }
    if (linked != 0) throw Error(system_error_text("cannot write " + path.string(), saved));
}

int run_init(const std::string& directory) {
    fs::path project = fs::absolute(directory).lexically_normal();
    if (!project.has_filename()) project = project.parent_path();
    std::error_code ec;
    if (!fs::is_directory(project, ec)) throw Error(project.string() + " is not a directory");
    auto file = project / "cairn.toml";
    if (fs::exists(fs::symlink_status(file, ec))) {
        throw Error(file.string() + " already exists; cairn init does not replace it (see " +
                    "docs/config.md to change it)");
    }
    auto facts = assemble::detect_project(project);
    write_new_file(file, assemble::starter_config(facts));
    std::string found;
    if (facts.cargo) found += "cargo binaries " + std::to_string(facts.cargo->bins.size());
    if (facts.npm) found += std::string(found.empty() ? "" : ", ") + "npm in " + facts.npm->dir;
    status("wrote " + file.string() + " for image " + facts.name + " (" +
           (found.empty() ? "no Cargo.toml or package.json: fill in [[files]]" : found) +
           "); check it, then run cairn build --local-only");
    return 0;
}

}  // namespace

Runner add_init_command(CLI::App& app) {
    auto directory = std::make_shared<std::string>(".");
    auto* command =
        app.add_subcommand("init", "Write a commented cairn.toml for the project here");
    command->add_option("-C", *directory, "the project directory (default: the current one)")
        ->option_text(" DIR");
    return [directory] { return run_init(*directory); };
}

}  // namespace cairn::cli
