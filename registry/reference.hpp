// Registry image references (`[REGISTRY[:PORT]/]REPO[:TAG][@sha256:…]`) by the distribution
// grammar.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "oci/digest.hpp"

namespace cairn::registry {

inline constexpr std::string_view kDockerHub = "docker.io";

class Reference {
  public:
    // Parses a reference as docker, podman and skopeo do, with an optional `docker://` prefix.
    // Docker Hub defaults apply: `ubuntu` is `docker.io/library/ubuntu:latest`. A malformed
    // reference is a UsageError naming the text and what is wrong with it.
    static Reference parse(std::string_view text);

    // The registry as written ("index.docker.io" becomes "docker.io"): "docker.io",
    // "127.0.0.1:5000", "[::1]:5000", "myacr.azurecr.io". The keychain looks credentials up by it.
    const std::string& registry() const { return registry_; }
    // The repository path inside the registry: "library/ubuntu", "team/app".
    const std::string& repository() const { return repository_; }
    // The tag; empty when the reference names only a digest.
    const std::string& tag() const { return tag_; }
    const std::optional<oci::Digest>& digest() const { return digest_; }

    // Where the v2 API answers: "registry-1.docker.io" for Docker Hub, else registry().
    std::string api_host() const;
    // What a manifest request names: the digest when there is one (it wins over a tag), else the
    // tag.
    std::string manifest_reference() const;
    // The canonical form: "docker.io/library/ubuntu:latest", "reg:5000/app@sha256:…".
    std::string str() const;

    // The same repository with another tag (and no digest).
    Reference with_tag(std::string tag) const;

    bool operator==(const Reference&) const = default;

  private:
    std::string registry_;
    std::string repository_;
    std::string tag_;
    std::optional<oci::Digest> digest_;
};

inline std::ostream& operator<<(std::ostream& out, const Reference& reference) {
    return out << reference.str();
}

// Is this registry host ("localhost:5000", "127.0.0.1", "[::1]:5000") on the loopback interface?
bool is_loopback_host(std::string_view registry);

}  // namespace cairn::registry
