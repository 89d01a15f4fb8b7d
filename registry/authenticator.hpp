// Authorization for one registry: learns the scheme from challenges, finds the credential once,
// gets bearer tokens per scope set and keeps them until they are about to expire.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "registry/bearer_token.hpp"
#include "registry/challenge.hpp"
#include "registry/credential.hpp"
#include "registry/host_policy.hpp"
#include "registry/http_transport.hpp"
#include "registry/retry_policy.hpp"
#include "registry/scope.hpp"

namespace cairn::registry {

// The environment variable read for an Entra ID (AAD) access token, which ACR registries
// exchange for a refresh token (see Authenticator).
inline constexpr const char* kAadTokenVariable = "CAIRN_AAD_ACCESS_TOKEN";

struct AuthSettings {
    Keychain* keychain = nullptr;  // null: anonymous only
    // An Entra ID access token (from $CAIRN_AAD_ACCESS_TOKEN): used for Azure registries
    // (*.azurecr.io, .cn, .us; loopback ones for tests) whose challenge names
    // https://HOST/oauth2/token, exchanged at https://HOST/oauth2/exchange. It wins over the
    // keychain.
    std::string aad_access_token;
    RetryPolicy retry;
};

// An authentication or authorization failure, with a message that names the registry, the
// credential source tried and what to do. Not retried.
class AuthError : public Error {
  public:
    using Error::Error;
};

// Safe to share between threads; token requests are made one at a time.
class Authenticator {
  public:
    // `registry` as the user wrote it (keychain key, messages); `policy` decides whether a
    // plain-HTTP token realm may receive credentials (loopback and --insecure-registry only).
    Authenticator(std::string registry, HttpTransport& transport, const HostPolicy& policy,
                  AuthSettings settings);

    // The Authorization header value for a request that needs `scopes` ("" when the registry
    // has not asked for any yet). May ask the token service, once per scope set and lifetime.
    std::string authorization(const Scopes& scopes);

    // After a 401 to a request sent with `sent`: learns the challenge and forgets the refused
    // token. True when a retry with authorization(scopes) may succeed; false when the same
    // credential was already refused. Throws AuthError when there is nothing to try.
    bool on_unauthorized(const HttpResponseHead& head, const Scopes& scopes,
                         const std::string& sent);

    // "credentials from SOURCE" or "no credentials (looked at: …)": for error messages.
    std::string credential_summary();
    const std::string& registry() const { return registry_; }

  private:
    enum class Mode { unknown, basic, bearer };
    const std::optional<Credential>& credential();  // under mutex_
    bool aad_applies() const;                       // under mutex_
    std::string summary();                          // under mutex_
    BearerToken fetch(const Scopes& scopes);        // under mutex_
    [[noreturn]] void refused(const std::string& what, long status);

    std::string registry_;
    HttpTransport& transport_;
    const HostPolicy& policy_;
    AuthSettings settings_;

    std::mutex mutex_;
    Mode mode_ = Mode::unknown;
    std::string realm_;
    std::string service_;
    std::string challenge_scope_;
    std::map<std::string, BearerToken> tokens_;  // by Scopes::joined()
    bool looked_up_ = false;
    std::optional<Credential> credential_;
    std::string tried_;
    std::string aad_refresh_token_;
};

}  // namespace cairn::registry
