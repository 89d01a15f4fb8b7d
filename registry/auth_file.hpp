// A credentials file: Docker's config.json or containers' auth.json (the same "auths",
// "credHelpers" and "credsStore" keys), read strictly and rewritten with every other key kept.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "oci/json.hpp"
#include "registry/credential.hpp"

namespace cairn::registry {

// The registry host a file's key stands for, in canonical form: "https://HOST/v1/", "http://HOST",
// "HOST" all give "host" (lower case); Docker Hub's names and key give "docker.io". nullopt
// for a containers auth.json key scoped to a repository ("quay.io/org/app"), which a lookup by
// host alone must not use.
std::optional<std::string> host_of_key(std::string_view key);
// The canonical form of a host as the user or a reference names it ("Registry-1.Docker.io").
std::string canonical_host(std::string_view host);
// The key Docker writes for a host, and the server URL it gives credential helpers:
// "https://index.docker.io/v1/" for Docker Hub, else the host itself.
std::string docker_config_key(std::string_view host);

class AuthFile {
  public:
    // nullopt when there is no file at `path`. An Error naming the file (with line and column
    // for bad JSON) when it cannot be read or is malformed anywhere, as Docker would refuse it.
    static std::optional<AuthFile> load(const std::filesystem::path& path);
    // A file not yet on disk, for a first `cairn login`.
    static AuthFile empty(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return path_; }

    // "credHelpers": the helper named for `host`, if any.
    std::optional<std::string> helper_for(std::string_view host) const;
    // "credsStore": the helper for every host without an entry of its own.
    std::optional<std::string> default_helper() const;
    // "auths": the credential of the entry for `host`: the entry under Docker's own key first,
    // then under the bare host, then under any other spelling of it. nullopt when there is
    // none or it is an empty placeholder (`{}`, left by Docker when a helper holds the secret).
    std::optional<Credential> credential_for(std::string_view host) const;

    // Writes the "auths" entry under docker_config_key(host), keeping its other fields (e.g.
    // "email"); an empty credential leaves a placeholder.
    void set_credential(std::string_view host, const Credential& credential);
    // Removes every "auths" entry naming `host`; false when there was none.
    bool erase_credentials(std::string_view host);

    // Replaces the file atomically with mode 0600 (following a symbolic link to its target),
    // creating its directory (mode 0700) when missing.
    void save() const;

  private:
    AuthFile(std::filesystem::path path, oci::json::Document document);
    const oci::json::Value* find_entry(const oci::json::Value* map, std::string_view host,
                                       std::string* key) const;

    std::filesystem::path path_;
    oci::json::Document document_;
};

}  // namespace cairn::registry
