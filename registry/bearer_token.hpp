// Bearer tokens from a token service: parsing the response, and how long a token may be used.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::registry {

using Clock = std::chrono::system_clock;

// A token endpoint's answer larger than this is refused, not read.
inline constexpr std::size_t kMaxTokenResponse = 1 << 20;

struct BearerToken {
    std::string token;
    Clock::time_point obtained_at;
    Clock::time_point expires_at;
    // An OAuth2 refresh token when the service issued one (ACR's /oauth2/exchange does).
    std::string refresh_token;

    // Usable for a new request at `now`: refreshed early, a quarter of its lifetime (at most
    // 30 s) before it expires, so that it does not expire on the way.
    bool usable_at(Clock::time_point now) const;
};

// A token service's JSON answer: `token` or `access_token`, `expires_in` (seconds), and
// `refresh_token`. Without `expires_in` the JWT's `exp` claim decides, else 60 s (the token
// spec's default). `what` names the service in errors; the token itself is never shown.
BearerToken parse_token_response(std::string_view body, Clock::time_point now,
                                 std::string_view what);

// The `exp` claim of a JWT (`header.payload.signature`, base64url), if it has one.
std::optional<Clock::time_point> jwt_expiry(std::string_view token);

}  // namespace cairn::registry
