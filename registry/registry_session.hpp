// The registries one command talks to: options from the command line, one client per registry
// (sharing one libcurl transport and its connections), and the sources and targets made on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "registry/credential.hpp"
#include "registry/http_client.hpp"
#include "registry/reference.hpp"
#include "registry/registry_client.hpp"
#include "registry/registry_source.hpp"
#include "registry/registry_target.hpp"

namespace cairn::registry {

struct RegistryOptions {
    std::vector<std::string> insecure_registries;  // --insecure-registry HOST[:PORT]
    std::string ca_file;                           // --ca-file
    std::vector<std::filesystem::path> certs_dirs = default_certs_dirs();
    Keychain* keychain = nullptr;  // null: anonymous; must outlive the session's clients
    // Entra ID access token for Azure registries; empty: $CAIRN_AAD_ACCESS_TOKEN.
    std::string aad_access_token;
    int max_attempts = 5;
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{30'000};
    std::uint64_t chunk_size = 16 << 20;
    // Empty: "cairn/<version>" (the version when the build defines CAIRN_VERSION).
    std::string user_agent;
    std::chrono::seconds connect_timeout{30};
    // See HttpSettings: small answers' deadline, blob transfers' floor of speed.
    std::chrono::milliseconds request_timeout{60'000};
    std::uint64_t low_speed_limit = 1024;
    std::chrono::seconds low_speed_time{60};
    // The transport to use (tests pass a fake); null: libcurl.
    std::shared_ptr<HttpTransport> transport;
};

class RegistrySession {
  public:
    explicit RegistrySession(RegistryOptions options);

    // The client for the reference's registry, made once.
    std::shared_ptr<RegistryClient> client(const Reference& reference);
    std::unique_ptr<RegistrySource> source(const Reference& reference);
    std::unique_ptr<RegistryTarget> target(const Reference& reference);

  private:
    RegistryOptions options_;
    std::shared_ptr<const HostPolicy> policy_;
    std::shared_ptr<HttpTransport> transport_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<RegistryClient>> clients_;
};

// A session of their own, for a single image.
std::unique_ptr<RegistrySource> open_registry_source(const Reference& reference,
                                                     const RegistryOptions& options);
std::unique_ptr<RegistryTarget> open_registry_target(const Reference& reference,
                                                     const RegistryOptions& options);

}  // namespace cairn::registry
