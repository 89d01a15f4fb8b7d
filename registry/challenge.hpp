// Authentication challenges: the `WWW-Authenticate` header of a 401 (RFC 7235 §4.1).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::registry {

struct Challenge {
    std::string scheme;                         // lowercased: "basic", "bearer"
    std::map<std::string, std::string> params;  // names lowercased, values unquoted and unescaped
    std::string token68;                        // for schemes that send one instead of params

    // The parameter's value, "" when absent.
    std::string param(std::string_view name) const;
};

// Every challenge in one header value (`Bearer realm="…",service="…", Basic realm="…"`), in
// order. Parsing stops quietly at text that is not a challenge: what came before still counts.
std::vector<Challenge> parse_challenges(std::string_view header);

// Every challenge in several header values (a response may carry the header more than once).
std::vector<Challenge> parse_challenges(const std::vector<std::string>& headers);

}  // namespace cairn::registry
