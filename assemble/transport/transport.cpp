// Parsing transport-qualified image references and opening their sources and targets.
#include "assemble/transport/transport.hpp"

#include <algorithm>

#include "assemble/transport/docker_archive.hpp"
#include "assemble/transport/oci_archive.hpp"
#include "oci/error.hpp"
#include "oci/layout.hpp"
#include "oci/output_file.hpp"
#include "registry/keychain.hpp"
#include "registry/reference.hpp"
#include "registry/registry_session.hpp"

namespace cairn::assemble {

bool holds_docker_manifests(const ImageReference& target) {
    return target.transport != ImageReference::Transport::oci &&
           target.transport != ImageReference::Transport::oci_archive;
}

std::vector<oci::FileIdentity> output_identities(const ImageReference& reference) {
    if (reference.path.empty()) return {};
    return oci::existing_output_identities(reference.path);
}

ImageReference ImageReference::parse(std::string_view text) {
    ImageReference reference{.text = std::string(text)};
    if (text == "scratch") {
        reference.transport = Transport::scratch;
        return reference;
    }
    if (text.starts_with("oci:")) {
        auto rest = text.substr(4);
        // As skopeo does: the directory ends at the first ':' (paths with ':' are not allowed).
        auto colon = rest.find(':');
        reference.path = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) reference.tag = std::string(rest.substr(colon + 1));
        if (reference.path.empty()) {
            throw UsageError("image reference \"" + reference.text +
                             "\" names no directory (oci:DIR[:TAG])");
        }
        if (colon != std::string_view::npos && reference.tag.empty()) {
            throw UsageError("image reference \"" + reference.text + "\" has an empty tag");
        }
        return reference;
    }
    // --- archives (oci-archive:, docker-archive:) ---
    // As for oci: the file ends at the first ':'; the rest is the TAG (docker-archive: a
    // NAME:TAG, or @N when reading).
    for (auto [prefix, transport] :
         {std::pair{std::string_view("oci-archive:"), Transport::oci_archive},
          std::pair{std::string_view("docker-archive:"), Transport::docker_archive}}) {
        if (!text.starts_with(prefix)) continue;
        auto rest = text.substr(prefix.size());
        auto colon = rest.find(':');
        reference.transport = transport;
        reference.path = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) reference.tag = std::string(rest.substr(colon + 1));
        if (reference.path.empty()) {
            throw UsageError("image reference \"" + reference.text + "\" names no file (" +
                             std::string(prefix) + "FILE[:TAG])");
        }
        if (colon != std::string_view::npos && reference.tag.empty()) {
            throw UsageError("image reference \"" + reference.text + "\" has an empty tag");
        }
        return reference;
    }
    // --- end of archives ---
    for (std::string_view transport : {"dir:", "containers-storage:", "docker-daemon:"}) {
        if (text.starts_with(transport)) {
            throw UsageError("transport \"" +
                             std::string(transport.substr(0, transport.size() - 1)) + "\" of \"" +
                             reference.text + "\" is not supported yet; use oci:DIR[:TAG]");
        }
    }
    if (text.empty()) throw UsageError("empty image reference");
    reference.transport = Transport::registry;
    registry::Reference::parse(text);  // a UsageError now rather than at first use
    return reference;
}

struct Transports::Registries {
    explicit Registries(const TransportOptions& options)
        : keychain(registry::KeychainOptions{.auth_file = options.auth_file}) {}
    registry::DefaultKeychain keychain;
    std::unique_ptr<registry::RegistrySession> session;
};

Transports::Transports(TransportOptions options) : options_(std::move(options)) {}

Transports::~Transports() = default;

Transports::Registries& Transports::registries() {
    if (!registries_) registries_ = std::make_unique<Registries>(options_);
    if (!registries_->session) {
        registry::RegistryOptions options{.insecure_registries = options_.insecure_registries,
                                          .ca_file = options_.ca_file,
                                          .keychain = &registries_->keychain,
                                          .user_agent = "cairn/" CAIRN_VERSION,
                                          .request_timeout = options_.request_timeout,
                                          .low_speed_limit = options_.low_speed_limit,
                                          .low_speed_time = options_.low_speed_time};
        registries_->session = std::make_unique<registry::RegistrySession>(std::move(options));
    }
    return *registries_;
}

registry::RegistrySession& Transports::session_for(const registry::Reference& reference) {
    if (!options_.tls_verify) {
        // Named by the command, so reached as an --insecure-registry. A host new to the session
        // gets a session that knows it; sources opened before keep theirs.
        auto& known = options_.insecure_registries;
        if (std::find(known.begin(), known.end(), reference.registry()) == known.end()) {
            known.push_back(reference.registry());
            if (registries_) registries_->session.reset();
        }
    }
    return *registries().session;
}

void Transports::mount_from(const oci::ImageSource& source, oci::ImageTarget& target) {
    const auto* from = dynamic_cast<const registry::RegistrySource*>(&source);
    auto* to = dynamic_cast<registry::RegistryTarget*>(&target);
    if (from && to && from->reference().registry() == to->reference().registry()) {
        to->add_mount_source(from->reference().repository());
    }
}

std::unique_ptr<oci::ImageSource> Transports::open_source(const ImageReference& reference) {
    switch (reference.transport) {
        case ImageReference::Transport::oci:
            return std::make_unique<oci::LayoutSource>(reference.path, reference.tag);
        case ImageReference::Transport::oci_archive:
            return std::make_unique<OciArchiveSource>(reference.path, reference.tag);
        case ImageReference::Transport::docker_archive:
            return std::make_unique<DockerArchiveSource>(reference.path, reference.tag);
        case ImageReference::Transport::registry:
            return session_for(registry::Reference::parse(reference.text))
                .source(registry::Reference::parse(reference.text));
        case ImageReference::Transport::scratch:
            break;
    }
    throw UsageError("\"scratch\" is an empty base, not an image to read");
}

std::unique_ptr<oci::ImageTarget> Transports::open_target(const ImageReference& reference) {
    switch (reference.transport) {
        case ImageReference::Transport::oci:
            return std::make_unique<oci::LayoutTarget>(reference.path, reference.tag);
        case ImageReference::Transport::oci_archive:
            return std::make_unique<OciArchiveTarget>(reference.path, reference.tag);
        case ImageReference::Transport::docker_archive:
            return std::make_unique<DockerArchiveTarget>(reference.path, reference.tag);
        case ImageReference::Transport::registry:
            return session_for(registry::Reference::parse(reference.text))
                .target(registry::Reference::parse(reference.text));
        case ImageReference::Transport::scratch:
            break;
    }
    throw UsageError("\"scratch\" cannot be written to");
}

}  // namespace cairn::assemble
