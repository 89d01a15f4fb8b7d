// Converting manifests and indexes between the OCI types and Docker's schema 2: a new manifest
// (and config media type) whose configs and layers keep their bytes and digests.
#pragma once

#include <string>
#include <string_view>

#include "oci/image_source.hpp"

namespace cairn::assemble {

enum class ManifestFormat { oci, docker };

// "oci", "docker": the words of --format.
std::string_view format_name(ManifestFormat format);

// The type `type` (a config, layer, manifest or index type) has in `format`; a type of no
// format (an artifact's) is returned as it is. One with no equivalent in Docker (zstd layers,
// OCI artifacts' configs) is an Error naming `what`.
std::string media_type_in(ManifestFormat format, const std::string& type, const std::string& what);

// An image manifest in `format`: the same blob when it is in it already, else a new one with
// the types mapped (Docker's gzip layer type is OCI's tar+gzip, its uncompressed
// rootfs.diff.tar OCI's tar, foreign layers non-distributable ones). Docker schema 2 has no
// annotations (they are dropped, as skopeo drops them) and no subject (an Error).
oci::ManifestBlob manifest_in(ManifestFormat format, const oci::ManifestBlob& blob,
                              const std::string& what);

// Whether a manifest or index of this type is in `format` already.
bool is_in(ManifestFormat format, std::string_view type);

}  // namespace cairn::assemble
