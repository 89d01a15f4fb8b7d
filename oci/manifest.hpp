// Image manifests (OCI and Docker schema 2) and image indexes (OCI and Docker manifest lists).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/descriptor.hpp"

namespace cairn::oci {

struct Manifest {
    std::string media_type;  // oci_manifest or docker_manifest
    Descriptor config;
    std::vector<Descriptor> layers;
    std::map<std::string, std::string> annotations;
    std::optional<Descriptor> subject;

    // `what` names the document in errors. A Docker schema 1 or unknown type is an Error.
    static Manifest parse(std::string_view bytes, std::string_view what);
    // Canonical bytes: compact, keys in a fixed order. The digest of an image is of these bytes.
    std::string to_json() const;
};

struct Index {
    std::string media_type;  // oci_index or docker_manifest_list
    std::vector<Descriptor> manifests;
    std::map<std::string, std::string> annotations;

    static Index parse(std::string_view bytes, std::string_view what);
    std::string to_json() const;
};

// The media type a manifest-ish document declares (its `mediaType` field), "" if none.
// An OCI manifest or index may omit it; then the shape decides (`manifests` means an index).
std::string sniff_media_type(std::string_view bytes, std::string_view what);

}  // namespace cairn::oci
