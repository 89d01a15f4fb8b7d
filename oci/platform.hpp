// The platform an image runs on (os, architecture, variant) and how one is picked from an index.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/json.hpp"

namespace cairn::oci {

struct Platform {
    std::string os;
    std::string architecture;
    std::string variant;
    std::string os_version;
    std::vector<std::string> os_features;

    // "OS/ARCH[/VARIANT]", e.g. "linux/arm64/v8"; a UsageError otherwise.
    static Platform parse(std::string_view text);
    // The machine cairn runs on, in Go's GOOS/GOARCH words.
    static Platform host();
    static Platform from_json(const json::Value& object, std::string_view what);
    void write_json(json::Writer& writer) const;

    std::string str() const;
    // Whether an image for `this` serves a request for `wanted` (an empty variant matches any,
    // and arm64's implied "v8" equals none).
    bool satisfies(const Platform& wanted) const;
    bool operator==(const Platform&) const = default;
};

}  // namespace cairn::oci
