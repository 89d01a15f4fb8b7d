// The app's own builds, run natively: `cargo build` and `npm ci` / `npm run <script>`, in parallel.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "assemble/build/build_config.hpp"
#include "oci/error.hpp"
#include "oci/json.hpp"

namespace cairn::assemble {

// A build tool that failed: the message is one line (command, directory, exit status, its first
// error line and where, else its last non-blank line, and the log file); `tail` keeps its last
// 20 lines.
class ToolFailure : public Error {
  public:
    ToolFailure(const std::string& message, int exit_status, std::vector<std::string> tail)
        : Error(message), exit_status(exit_status), tail(std::move(tail)) {}
    int exit_status;
    std::vector<std::string> tail;
};

// The workspace's own packages, by the names cargo gives their output: a package's name in
// ".fingerprint/<package>-<hash>" and "build/<package>-<hash>", its targets' crate names ("-"
// made "_") in "deps/lib<crate>-<hash>.rlib" and "deps/<crate>-<hash>". What is not theirs in
// those directories is the third-party build output a base keeps.
struct WorkspaceNames {
    std::set<std::string> packages;
    std::set<std::string> crates;
    std::filesystem::path root;  // the workspace root, as cargo metadata names it

    // Whether `entry`, a name directly under deps/, .fingerprint/ or build/, is the workspace's.
    bool owns(std::string_view entry) const;
};

// The hash cargo gives a unit's output ("libserde-0123456789abcdef.rlib", ".fingerprint/
// serde-0123456789abcdef", "build/serde-0123456789abcdef"): the 16 lower-case hex digits after
// the last '-' before the first '.'; empty when the name has none.
std::string cargo_unit_hash(std::string_view name);

// The units of the build's dependency graph, fresh or compiled, by the hashes in the names of
// their outputs as cargo reports them (`--message-format=json`: an artifact's files, a build
// script's out_dir). What a new base keeps of cargo's directories: a unit of an earlier
// Cargo.lock that no longer takes part is left out of it.
struct CargoUnits {
    std::set<std::string> hashes;

    // Reads one of cargo's JSON messages; what is not one it knows is passed over.
    void read_message(std::string_view line);
    // Whether `entry`, a name directly under deps/, .fingerprint/ or build/, is of no unit
    // cargo reported. Nothing is unused when cargo reported nothing (an older cargo, a build
    // that did not run), nor a name without a unit hash.
    bool unused(std::string_view entry) const;
};

// How the app's builds run. By default cargo runs in cargo.dir with CARGO_HOME as inherited;
// a build runs it through the build view (build_view.hpp) instead.
struct NativeBuildOptions {
    std::filesystem::path target_dir;  // empty: <cargo.dir>/target
    std::filesystem::path cargo_dir;   // where cargo runs; empty: cargo.dir
    std::filesystem::path cargo_home;  // empty: as inherited
    // Added to the rustflags the user gives cargo, wherever they come from (rustflags_environment).
    std::vector<std::string> rustflags;
    // Tells the dependencies' compiles from the workspace's (NativeBuildReport); may be null.
    const WorkspaceNames* workspace = nullptr;
    // The npm step was skipped (build_step.hpp): neither `npm ci` nor the script runs.
    bool skip_npm = false;
    // With skip_npm: the base this build makes holds node_modules, so `npm ci` still runs where
    // node_modules is missing or was installed from another package-lock.json; the script not.
    bool npm_install_for_base = false;
    // The cargo step was skipped: its binary layer is an earlier run's, and cargo does not run.
    bool skip_cargo = false;
    // Run `npm ci` even when node_modules exists (package-lock.json changed since the last).
    bool npm_install = false;
    // Where each step's whole output is kept (cargo-build.log, npm-ci.log, …); empty: nowhere.
    std::filesystem::path log_dir;
};

// What the builds did that belongs to the base: the third-party crates cargo compiled (rather
// than found fresh), and how long from cargo's start until they were done (the first workspace
// crate started after the last of them, else cargo's end).
struct NativeBuildReport {
    std::vector<std::string> dependencies_compiled;  // "fnv v1.0.7", in cargo's order
    double dependency_seconds = 0;
    CargoUnits units;  // every unit of the cargo build
};

// `rustflags` added to the user's own, as cargo's environment. RUSTFLAGS and
// CARGO_ENCODED_RUSTFLAGS replace the config's build.rustflags when set, so the one set is
// extended (as CARGO_ENCODED_RUSTFLAGS, which keeps a flag with a space whole); else
// CARGO_BUILD_RUSTFLAGS, which cargo joins to the config files' build.rustflags.
std::map<std::string, std::string> rustflags_environment(const std::vector<std::string>& rustflags);

// One line of a tool's output, prefixed: "cargo| …", "npm| ". Called from the build threads,
// one line at a time (never two at once).
using BuildOutput = std::function<void(std::string_view line)>;

// The directory cargo writes a profile's output to: "release" and "bench" -> release,
// "dev" and "test" -> debug, a custom profile -> its name.
std::filesystem::path profile_directory(const std::filesystem::path& target_dir,
                                        const std::string& profile);

// The target directory used for `cargo`: options.target_dir, else <cargo.dir>/target.
std::filesystem::path target_directory(const CargoSection& cargo,
                                       const NativeBuildOptions& options);

// The argv of the cargo build, as the user would type it (the build adds
// --message-format=json-render-diagnostics to read the units).
std::vector<std::string> cargo_build_command(const CargoSection& cargo);

// Asks `cargo metadata --no-deps` (offline, no build) in cargo.dir: the names and the root.
WorkspaceNames workspace_names(const CargoSection& cargo);

// `cargo metadata --no-deps --offline` of the workspace in `dir`, parsed (cargo's warnings,
// which come merged with the document, left aside). A failure is an Error naming the command.
oci::json::Document cargo_metadata(const std::filesystem::path& dir);

// `cargo fetch` as the build would run it (options' directory, CARGO_HOME, target directory):
// git dependencies are checked out and registry crates unpacked now, so that a base restored
// after it is newer than every source it was built from. A failure is not fatal (the build
// reports it better): the answer says what failed, else nullopt.
std::optional<std::string> fetch_cargo_sources(const CargoSection& cargo,
                                               const NativeBuildOptions& options);

// Runs the builds the config names, cargo and npm at once. SOURCE_DATE_EPOCH and the rest of
// cairn's environment pass through. A failure is a ToolFailure; when both fail, cargo's is
// reported.
NativeBuildReport run_native_build(const BuildConfig& config, const NativeBuildOptions& options,
                                   const BuildOutput& output);

// Whether `npm ci` is needed: no stamp of a finished `npm ci` in node_modules, or one made
// for other package-lock.json content.
bool npm_install_needed(const NpmSection& npm);
std::filesystem::path npm_install_stamp(const NpmSection& npm);

}  // namespace cairn::assemble
