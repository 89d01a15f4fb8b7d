// Credentials made known to the blanking of messages, in each form they travel in.
#include "registry/credential.hpp"

#include "oci/secrets.hpp"
#include "registry/base64.hpp"
#include "registry/url.hpp"

namespace cairn::registry {

void remember_secret_forms(std::string_view secret) {
    if (secret.empty()) return;
    oci::remember_secret(secret);
    oci::remember_secret(url_encode(secret));
    oci::remember_secret(base64_encode(secret));
}

void remember_credential(const Credential& credential) {
    remember_secret_forms(credential.password);
    remember_secret_forms(credential.identity_token);
    remember_secret_forms(credential.registry_token);
    if (!credential.password.empty()) {
        oci::remember_secret(base64_encode(credential.username + ":" + credential.password));
    }
    if (!credential.identity_token.empty()) {
        oci::remember_secret(base64_encode(credential.username + ":" + credential.identity_token));
        oci::remember_secret(base64_encode("<token>:" + credential.identity_token));
    }
}

}  // namespace cairn::registry
