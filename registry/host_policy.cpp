// Per-host transport rules: loopback, --insecure-registry, --ca-file and certs.d directories.
#include "registry/host_policy.hpp"

#include <algorithm>
#include <cstdlib>

#include "oci/text.hpp"
#include "registry/reference.hpp"

namespace cairn::registry {

namespace fs = std::filesystem;

namespace {

// "host" of "host:port" and "[v6]:port".
std::string_view host_part(std::string_view authority) {
    if (authority.starts_with('[')) return authority.substr(0, authority.find(']') + 1);
    return authority.substr(0, authority.find(':'));
}

std::string strip_scheme(std::string_view entry) {
    for (std::string_view prefix : {"http://", "https://"}) {
        if (entry.starts_with(prefix)) entry.remove_prefix(prefix.size());
    }
    while (entry.ends_with('/')) entry.remove_suffix(1);
    return oci::lowered(entry);
}

bool is_file(const fs::path& path) {
    std::error_code ignored;
    return fs::is_regular_file(path, ignored);
}

}  // namespace

HostPolicy::HostPolicy(std::vector<std::string> insecure_registries, std::string ca_file,
                       std::vector<fs::path> certs_dirs)
    : ca_file_(std::move(ca_file)), certs_dirs_(std::move(certs_dirs)) {
    for (const auto& entry : insecure_registries) insecure_.push_back(strip_scheme(entry));
}

bool HostPolicy::is_insecure(std::string_view authority) const {
    auto wanted = oci::lowered(authority);
    auto host = std::string(host_part(wanted));
    return std::any_of(insecure_.begin(), insecure_.end(),
                       [&](const std::string& entry) { return entry == wanted || entry == host; });
}

// The first file in HOST:PORT (then HOST) under a certs.d root whose name is `pattern`, or
// for a pattern "*.ext", the first such file in name order.
std::string HostPolicy::certs_d_file(std::string_view authority, std::string_view pattern) const {
    std::vector<std::string> names{std::string(authority)};
    if (host_part(authority) != authority) names.emplace_back(host_part(authority));
    for (const auto& root : certs_dirs_) {
        for (const auto& name : names) {
            fs::path directory = root / name;
            std::error_code error;
            if (!fs::is_directory(directory, error)) continue;
            if (!pattern.starts_with("*")) {
                if (is_file(directory / pattern)) return (directory / pattern).string();
                continue;
            }
            std::vector<std::string> matches;
            for (const auto& entry : fs::directory_iterator(directory, error)) {
                auto file = entry.path().filename().string();
                if (file.ends_with(pattern.substr(1)) && is_file(entry.path()))
                    matches.push_back(entry.path().string());
            }
            std::sort(matches.begin(), matches.end());
            if (!matches.empty()) return matches.front();
        }
    }
    return "";
}

TlsSettings HostPolicy::tls(std::string_view authority) const {
    TlsSettings settings{.verify = !is_insecure(authority)};
    settings.ca_file = certs_d_file(authority, "ca.crt");
    if (settings.ca_file.empty()) settings.ca_file = certs_d_file(authority, "*.crt");
    if (settings.ca_file.empty()) settings.ca_file = ca_file_;
    auto cert = certs_d_file(authority, "*.cert");
    if (!cert.empty()) {
        auto key = cert.substr(0, cert.size() - 5) + ".key";
        if (is_file(key)) {
            settings.client_cert = cert;
            settings.client_key = key;
        }
    }
    return settings;
}

Scheme HostPolicy::scheme(std::string_view registry) const {
    if (is_insecure(registry)) return Scheme::insecure;
    if (is_loopback_host(registry) && tls(registry).ca_file.empty()) return Scheme::http;
    return Scheme::https;
}

std::vector<fs::path> default_certs_dirs() {
    if (const char* dir = std::getenv("CAIRN_CERTS_DIR"); dir && *dir) return {fs::path(dir)};
    return {"/etc/containers/certs.d", "/etc/docker/certs.d"};
}

}  // namespace cairn::registry
