// Stacking: new layers and config changes on top of a base image, giving a new manifest and config.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "assemble/layer/layer.hpp"
#include "oci/image.hpp"

namespace cairn::assemble {

struct ConfigChanges {
    std::optional<std::vector<std::string>> entrypoint;
    std::optional<std::vector<std::string>> cmd;
    std::vector<std::pair<std::string, std::string>> env;
    std::optional<std::string> workdir;
    std::optional<std::string> user;
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;  // on the manifest
    std::vector<std::string> ports;
};

struct NewLayer {
    LayerDigests digests;
    std::string description;  // for the history entry, e.g. "/app"
};

struct StackedImage {
    oci::ManifestBlob manifest;
    std::string config_bytes;
    oci::Manifest parsed;
    // What the new layers hold ("/app"), for progress lines; base layers have no name.
    std::map<oci::Digest, std::string> layer_names;
};

// Applies `changes` to `config` (all but the annotations, which go on the manifest).
void apply_changes(const ConfigChanges& changes, oci::ImageConfig& config);

// A manifest and config written out as an image: their bytes, digests and descriptors.
StackedImage finish_image(oci::Manifest manifest, const oci::ImageConfig& config, bool docker);

// Appends `layers` to `base`, extending diff_ids and history in step, and applies `changes`.
// The result uses Docker schema 2 types when the base does, no layer is zstd and the target
// takes them (`docker_allowed`: not an OCI layout or oci-archive), else OCI types (a Docker
// base's layers are re-labelled with their OCI equivalents: same bytes). A base whose config
// has fewer history entries than layers (history is optional) gets one for each layer it
// lacks first, so that the new entries describe the new layers.
// `created` (Unix seconds) dates the config and the new history entries. Setting an
// entrypoint without a cmd clears the base's cmd, as a Dockerfile ENTRYPOINT does: the base's
// arguments were meant for the base's program.
StackedImage stack(const oci::Image& base, const std::vector<NewLayer>& layers,
                   const ConfigChanges& changes, std::int64_t created,
                   bool docker_allowed = true);

// A base with no layers (`scratch`).
oci::Image scratch_image(const oci::Platform& platform);

}  // namespace cairn::assemble
