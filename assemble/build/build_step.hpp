// Skipping a build step (`npm run SCRIPT`, `cargo build`) when its inputs are what they were at a
// successful run: the step's input key, and the records that tie a key to the layer that run
// made.
//
// Like Bazel's action cache and Nx's computation hash, the key is a digest of everything the
// step reads: its source tree (npm.dir walked with the project's ignore file and .gitignore,
// without node_modules, its own output and the caches tools write beside their sources), the
// tool versions, the step's settings and the environment variables it reads. A record is kept
// in the local cache and, as a one-layer image `NAME-base:npm-<key>`, in the registry, where a
// fresh agent finds the UI layer without running npm at all. cargo's step is skipped only where
// its binaries are missing (a fresh checkout): where they are, cargo's own fingerprints decide,
// and a no-op cargo build costs a tenth of a second.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "assemble/build/build_config.hpp"
#include "assemble/build/native_build.hpp"
#include "assemble/layer/layer.hpp"
#include "oci/blob_store.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

// The variables every npm build is taken to read, besides npm.env_inputs: NODE_ENV, and the
// prefixes bundlers embed in the bundle (NEXT_PUBLIC_, VITE_, REACT_APP_, PUBLIC_).
bool npm_reads_variable(std::string_view name);

// How the key sees the tree: the directories tools write inside npm.dir, left out wherever
// they are (node_modules, .next, .nuxt, .svelte-kit, .turbo, .parcel-cache, .git).
bool is_tool_directory(std::string_view name);

// A .gitignore's lines as ignore rules of Docker's syntax (ignore_rules.hpp): a pattern
// without an inner '/' matches at any depth ("**/" before it), one with a '/' or a leading '/'
// from the .gitignore's directory. `!` lines stay exceptions; comments and blank lines go.
std::string gitignore_as_docker_rules(std::string_view text);

// What the key is made of, before it is hashed: one line per input, the tree's by its
// digest and the variables' values by theirs (the record never shows a value).
struct StepInputs {
    std::string kind;  // "npm" or "bin" (cargo's binaries)
    std::vector<std::string> lines;
    std::string key() const;  // "<kind>-<24 hex>": also the registry tag of the record
};

// Where the step's input tree and outputs lie (absolute), and what the build already asked.
struct StepContext {
    std::filesystem::path project_dir;
    std::vector<std::filesystem::path> outside;  // paths that are never inputs (target dir, cache)
    std::vector<oci::FileIdentity> outputs;      // what cairn writes (the output layout…)
    // What `node --version` printed for the base key; empty: node is asked here.
    std::string node_version;
};

// The inputs of `npm run <npm.script>`: the tree (hashed through the stat index in `store`, so
// an unchanged tree is not read), `node --version`, `npm --version`, the script, npm.dir and
// npm.output relative to the project, and the variables. A tool that cannot say its version is
// an Error naming the command.
StepInputs npm_step_inputs(const NpmSection& npm, const StepContext& context,
                           const oci::BlobStore& store);

// The variables every cargo build is taken to read: those cargo and rustc read (RUSTFLAGS,
// CARGO_ENCODED_RUSTFLAGS, RUSTC*, CARGO_BUILD_*, CARGO_PROFILE_*, CARGO_TARGET_*), those of the
// C toolchains build scripts drive (CC, CXX, AR, CFLAGS, CXXFLAGS, LDFLAGS and their
// target-suffixed forms, PKG_CONFIG*) and SOURCE_DATE_EPOCH. CARGO_HOME is not one: the build
// view hides it (build_view.hpp).
bool cargo_reads_variable(std::string_view name);

// The inputs of `cargo build` for its binaries: cargo.dir's tree (walked as npm.dir's is, without
// the target directory and npm's output), `cargo --version`, the base key (which holds
// Cargo.lock, `rustc -vV`, the profile and the features), the binaries, and the variables.
StepInputs cargo_step_inputs(const CargoSection& cargo, const StepContext& context,
                             const oci::BlobStore& store, std::string_view base_key);

// The variables the workspace's crates read, as the target directory tells after a run:
// rustc's `# env-dep:` lines in their dep-info files (env!, option_env!) and the
// `rerun-if-env-changed` of their build scripts' output. Sorted, without repeats.
std::vector<std::string> cargo_read_variables(const std::filesystem::path& profile_dir,
                                              const WorkspaceNames& workspace);

// "NAME <hash of its value>" (or "NAME unset") for each variable, as a record keeps them.
std::vector<std::string> variable_lines(const std::vector<std::string>& names);

// The registry record's label that holds those lines, one per line; and the lines read back
// from it, nothing when one is not of that form (a name of letters, digits and '_', a hash of
// 24 hex digits or "unset"), so no text of the registry's reaches the terminal.
inline constexpr const char* kStepVariablesLabel = "dev.cairn.step.variables";
std::string join_variable_lines(const std::vector<std::string>& lines);
std::optional<std::vector<std::string>> parse_variable_lines(std::string_view text);

// Where the records live, inside the cache; `cairn cache gc` drops those whose blob went.
inline constexpr const char* kStepRecordsDirectory = "steps";

// The layer a successful run of a step made, by the step's key.
struct StepRecord {
    LayerDigests layer;
    // The variables the run found it read, beyond its key (variable_lines): the record holds
    // only while each has the value it had.
    std::vector<std::string> variables;

    // The first recorded variable whose value is not what it was; nullopt when none.
    std::optional<std::string> changed_variable() const;
};

// A record file as StepRecords writes it; nothing when it cannot be read or parsed (its blob is
// not looked for).
std::optional<StepRecord> read_step_record(const std::filesystem::path& path);

// The records in the local cache: `<cache>/steps/<key>` ("diff_id digest size" of a blob in the
// cache's store), and per checkout the key of its last successful run (so that an output
// deleted after that run is made again, while a fresh checkout uses the record).
class StepRecords {
  public:
    StepRecords(const std::filesystem::path& cache_dir, const std::filesystem::path& project_dir,
                const std::string& step);

    // A record whose blob is still in `store`; a missing, corrupt or foreign one is nothing.
    std::optional<StepRecord> find(const std::string& key, const oci::BlobStore& store) const;
    void remember(const std::string& key, const StepRecord& record) const;

    // The key of this checkout's last successful run of the step.
    std::optional<std::string> last_run_here() const;
    void ran_here(const std::string& key) const;

  private:
    std::filesystem::path records_;
    std::filesystem::path checkout_;
};

}  // namespace cairn::assemble
