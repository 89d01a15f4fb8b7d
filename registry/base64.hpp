// Base64 (RFC 4648): standard encoding for Basic credentials, lenient decoding for JWT payloads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cairn::registry {

std::string base64_encode(std::string_view bytes);

// Decodes standard or URL-safe base64, padded or not; std::nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace cairn::registry
