// `cairn build`: base key, base restore or build, native app build, app layers, stack, ship,
// deploy.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assemble/transport/transport.hpp"
#include "oci/progress.hpp"

namespace cairn::assemble {

struct BuildOptions {
    std::string env = "dev";                  // the profile
    std::filesystem::path project_dir = ".";  // -C
    std::filesystem::path config_file;        // --config; empty: <project_dir>/cairn.toml
    bool local_only = false;                  // no registry: write `output`
    bool rebuild_base = false;                // removes the base's directories, builds them anew
    bool no_skip = false;  // --no-skip: run every step, even one whose inputs are unchanged
    bool no_deploy = false;
    bool dry_run = false;  // --dry-run: BuildResult::plan says what would happen; nothing runs
    std::string output;  // --output; empty: oci:<project>/cairn-out:<tag>
    TransportOptions transport;
    unsigned jobs = 1;
    // Files the command writes besides the image (--metrics): a [[files]] directory holding
    // one leaves it out, as it does the output layout and the cache.
    std::vector<oci::FileIdentity> outputs;
};

struct BuiltLayer {
    std::string kind;  // "ui", "bin", "files"
    std::string digest;
    std::int64_t size = 0;
    bool reused = false;  // the same content as an earlier build's: its cached blob, not compressed
};

// A build step that may be skipped (build_step.hpp): `npm run build`.
struct StepReport {
    std::string name;    // "npm run build"
    std::string key;     // "npm-<24 hex>"; empty when the inputs were not hashed
    bool skipped = false;
    std::string reason;  // why it ran, or why not
};

// Seconds per phase of the pipeline.
struct PhaseTimes {
    double base = 0;       // restoring the base, or storing (and pushing) a new one
    double app_build = 0;  // cargo and npm (dependencies too when the base was not restored)
    double layers = 0;
    double push = 0;  // or the write of --output
    double deploy = 0;
};

// What `cairn build --dry-run` would do.
struct BuildPlan {
    std::string base_source;          // "the local cache", "REGISTRY/NAME-base:KEY", "built: …"
    std::vector<std::string> layers;  // "bin: target/release/server -> /app/server", …
    std::string deploy;               // the command with {digest} left as it is; empty: none
};

struct BuildResult {
    std::string base_key;        // "cargo-<12 hex>"
    std::string base_reference;  // where the base is cached
    bool base_restored = false;
    bool base_built = false;
    // The earlier base the build started from ("cargo-<12 hex>"), when its own key had none:
    // cargo compiled only what changed since. Empty otherwise.
    std::string base_nearest;
    // Of the base's layers stored by this build, those kept as the restore unpacked them,
    // unread (none of their files changed since).
    std::size_t base_layers_kept = 0;
    std::string image;   // what was written: REGISTRY/NAME:TAG or the --output reference
    std::string digest;  // sha256:… of the manifest
    std::string tag;
    std::vector<BuiltLayer> layers;
    std::vector<StepReport> steps;
    std::uint64_t bytes_written = 0;       // every byte uploaded (or written): base and image
    std::uint64_t bytes_skipped = 0;       // blobs the target had already, or mounted
    std::uint64_t base_bytes_written = 0;  // of bytes_written, the base's
    // Third-party crates cargo compiled rather than found fresh ("fnv v1.0.7"): none when a base
    // was reused whole.
    std::vector<std::string> dependencies_compiled;
    bool deployed = false;
    PhaseTimes times;
    std::optional<BuildPlan> plan;  // with --dry-run, and then nothing else was done
};

// What a build tells its user as it goes.
class BuildObserver {
  public:
    virtual ~BuildObserver() = default;
    // A status line, or a line of a tool's output ("cargo| …", "npm| …", "deploy| …"). Called
    // from more than one thread, never from two at once.
    virtual void line(std::string_view text) = 0;
    // A phase begins: "base", "app build", "layers", "push", "deploy". The bytes of its
    // transfers count into meter(), which the observer resets here.
    virtual void phase(std::string_view name) = 0;
    virtual oci::Meter& meter() = 0;
};

// Runs the whole pipeline. Every failure is a cairn::Error saying which step failed.
BuildResult run_build(const BuildOptions& options, BuildObserver& observer);

}  // namespace cairn::assemble
