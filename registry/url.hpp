// The little URL handling the registry API needs: resolving Location headers, query strings,
// origins.
#pragma once

#include <string>
#include <string_view>

namespace cairn::registry {

struct Url {
    std::string scheme;     // "https"
    std::string authority;  // "host[:port]" as written, "[::1]:5000" for IPv6
    std::string target;     // path and query: "/v2/app/blobs/uploads/?x=1" ("/" when empty)

    // An absolute http(s) URL; anything else is an Error naming it (without its query).
    static Url parse(std::string_view text);
    std::string str() const { return scheme + "://" + authority + target; }
    // The host without the port ("[::1]" stays bracketed).
    std::string host() const;
    // The same scheme, host and port (credentials may go to the same origin only).
    bool same_origin(const Url& other) const;
};

// Resolves a Location header against the URL of the request that returned it (RFC 3986 §5.2
// for the forms registries send: absolute, scheme-relative, absolute-path, relative-path).
std::string resolve_url(std::string_view base, std::string_view location);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

// Appends `name=value` (value encoded) to a URL's query.
std::string with_query(std::string_view url, std::string_view name, std::string_view value);

// The URL without its query and fragment: fit for messages (upload URLs and signed blob
// storage URLs carry secrets in their query).
std::string redact_url(std::string_view url);

}  // namespace cairn::registry
