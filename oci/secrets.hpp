// The credentials this process holds, so that no message, log or error body shows one.
#pragma once

#include <string>
#include <string_view>

namespace cairn::oci {

// Secrets shorter than this are not blanked: a one- or two-character password would blank
// every occurrence of those letters in every message, and reveals nothing worth hiding.
inline constexpr std::size_t kMinSecretLength = 3;

// Remembers `secret` (a password, a token, an encoded form of one) for blank_secrets. Safe
// from any thread; a secret is kept until the process ends.
void remember_secret(std::string_view secret);

// `text` with every remembered secret replaced by "***", longest first (so that a secret
// containing another is blanked whole).
std::string blank_secrets(std::string_view text);

}  // namespace cairn::oci
