// Copying an image, or a whole index, from any source to any target, verifying every blob.
#pragma once

#include <cstdint>
#include <optional>

#include "assemble/transport/manifest_format.hpp"
#include "oci/image_source.hpp"
#include "oci/platform.hpp"
#include "oci/progress.hpp"

namespace cairn::assemble {

struct CopyOptions {
    // From an index, copy only this platform's image.
    std::optional<oci::Platform> platform;
    // Copy the whole index: an Error for a target that holds single images, or with `platform`.
    bool all = false;
    // The manifest format written. Without one: the source's as it is (every digest kept),
    // except for a target that holds OCI only (oci:, oci-archive:), where Docker schema 2
    // manifests and lists are rewritten in OCI types, as skopeo does (umoci, skopeo and
    // oci-image-tool read nothing else there). `docker` to such a target is a UsageError.
    // Configs and layers keep their bytes and digests; a rewritten manifest gets a new
    // digest, and so does an index of rewritten manifests.
    std::optional<ManifestFormat> format;
    // No manifest may be rewritten: a copy that would need to is an Error instead.
    bool preserve_digests = false;
    // Blobs of one image copied at once, when the target allows it (--jobs).
    unsigned jobs = 1;
    // Counts the bytes of blobs copied, for a progress display (may be null).
    oci::Meter* meter = nullptr;
};

struct CopyResult {
    oci::Descriptor manifest;         // what the target's reference now names
    std::uint64_t bytes_copied = 0;   // blobs and manifests written
    std::uint64_t bytes_skipped = 0;  // blobs the target already had
    std::uint64_t blobs_copied = 0;
    std::uint64_t blobs_skipped = 0;
};

// Copies what `source` names to `target`. A single image: its config and layers (those the
// target lacks), then its manifest. An index: without a platform, the whole index (each
// image's blobs, each child manifest, then the index) when the target can hold one, else the
// host platform's image; with a platform, that platform's image. Sources give verifying
// streams and targets verify again, so a blob that does not match its descriptor fails the
// copy before any manifest names it.
CopyResult copy_image(oci::ImageSource& source, oci::ImageTarget& target,
                      const CopyOptions& options);

// Whether `target` can store an index (docker-archive cannot: it holds single images).
bool holds_indexes(const oci::ImageTarget& target);

}  // namespace cairn::assemble
