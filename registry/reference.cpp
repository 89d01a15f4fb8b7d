// Parsing and printing registry image references (distribution's reference grammar).
#include "registry/reference.hpp"

#include <algorithm>

#include "oci/error.hpp"

namespace cairn::registry {

namespace {

constexpr std::string_view kDockerHubApi = "registry-1.docker.io";
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_word(char c) {
    return is_alnum(c) || c == '_';
}

[[noreturn]] void invalid(std::string_view text, const std::string& why) {
    throw UsageError("invalid image reference \"" + std::string(text.substr(0, 300)) +
                     "\": " + why);
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool is_domain_component(std::string_view part) {
    if (part.empty() || !is_alnum(part.front()) || !is_alnum(part.back())) return false;
    return std::all_of(part.begin(), part.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool is_ipv6_literal(std::string_view host) {
    if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
    auto inner = host.substr(1, host.size() - 2);
    return inner.find(':') != std::string_view::npos &&
           std::all_of(inner.begin(), inner.end(), [](char c) {
               return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
                      c == '.';
           });
}

// host [':' port]; host is a dotted domain name, an IPv4 address, or a bracketed IPv6 address.
bool is_valid_domain(std::string_view domain) {
    std::string_view host = domain;
    std::string_view port;
    auto bracket = domain.rfind(']');
    auto colon = domain.rfind(':');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
        host = domain.substr(0, colon);
        port = domain.substr(colon + 1);
        if (port.empty() || !std::all_of(port.begin(), port.end(), is_digit)) return false;
    }
    if (host.starts_with('[')) return is_ipv6_literal(host);
    std::size_t start = 0;
    while (true) {
        auto dot = host.find('.', start);
        if (!is_domain_component(host.substr(start, dot - start))) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

// The port of a registry host[:port] when it has one of digits: a number past 65535 (or 0)
// would otherwise reach libcurl and fail there as a URL error, far from what the user wrote.
void check_port(std::string_view text, std::string_view domain) {
    auto bracket = domain.rfind(']');
    auto colon = domain.rfind(':');
    if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket))
        return;
    auto port = domain.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), is_digit)) return;
    auto digits = port.substr(std::min(port.find_first_not_of('0'), port.size()));
    if (digits.empty() || digits.size() > 5 || std::stoul(std::string(digits)) > 65535) {
        invalid(text, "port " + std::string(port.substr(0, 20)) + " of registry \"" +
                          std::string(domain.substr(0, colon)) +
                          "\" is not a TCP port (1 to 65535)");
    }
}

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | [-]+
bool is_path_component(std::string_view part) {
    std::size_t i = 0;
    while (true) {
        std::size_t start = i;
        while (i < part.size() && is_lower_alnum(part[i])) ++i;
        if (i == start) return false;
        if (i == part.size()) return true;
        std::size_t separator = i;
        while (i < part.size() && !is_lower_alnum(part[i])) ++i;
        auto sep = part.substr(separator, i - separator);
        bool dashes = std::all_of(sep.begin(), sep.end(), [](char c) { return c == '-'; });
        if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    }
}

void check_repository(std::string_view text, std::string_view repository) {
    if (repository.empty()) invalid(text, "the repository name is empty");
    if (std::any_of(repository.begin(), repository.end(),
                    [](char c) { return c >= 'A' && c <= 'Z'; })) {
        invalid(text, "repository names must be lowercase");
    }
    std::size_t start = 0;
    while (true) {
        auto slash = repository.find('/', start);
        auto part = repository.substr(start, slash - start);
        if (!is_path_component(part)) {
            invalid(text, "\"" + std::string(part) +
                              "\" is not a valid repository path component (lowercase letters and "
                              "digits, separated by '.', '_', '__' or dashes)");
        }
        if (slash == std::string_view::npos) return;
        start = slash + 1;
    }
}

void check_tag(std::string_view text, std::string_view tag) {
    bool valid = !tag.empty() && tag.size() <= kMaxTagLength && is_word(tag.front()) &&
                 std::all_of(tag.begin(), tag.end(),
                             [](char c) { return is_word(c) || c == '.' || c == '-'; });
    if (!valid) {
        invalid(text,
                "tag \"" + std::string(tag.substr(0, 200)) +
                    "\" is not valid (up to 128 letters, digits, '_', '.' or '-', not starting "
                    "with '.' or '-')");
    }
}

bool is_64_hex(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return is_digit(c) || (c >= 'a' && c <= 'f');
           });
}

// Does the first path component name a registry rather than a Docker Hub namespace?
bool names_registry(std::string_view component) {
    return component.find_first_of(".:") != std::string_view::npos || component == "localhost" ||
           std::any_of(component.begin(), component.end(),
                       [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

Reference Reference::parse(std::string_view original) {
    std::string_view text = original;
    if (text.starts_with("docker://")) text.remove_prefix(9);
    if (text.empty()) invalid(original, "it is empty");
    Reference reference;

    if (auto at = text.find('@'); at != std::string_view::npos) {
        auto digest = text.substr(at + 1);
        try {
            reference.digest_ = oci::Digest::parse(digest);
        } catch (const Error& error) {
            invalid(original, error.what());
        }
        text = text.substr(0, at);
    }
    auto last_slash = text.rfind('/');
    auto tag_colon = text.rfind(':');
    if (tag_colon != std::string_view::npos &&
        (last_slash == std::string_view::npos || tag_colon > last_slash)) {
        reference.tag_ = std::string(text.substr(tag_colon + 1));
        check_tag(original, reference.tag_);
        text = text.substr(0, tag_colon);
    }
    if (text.empty()) invalid(original, "it names no repository");

    std::string_view remainder = text;
    auto first_slash = text.find('/');
    if (first_slash != std::string_view::npos && names_registry(text.substr(0, first_slash))) {
        reference.registry_ = std::string(text.substr(0, first_slash));
        remainder = text.substr(first_slash + 1);
        check_port(original, reference.registry_);
        if (!is_valid_domain(reference.registry_)) {
            invalid(original,
                    "\"" + reference.registry_ + "\" is not a valid registry host[:port]");
        }
    } else {
        reference.registry_ = std::string(kDockerHub);
        if (is_64_hex(remainder)) {
            invalid(original,
                    "a 64-hex-digit repository name looks like an image ID; use "
                    "REPO@sha256:… to name an image by digest");
        }
    }
    if (reference.registry_ == "index.docker.io") reference.registry_ = std::string(kDockerHub);
    check_repository(original, remainder);
    reference.repository_ = std::string(remainder);
    if (reference.registry_ == kDockerHub && reference.repository_.find('/') == std::string::npos) {
        reference.repository_ = "library/" + reference.repository_;
    }
    if (reference.registry_.size() + 1 + reference.repository_.size() > kMaxNameLength) {
        invalid(original, "the name is longer than 255 characters");
    }
    if (reference.tag_.empty() && !reference.digest_) reference.tag_ = "latest";
    return reference;
}

std::string Reference::api_host() const {
    return registry_ == kDockerHub ? std::string(kDockerHubApi) : registry_;
}

std::string Reference::manifest_reference() const {
    return digest_ ? digest_->str() : tag_;
}

std::string Reference::str() const {
    std::string out = registry_ + "/" + repository_;
    if (!tag_.empty()) out += ":" + tag_;
    if (digest_) out += "@" + digest_->str();
    return out;
}

Reference Reference::with_tag(std::string tag) const {
    Reference copy = *this;
    check_tag(tag, tag);
    copy.tag_ = std::move(tag);
    copy.digest_.reset();
    return copy;
}

bool is_loopback_host(std::string_view registry) {
    std::string_view host = registry;
    if (host.starts_with('[')) {
        host = host.substr(1, host.find(']') - 1);
        return host == "::1" || host == "0:0:0:0:0:0:0:1";
    }
    if (auto colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
    if (host == "localhost") return true;
    if (!host.starts_with("127.")) return false;
    // A dotted-quad IPv4 address: four numbers 0-255.
    int parts = 0;
    std::size_t start = 0;
    while (start <= host.size()) {
        auto dot = host.find('.', start);
        auto part = host.substr(start, dot - start);
        if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), is_digit) ||
            std::stoi(std::string(part)) > 255) {
            return false;
        }
        ++parts;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return parts == 4;
}

}  // namespace cairn::registry
