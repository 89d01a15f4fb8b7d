// Absolute URLs, Location resolution and query building for the registry API.
#include "registry/url.hpp"

#include <cctype>
#include <vector>

#include "oci/error.hpp"
#include "oci/text.hpp"

namespace cairn::registry {

namespace {

// Removes "." and ".." segments (RFC 3986 §5.2.4) from a path without its query.
std::string remove_dot_segments(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 1;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        auto segment = path.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
            if (slash == std::string_view::npos) segments.emplace_back("");
        } else if (segment == ".") {
            if (slash == std::string_view::npos) segments.emplace_back("");
        } else {
            segments.push_back(segment);
        }
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    std::string out;
    for (auto segment : segments) out += "/" + std::string(segment);
    return out.empty() ? "/" : out;
}

}  // namespace

Url Url::parse(std::string_view text) {
    auto scheme_end = text.find("://");
    Url url;
    if (scheme_end != std::string_view::npos) url.scheme = oci::lowered(text.substr(0, scheme_end));
    if (url.scheme != "http" && url.scheme != "https") {
        throw Error("\"" + redact_url(text) + "\" is not an http:// or https:// URL");
    }
    auto rest = text.substr(scheme_end + 3);
    auto target_start = rest.find_first_of("/?#");
    url.authority = std::string(rest.substr(0, target_start));
    if (url.authority.empty() || url.authority.find('@') != std::string::npos) {
        throw Error("\"" + redact_url(text) + "\" has no host, or has credentials in it");
    }
    url.target =
        target_start == std::string_view::npos ? "/" : std::string(rest.substr(target_start));
    if (auto hash = url.target.find('#'); hash != std::string::npos) url.target.resize(hash);
    if (url.target.empty() || url.target.front() == '?') url.target.insert(0, "/");
    return url;
}

std::string Url::host() const {
    if (authority.starts_with('[')) return authority.substr(0, authority.find(']') + 1);
    return authority.substr(0, authority.find(':'));
}

bool Url::same_origin(const Url& other) const {
    auto port_of = [](const Url& url) {
        auto host = url.host();
        if (url.authority.size() > host.size() + 1) return url.authority.substr(host.size() + 1);
        return std::string(url.scheme == "https" ? "443" : "80");
    };
    return scheme == other.scheme && oci::lowered(host()) == oci::lowered(other.host()) &&
           port_of(*this) == port_of(other);
}

std::string resolve_url(std::string_view base_text, std::string_view location) {
    if (location.find("://") != std::string_view::npos) return Url::parse(location).str();
    Url base = Url::parse(base_text);
    if (location.starts_with("//"))
        return Url::parse(base.scheme + ":" + std::string(location)).str();
    std::string_view location_path = location.substr(0, location.find('?'));
    std::string_view query =
        location.find('?') == std::string_view::npos ? "" : location.substr(location.find('?'));
    if (location.starts_with('/')) {
        base.target = remove_dot_segments(location_path) + std::string(query);
    } else if (location.empty() || location.starts_with('?')) {
        base.target = base.target.substr(0, base.target.find('?')) + std::string(location);
    } else {
        auto base_path = std::string_view(base.target).substr(0, base.target.find('?'));
        auto directory = base_path.substr(0, base_path.rfind('/') + 1);
        base.target = remove_dot_segments(std::string(directory) + std::string(location_path)) +
                      std::string(query);
    }
    return base.str();
}

std::string url_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += {'%', kHex[c >> 4], kHex[c & 0xf]};
        }
    }
    return out;
}

std::string with_query(std::string_view url, std::string_view name, std::string_view value) {
    std::string out(url);
    if (out.find('?') == std::string::npos) {
        out += '?';
    } else if (!out.ends_with('?') && !out.ends_with('&')) {
        out += '&';
    }
    return out + std::string(name) + "=" + url_encode(value);
}

std::string redact_url(std::string_view url) {
    auto end = url.find_first_of("?#");
    return std::string(url.substr(0, end));
}

}  // namespace cairn::registry
