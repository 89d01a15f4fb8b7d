// Writing a stacked image to a target: the blobs it lacks, the config, the manifest last.
#pragma once

#include <cstdint>

#include "assemble/transport/stack.hpp"
#include "oci/blob_store.hpp"
#include "oci/image_source.hpp"
#include "oci/progress.hpp"

namespace cairn::assemble {

struct ShipStats {
    std::uint64_t bytes_written = 0;
    std::uint64_t bytes_skipped = 0;  // blobs the target already had (or mounted)
};

// Base layers come from `base_source` (null for scratch), new layers from `layer_store`.
// Layers go on up to `jobs` threads when the target allows it; every blob is verified on the
// way; the manifest is written only after all of them. The bytes of the layers written count
// into `meter` (may be null).
ShipStats ship(oci::ImageTarget& target, oci::ImageSource* base_source,
               const oci::BlobStore& layer_store, const StackedImage& image, unsigned jobs,
               oci::Meter* meter = nullptr);

}  // namespace cairn::assemble
