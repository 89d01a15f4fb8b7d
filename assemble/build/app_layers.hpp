// The layers a build stacks onto the runtime base: the UI output, the binaries and the
// `[[files]]`, each a deterministic layer of its own, so a Rust-only change moves one layer.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "assemble/build/build_config.hpp"
#include "assemble/build/build_pipeline.hpp"
#include "assemble/transport/stack.hpp"
#include "oci/blob_store.hpp"

namespace cairn::assemble {

struct AppLayerOptions {
    unsigned threads = 0;                         // for compression; 0: all cores
    std::function<void(const std::string&)> say;  // one status line per layer, and warnings
    std::vector<oci::FileIdentity> outputs;       // what the build writes: never in a layer
    oci::Meter* meter = nullptr;  // a progress task per layer while it is made (may be null)
    // The UI layer of an earlier run of the npm step, skipped now, when npm.output is not
    // there to be made into it (a fresh checkout): used as it is.
    std::optional<LayerDigests> ui;
    // The same for the binaries, when `cargo build` was skipped (a fresh checkout).
    std::optional<LayerDigests> bin;
};

// The UI layer's source: npm.output at /app/ui.
LayerSource ui_layer_source(const NpmSection& npm);
// How every app layer's tar is written (SOURCE_DATE_EPOCH mtimes, `outputs` left out), so that
// a check of a tree against a layer (the npm step's output) hashes it the same way.
TarOptions app_tar_options(const std::vector<oci::FileIdentity>& outputs);

// Makes the layers of `config` into `store` (reusing the cached blob of content made before),
// in stacking order: "ui" (npm output at /app/ui), "bin" (cargo's binaries at /app/<bin>),
// then "files": the files named one by one share a layer, each directory has its own (walked
// with the project's ignore rules). Appends what it made to `built` for the report.
std::vector<NewLayer> make_app_layers(const BuildConfig& config,
                                      const std::filesystem::path& target_dir,
                                      oci::BlobStore& store, const AppLayerOptions& options,
                                      std::vector<BuiltLayer>& built);

}  // namespace cairn::assemble
