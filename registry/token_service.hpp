// Talking to a token service (the realm of a Bearer challenge): the GET of distribution's token
// spec, OAuth2 refresh-token POSTs, and ACR's exchange of an Entra ID token for a refresh token.
#pragma once

#include <string>

#include "registry/bearer_token.hpp"
#include "registry/http_transport.hpp"
#include "registry/retry_policy.hpp"
#include "registry/scope.hpp"

namespace cairn::registry {

struct TokenService {
    HttpTransport& transport;
    const RetryPolicy& retry;
    std::string realm;    // from the challenge
    std::string service;  // from the challenge, may be empty
};

// The token service refused the credential (401 or 403): the caller knows which one it was and
// says so; this message names only the service and the status.
class TokenRefused : public Error {
  public:
    TokenRefused(const std::string& message, long status) : Error(message), status_(status) {}
    long status() const { return status_; }

  private:
    long status_;
};

// GET realm?service=…&scope=…, anonymously (empty username) or with Basic credentials.
BearerToken fetch_token(const TokenService& service, const Scopes& scopes,
                        const std::string& username, const std::string& password);

// OAuth2 POST realm: grant_type=refresh_token. When the realm refuses POST (404, 405), as some
// of docker's do, a GET with Basic username/refresh token instead.
BearerToken refresh_token_grant(const TokenService& service, const Scopes& scopes,
                                const std::string& username, const std::string& refresh_token);

// ACR: POST https://HOST/oauth2/exchange grant_type=access_token → a refresh token.
std::string exchange_aad_token(HttpTransport& transport, const RetryPolicy& retry,
                               const std::string& exchange_url, const std::string& service,
                               const std::string& access_token);

}  // namespace cairn::registry
