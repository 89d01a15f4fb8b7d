// What a registry says when it refuses: the distribution spec's error body, made readable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::registry {

struct RegistryErrorEntry {
    std::string code;     // "MANIFEST_UNKNOWN", "BLOB_UPLOAD_INVALID", "DENIED"
    std::string message;  // "manifest unknown"
};

// The entries of `{"errors":[{"code":…,"message":…}]}`; none for any other body.
std::vector<RegistryErrorEntry> parse_registry_errors(std::string_view body);

bool has_error_code(const std::vector<RegistryErrorEntry>& errors, std::string_view code);

// "HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)", or with a short plain-text body, or just
// "HTTP 502": for messages. Control characters are dropped and the text kept short.
std::string describe_response(long status, std::string_view body);

}  // namespace cairn::registry
