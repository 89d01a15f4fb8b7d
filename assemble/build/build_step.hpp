// Skipping `npm run SCRIPT` when its inputs are what they were at a successful run: the step's
// input key, and the records that tie a key to the output layer that run made.
//
// Like Bazel's action cache and Nx's computation hash, the key is a digest of everything the
// step reads: its source tree (npm.dir walked with the project's ignore file and .gitignore,
// without node_modules, its own output and the caches tools write beside their sources), the
// tool versions, the step's settings and the environment variables it reads. A record is kept
// in the local cache and, as a one-layer image `NAME-base:npm-<key>`, in the registry, where a
// fresh agent finds the UI layer without running npm at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "assemble/build/build_config.hpp"
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
    std::vector<std::string> lines;
    std::string key() const;  // "npm-<24 hex>": also the registry tag of the record
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

// Where the records live, inside the cache; `cairn cache gc` drops those whose blob went.
inline constexpr const char* kStepRecordsDirectory = "steps";

// The layer a successful run of a step made, by the step's key.
struct StepRecord {
    LayerDigests layer;
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
