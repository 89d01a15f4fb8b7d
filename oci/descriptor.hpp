// A content descriptor: what a manifest or index says about a blob it points to.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/digest.hpp"
#include "oci/json.hpp"
#include "oci/platform.hpp"

namespace cairn::oci {

struct Descriptor {
    std::string media_type;
    Digest digest;
    std::int64_t size = 0;
    std::map<std::string, std::string> annotations;
    std::vector<std::string> urls;
    std::optional<Platform> platform;
    std::string artifact_type;

    static Descriptor from_json(const json::Value& object, std::string_view what);
    // Keys in the order the image spec lists them; empty optional fields left out.
    void write_json(json::Writer& writer) const;

    // The `org.opencontainers.image.ref.name` annotation, or "".
    std::string ref_name() const;
};

inline constexpr const char* kRefNameAnnotation = "org.opencontainers.image.ref.name";

}  // namespace cairn::oci
