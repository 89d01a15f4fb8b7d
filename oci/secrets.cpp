// A process-wide list of secrets: written where credentials enter cairn (the keychain, token
// answers, `cairn login`), read where text leaves it (the cli's output).
#include "oci/secrets.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

namespace cairn::oci {

namespace {

struct SecretList {
    std::mutex mutex;
    std::vector<std::string> secrets;  // longest first
};

SecretList& secret_list() {
    static SecretList list;
    return list;
}

}  // namespace

void remember_secret(std::string_view secret) {
    if (secret.size() < kMinSecretLength) return;
    auto& list = secret_list();
    std::lock_guard lock(list.mutex);
    if (std::find(list.secrets.begin(), list.secrets.end(), secret) != list.secrets.end()) return;
    auto at = std::find_if(list.secrets.begin(), list.secrets.end(),
                           [&](const std::string& known) { return known.size() < secret.size(); });
    list.secrets.insert(at, std::string(secret));
}

std::string blank_secrets(std::string_view text) {
    std::string out(text);
    auto& list = secret_list();
    std::lock_guard lock(list.mutex);
    for (const auto& secret : list.secrets) {
        for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
            out.replace(at, secret.size(), "***");
        }
    }
    return out;
}

}  // namespace cairn::oci
