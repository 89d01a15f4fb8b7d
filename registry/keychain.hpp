// The keychain cairn uses: credentials from containers' auth.json, Docker's config.json and
// docker-credential-* helpers, and `cairn login`/`logout` writing Docker's config.json.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "registry/credential.hpp"
#include "registry/credential_helper.hpp"

namespace cairn::registry {

struct KeychainOptions {
    // How long a docker-credential-* helper may take before it is killed (tests shorten it).
    std::chrono::milliseconds helper_timeout = CredentialHelper::kDefaultTimeout;
    // --authfile (skopeo's flag): read first, in place of $REGISTRY_AUTH_FILE and containers'
    // auth.json files, and where login and logout write. Empty: the lookup below.
    std::filesystem::path auth_file;
};

// A file the keychain reads, and how `tried` names it ("REGISTRY_AUTH_FILE=/x/auth.json").
struct CredentialFile {
    std::filesystem::path path;
    std::string label;
};

// The files looked at, in order, as the environment names them now:
//   `auth_file` (--authfile) when given, else $REGISTRY_AUTH_FILE alone when it is set, else
//   $XDG_RUNTIME_DIR/containers/auth.json and ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json
//   (as podman and skopeo read them); then $DOCKER_CONFIG/config.json, else
//   ~/.docker/config.json.
std::vector<CredentialFile> credential_files(const std::filesystem::path& auth_file = {});
// Where `cairn login` writes: $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
std::filesystem::path docker_config_file();

class DefaultKeychain : public Keychain {
  public:
    explicit DefaultKeychain(KeychainOptions options = {}) : options_(options) {}

    // The first credential in credential_files() order; within one file: the host's
    // "credHelpers" helper, then its "auths" entry, then the "credsStore" helper. A helper
    // that is not installed is skipped (and named in `tried`); a malformed file, or a helper
    // that fails or times out, is an Error.
    std::optional<Credential> find(const std::string& host, std::string* tried = nullptr) override;

    // For `cairn login`: into the helper that Docker's config.json (or the --authfile) names
    // for the host (leaving an empty "auths" placeholder, as Docker does), else into its "auths"
    // entry. The file is created if missing; every other key is kept; it is replaced atomically
    // with mode 0600. Says where the secret went (the file, or the helper), for the user.
    std::string store_credential(const std::string& host, const Credential& credential);
    // For `cairn logout`: from that helper and from every "auths" entry for the host in that
    // file (containers' auth.json files are left alone unless --authfile names one). Returns
    // where a credential was removed from; empty when none was stored.
    std::vector<std::string> erase_credential(const std::string& host);

  private:
    KeychainOptions options_;
};

}  // namespace cairn::registry
