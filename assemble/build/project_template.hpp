// `cairn init`: what a project holds (its cargo binaries, its npm UI), learnt from `cargo
// metadata` and package.json, and a commented cairn.toml for it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cairn::assemble {

struct CargoFacts {
    std::string dir = ".";          // where Cargo.toml is, relative to the project
    std::vector<std::string> bins;  // the workspace's binaries, by `cargo metadata`
};

struct NpmFacts {
    std::string dir;              // where package.json is, relative to the project
    std::string script = "build";
    std::string output;           // a guess at what the script writes, relative to dir
    std::string output_reason;    // how it was guessed, for a comment
};

struct ProjectFacts {
    std::string name;  // a repository name: the root package's, else the directory's
    std::optional<CargoFacts> cargo;
    std::optional<NpmFacts> npm;
    bool git = false;  // a git checkout: tags may use {git_short}
};

// Looks at `project` (absolute): runs `cargo metadata --no-deps --offline` when there is a
// Cargo.toml (an Error with cargo's words when that fails), reads package.json there or in a
// subdirectory. Nothing is written.
ProjectFacts detect_project(const std::filesystem::path& project);

// The cairn.toml text for those facts: every section commented, with what to check; a
// project with neither cargo nor npm gets a [[files]] entry to fill in.
std::string starter_config(const ProjectFacts& facts);

// `text` lowered and cut to a repository name ("My App" -> "my-app"); "app" when nothing is left.
std::string repository_name_of(const std::string& text);

}  // namespace cairn::assemble
