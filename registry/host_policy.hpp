// How each host is reached: HTTP or HTTPS, which CA, whether TLS is verified (the spec's rules).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::registry {

struct TlsSettings {
    bool verify = true;
    // A CA to trust besides the system's ("" for none).
    std::string ca_file;
    // A client certificate and key for mutual TLS ("" for none), from certs.d.
    std::string client_cert;
    std::string client_key;
};

enum class Scheme {
    https,     // HTTPS with verification (with the host's CA when it has one)
    http,      // plain HTTP: loopback registries without a CA
    insecure,  // --insecure-registry: HTTPS without verification, or plain HTTP when the
               // registry does not speak TLS (the client finds out once, at its first request)
};

class HostPolicy {
  public:
    // `insecure_registries`: "HOST" (any port) or "HOST:PORT". `ca_file`: trusted for every
    // registry (--ca-file). `certs_dirs`: roots holding HOST[:PORT]/ca.crt, as containers'
    // and docker's certs.d.
    HostPolicy(std::vector<std::string> insecure_registries, std::string ca_file,
               std::vector<std::filesystem::path> certs_dirs);

    // For a registry host ("127.0.0.1:5000"): loopback hosts use plain HTTP unless a CA is
    // given for them; every other host HTTPS with verification; --insecure-registry wins.
    Scheme scheme(std::string_view registry) const;
    // For any host the client talks to (registry, token realm, redirect target).
    TlsSettings tls(std::string_view authority) const;
    bool is_insecure(std::string_view authority) const;

  private:
    std::string certs_d_file(std::string_view authority, std::string_view pattern) const;

    std::vector<std::string> insecure_;
    std::string ca_file_;
    std::vector<std::filesystem::path> certs_dirs_;
};

// $CAIRN_CERTS_DIR when it is set (tests), else /etc/containers/certs.d and /etc/docker/certs.d.
std::vector<std::filesystem::path> default_certs_dirs();

}  // namespace cairn::registry
