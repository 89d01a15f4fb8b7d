// Pushing to a registry: existence checks, cross-repository mounts, uploads, manifest last.
#include "registry/registry_target.hpp"

#include <algorithm>

#include "oci/manifest.hpp"
#include "oci/media_types.hpp"
#include "registry/blob_requests.hpp"
#include "registry/manifest_requests.hpp"

namespace cairn::registry {

RegistryTarget::RegistryTarget(Reference reference, std::shared_ptr<RegistryClient> client)
    : reference_(std::move(reference)), client_(std::move(client)) {}

void RegistryTarget::add_mount_source(const std::string& repository) {
    std::lock_guard lock(mutex_);
    if (repository == reference_.repository()) return;
    if (std::find(mount_sources_.begin(), mount_sources_.end(), repository) ==
        mount_sources_.end()) {
        mount_sources_.push_back(repository);
    }
}

Scopes RegistryTarget::scopes() {
    std::lock_guard lock(mutex_);
    Scopes scopes{repository_scope(reference_.repository(), Access::push)};
    for (const auto& source : mount_sources_) scopes.add(repository_scope(source, Access::pull));
    return scopes;
}

bool RegistryTarget::confirmed(const oci::Digest& digest) {
    std::lock_guard lock(mutex_);
    return present_.contains(digest);
}

bool RegistryTarget::find_or_mount(const oci::Descriptor& descriptor) {
    auto scopes = this->scopes();
    bool found =
        stat_blob(*client_, reference_.repository(), descriptor.digest, scopes).has_value();
    std::vector<std::string> sources;
    {
        std::lock_guard lock(mutex_);
        sources = mount_sources_;
    }
    for (std::size_t i = 0; !found && i < sources.size(); ++i) {
        auto result =
            mount_blob(*client_, reference_.repository(), descriptor.digest, sources[i], scopes);
        found = result.mounted;
        if (!result.upload_url.empty()) {
            std::lock_guard lock(mutex_);
            sessions_[descriptor.digest] = result.upload_url;
        }
    }
    std::lock_guard lock(mutex_);
    if (!found) {
        absent_.insert(descriptor.digest);
        return false;
    }
    if (present_.insert(descriptor.digest).second)
        skipped_ += static_cast<std::uint64_t>(descriptor.size);
    return true;
}

bool RegistryTarget::has_blob(const oci::Descriptor& descriptor) {
    return confirmed(descriptor.digest) || find_or_mount(descriptor);
}

void RegistryTarget::put_blob(const oci::Descriptor& descriptor, ByteSource& content) {
    put(descriptor, content, nullptr);
}

void RegistryTarget::put_blob(const oci::Descriptor& descriptor, const BlobOpener& open) {
    auto content = open();
    put(descriptor, *content, &open);
}

void RegistryTarget::put(const oci::Descriptor& descriptor, ByteSource& content,
                         const BlobOpener* reopen) {
    bool looked = false;
    {
        std::lock_guard lock(mutex_);
        if (present_.contains(descriptor.digest)) return;
        looked = absent_.contains(descriptor.digest);
    }
    if (!looked && find_or_mount(descriptor)) return;
    std::string session;  // a refused mount's session, used once
    {
        std::lock_guard lock(mutex_);
        if (auto open = sessions_.find(descriptor.digest); open != sessions_.end()) {
            session = open->second;
            sessions_.erase(open);
        }
    }
    upload_blob({.client = *client_,
                 .repository = reference_.repository(),
                 .descriptor = descriptor,
                 .scopes = scopes(),
                 .name = name(),
                 .session_url = session},
                content, reopen);
    std::lock_guard lock(mutex_);
    absent_.erase(descriptor.digest);
    if (present_.insert(descriptor.digest).second)
        uploaded_ += static_cast<std::uint64_t>(descriptor.size);
}

void RegistryTarget::check_blobs_of(const oci::ManifestBlob& manifest) {
    auto scopes = this->scopes();
    auto what = "the manifest of " + name();
    auto missing = [&](const std::string& kind, const oci::Digest& digest) {
        throw Error("cannot push " + what + ": its " + kind + " " + digest.str() + " is not in " +
                    reference_.registry() + "/" + reference_.repository() +
                    "; push every blob first");
    };
    if (oci::media_type::is_index(manifest.media_type)) {
        for (const auto& child : oci::Index::parse(manifest.bytes, what).manifests) {
            if (confirmed(child.digest)) continue;
            if (!has_manifest(*client_, reference_.repository(), child.digest.str(), scopes,
                              name())) {
                missing("manifest", child.digest);
            }
        }
        return;
    }
    auto parsed = oci::Manifest::parse(manifest.bytes, what);
    std::vector<oci::Descriptor> blobs{parsed.config};
    for (const auto& layer : parsed.layers) {
        if (layer.urls.empty()) blobs.push_back(layer);  // foreign layers live elsewhere
    }
    for (const auto& blob : blobs) {
        if (confirmed(blob.digest)) continue;
        if (!stat_blob(*client_, reference_.repository(), blob.digest, scopes))
            missing("blob", blob.digest);
        std::lock_guard lock(mutex_);
        present_.insert(blob.digest);
    }
}

void RegistryTarget::put_manifest(const oci::ManifestBlob& manifest) {
    if (reference_.digest() && *reference_.digest() != manifest.digest) {
        throw Error("cannot push to " + name() + ": the image's manifest digest is " +
                    manifest.digest.str() + ", not the one the reference names");
    }
    check_blobs_of(manifest);
    auto target = reference_.tag().empty() ? manifest.digest.str() : reference_.tag();
    push_manifest(*client_, reference_.repository(), target, manifest, scopes(), name());
}

void RegistryTarget::put_child_manifest(const oci::ManifestBlob& manifest) {
    check_blobs_of(manifest);
    push_manifest(*client_, reference_.repository(), manifest.digest.str(), manifest, scopes(),
                  name());
    std::lock_guard lock(mutex_);
    present_.insert(manifest.digest);
}

}  // namespace cairn::registry
