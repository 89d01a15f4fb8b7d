// Response heads, whole-body reads and in-memory request bodies.
#include "registry/http_transport.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace cairn::registry {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::string HttpResponseHead::header(std::string_view name) const {
    for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
        if (equals_ignoring_case(it->first, name)) return it->second;
    }
    return "";
}

std::vector<std::string> HttpResponseHead::headers_named(std::string_view name) const {
    std::vector<std::string> values;
    for (const auto& [key, value] : headers) {
        if (equals_ignoring_case(key, name)) values.push_back(value);
    }
    return values;
}

std::string read_body(HttpExchange& exchange, std::size_t max_size, std::string_view what) {
    std::string body;
    std::uint8_t buffer[64 * 1024];
    while (std::size_t n = exchange.read(buffer, sizeof buffer)) {
        if (body.size() + n > max_size) {
            throw Error(std::string(what) + " is larger than " + std::to_string(max_size) +
                        " bytes");
        }
        body.append(reinterpret_cast<const char*>(buffer), n);
    }
    return body;
}

std::string read_body_prefix(HttpExchange& exchange, std::size_t max_size) {
    // Drained up to a point so that the connection may serve the next request; a longer body
    // is cut off with the connection.
    constexpr std::size_t kMaxDrain = 1 << 20;
    std::string body;
    std::uint8_t buffer[16 * 1024];
    std::size_t total = 0;
    while (std::size_t n = exchange.read(buffer, sizeof buffer)) {
        if (body.size() < max_size)
            body.append(reinterpret_cast<const char*>(buffer), std::min(n, max_size - body.size()));
        total += n;
        if (total > kMaxDrain) break;
    }
    return body;
}

}  // namespace cairn::registry
