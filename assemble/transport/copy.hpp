// Copying an image, or a whole index, from any source to any target, verifying every blob.
#pragma once

#include <cstdint>
#include <optional>

#include "oci/image_source.hpp"
#include "oci/platform.hpp"
#include "oci/progress.hpp"

namespace cairn::assemble {

// The manifest format written: the source's as it is (keeping every digest), or OCI.
enum class ManifestFormat { keep, oci };

struct CopyOptions {
    // From an index, copy only this platform's image.
    std::optional<oci::Platform> platform;
    // Copy the whole index: an Error for a target that holds single images, or with `platform`.
    bool all = false;
    // With `oci`, Docker schema 2 manifests and manifest lists are rewritten with the OCI
    // types of the same meaning (as `skopeo copy --format oci` does), for tools that read
    // only OCI (oci-image-tool, umoci). Configs and layers keep their bytes and digests;
    // rewritten manifests get new digests, and so does an index of them.
    ManifestFormat format = ManifestFormat::keep;
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
