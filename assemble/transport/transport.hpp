// Image references with their transport (containers-transports(5) words) and opening them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "oci/file.hpp"
#include "oci/image_source.hpp"
#include "registry/reference.hpp"

namespace cairn::registry {
class RegistrySession;
}

namespace cairn::assemble {

struct ImageReference {
    enum class Transport { oci, registry, scratch, oci_archive, docker_archive };
    Transport transport = Transport::oci;
    std::filesystem::path path;  // oci: the directory; oci-archive, docker-archive: the file
    std::string tag;   // oci, oci-archive: the ref name; docker-archive: REF; may be empty
    std::string text;  // as the user wrote it

    // `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:REF]`, `docker://REF`
    // or a bare registry reference, or `scratch`. A malformed one is a UsageError naming it.
    static ImageReference parse(std::string_view text);
};

// The files an image reference writes that exist already (an archive, a layout directory),
// for a walk of the inputs to leave out; nothing for a registry.
std::vector<oci::FileIdentity> output_identities(const ImageReference& reference);

// Whether the target takes Docker schema 2 manifests (registries, docker-archive:) or OCI
// alone (oci:, oci-archive:).
bool holds_docker_manifests(const ImageReference& target);

// How to reach registries: the command line's --insecure-registry, --ca-file, --authfile and
// --tls-verify, and how long a peer may take (registry::HttpSettings: a deadline for small
// answers, a floor of speed for blob transfers).
struct TransportOptions {
    std::vector<std::string> insecure_registries;
    std::string ca_file;
    std::filesystem::path auth_file;  // --authfile: credentials read (and stored) there first
    // --tls-verify=false (skopeo's spelling): every registry the command opens is reached as
    // an --insecure-registry is; other hosts (token services, redirects) are still verified.
    bool tls_verify = true;
    std::chrono::milliseconds request_timeout{60'000};
    std::uint64_t low_speed_limit = 1024;  // bytes per second
    std::chrono::seconds low_speed_time{60};
};

// Opens images of every transport. Registry images of one command share one session (its
// connections, tokens and credentials), so this lives as long as the command.
class Transports {
  public:
    explicit Transports(TransportOptions options = {});
    ~Transports();
    Transports(const Transports&) = delete;
    Transports& operator=(const Transports&) = delete;

    std::unique_ptr<oci::ImageSource> open_source(const ImageReference& reference);
    std::unique_ptr<oci::ImageTarget> open_target(const ImageReference& reference);

    // When both are in the same registry, lets `target` mount the blobs of `source`'s
    // repository instead of uploading them: no base bytes move.
    static void mount_from(const oci::ImageSource& source, oci::ImageTarget& target);

    // The session for `reference`'s registry (for requests that are not images: tags, catalog,
    // deletes); made with the options above, like the sources and targets.
    registry::RegistrySession& session_for(const registry::Reference& reference);

  private:
    struct Registries;
    Registries& registries();

    TransportOptions options_;
    std::unique_ptr<Registries> registries_;
};

}  // namespace cairn::assemble
