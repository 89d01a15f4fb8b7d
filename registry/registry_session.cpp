// Turning command-line options into clients, sources and targets.
#include "registry/registry_session.hpp"

#include <cstdlib>

namespace cairn::registry {

namespace {

#ifdef CAIRN_VERSION
constexpr const char* kUserAgent = "cairn/" CAIRN_VERSION;
#else
constexpr const char* kUserAgent = "cairn";
#endif

HttpSettings http_settings(const RegistryOptions& options) {
    return {.user_agent = options.user_agent.empty() ? kUserAgent : options.user_agent,
            .connect_timeout = options.connect_timeout,
            .request_timeout = options.request_timeout,
            .low_speed_limit = options.low_speed_limit,
            .low_speed_time = options.low_speed_time};
}

}  // namespace

RegistrySession::RegistrySession(RegistryOptions options)
    : options_(std::move(options)),
      policy_(std::make_shared<const HostPolicy>(options_.insecure_registries, options_.ca_file,
                                                 options_.certs_dirs)) {
    if (options_.aad_access_token.empty()) {
        if (const char* token = std::getenv(kAadTokenVariable)) options_.aad_access_token = token;
    }
    transport_ = options_.transport
                     ? options_.transport
                     : std::make_shared<HttpClient>(*policy_, http_settings(options_));
}

std::shared_ptr<RegistryClient> RegistrySession::client(const Reference& reference) {
    std::lock_guard lock(mutex_);
    auto& client = clients_[reference.registry()];
    if (!client) {
        ClientSettings settings{
            .auth = {.keychain = options_.keychain, .aad_access_token = options_.aad_access_token},
            .retry = {.max_attempts = options_.max_attempts,
                      .initial_delay = options_.initial_backoff,
                      .max_delay = options_.max_backoff},
            .chunk_size = options_.chunk_size};
        settings.auth.retry = settings.retry;
        client = std::make_shared<RegistryClient>(reference.registry(), reference.api_host(),
                                                  transport_, policy_, std::move(settings));
    }
    return client;
}

std::unique_ptr<RegistrySource> RegistrySession::source(const Reference& reference) {
    return std::make_unique<RegistrySource>(reference, client(reference));
}

std::unique_ptr<RegistryTarget> RegistrySession::target(const Reference& reference) {
    return std::make_unique<RegistryTarget>(reference, client(reference));
}

std::unique_ptr<RegistrySource> open_registry_source(const Reference& reference,
                                                     const RegistryOptions& options) {
    return RegistrySession(options).source(reference);
}

std::unique_ptr<RegistryTarget> open_registry_target(const Reference& reference,
                                                     const RegistryOptions& options) {
    return RegistrySession(options).target(reference);
}

}  // namespace cairn::registry
