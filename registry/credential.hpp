// Credentials for a registry and where they come from (the keychain), apart from how they are used.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cairn::registry {

struct Credential {
    std::string username;
    std::string password;
    // An OAuth2 refresh token (Docker's "identitytoken", ACR's refresh token): exchanged at the
    // token realm with grant_type=refresh_token instead of sending username/password.
    std::string identity_token;
    // A bearer token to send as it is (e.g. an Entra ID access token exchanged by the client).
    std::string registry_token;
    // Where it came from, for error messages ("/root/.docker/config.json",
    // "docker-credential-acr"). Never the secret itself.
    std::string source;

    bool empty() const {
        return username.empty() && password.empty() && identity_token.empty() &&
               registry_token.empty();
    }
};

// Tells oci::blank_secrets about every secret of `credential`, in the forms cairn sends it (as
// it is, in a Basic header, URL-encoded in a form body), so that no message shows one.
void remember_credential(const Credential& credential);

// The same for one token or password that is not part of a Credential.
void remember_secret_forms(std::string_view secret);

// Finds the credential for a registry host ("myacr.azurecr.io", "127.0.0.1:5000").
class Keychain {
  public:
    virtual ~Keychain() = default;
    // std::nullopt means anonymous. `tried` (when not null) is set to a short description of the
    // sources looked at, for an auth error message ("REGISTRY_AUTH_FILE=…, ~/.docker/config.json").
    virtual std::optional<Credential> find(const std::string& host,
                                           std::string* tried = nullptr) = 0;
};

}  // namespace cairn::registry
