// Writing a stacked image to a target: the blobs it lacks, the config, the manifest last.
#pragma once

#include <cstdint>
#include <functional>

#include "assemble/transport/stack.hpp"
#include "oci/blob_store.hpp"
#include "oci/image_source.hpp"
#include "oci/progress.hpp"

namespace cairn::assemble {

struct ShipStats {
    std::uint64_t bytes_written = 0;
    std::uint64_t bytes_skipped = 0;  // blobs the target already had (or mounted)
};

// Where the bytes of one of the image's layers come from; an Error when from nowhere.
using LayerLocator = std::function<oci::BlobOpener(const oci::Descriptor& layer)>;

// Layers the target lacks go on up to `jobs` threads when the target allows it, each counted
// into `meter` (may be null) as a task named after the layer; every blob is verified on the
// way; the config follows, the manifest is written only after all of them.
ShipStats ship(oci::ImageTarget& target, const LayerLocator& locate, const StackedImage& image,
               unsigned jobs, oci::Meter* meter = nullptr);

// The same, with base layers from `base_source` (null for scratch) and new layers from
// `layer_store`.
ShipStats ship(oci::ImageTarget& target, oci::ImageSource* base_source,
               const oci::BlobStore& layer_store, const StackedImage& image, unsigned jobs,
               oci::Meter* meter = nullptr);

// Layers from the first of `sources` whose image names them (`images[i]` is what
// `sources[i]` holds): for images made of other images' layers (mutate, rebase).
LayerLocator layers_of(const std::vector<oci::ImageSource*>& sources,
                       const std::vector<const oci::Manifest*>& images);

}  // namespace cairn::assemble
