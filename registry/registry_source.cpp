// Pulling from a registry: the manifest the reference names, the manifests and blobs it points to.
#include "registry/registry_source.hpp"

#include "oci/blob_store.hpp"
#include "oci/media_types.hpp"
#include "registry/blob_requests.hpp"
#include "registry/manifest_requests.hpp"

namespace cairn::registry {

RegistrySource::RegistrySource(Reference reference, std::shared_ptr<RegistryClient> client)
    : reference_(std::move(reference)),
      client_(std::move(client)),
      scopes_{repository_scope(reference_.repository(), Access::pull)} {}

oci::ManifestBlob RegistrySource::top() {
    if (!top_) {
        top_ = fetch_manifest(*client_, reference_.repository(), reference_.manifest_reference(),
                              scopes_, name());
    }
    return *top_;
}

oci::ManifestBlob RegistrySource::manifest(const oci::Descriptor& descriptor) {
    namespace media_type = oci::media_type;
    if (!media_type::is_manifest(descriptor.media_type) &&
        !media_type::is_index(descriptor.media_type)) {
        throw Error(name() + ": " + descriptor.digest.str() + " has media type \"" +
                    descriptor.media_type + "\", which is not an image manifest or index");
    }
    auto fetched = fetch_manifest(*client_, reference_.repository(), descriptor.digest.str(),
                                  scopes_, name() + "@" + descriptor.digest.str());
    if (static_cast<std::int64_t>(fetched.bytes.size()) != descriptor.size) {
        throw Error("the manifest " + descriptor.digest.str() + " of " + name() + " has " +
                    std::to_string(fetched.bytes.size()) + " bytes, its descriptor says " +
                    std::to_string(descriptor.size));
    }
    fetched.media_type =
        descriptor.media_type;  // what the parent says it is; the bytes are verified
    return fetched;
}

std::unique_ptr<ByteSource> RegistrySource::open_blob(const oci::Descriptor& descriptor) {
    auto stream = open_blob_stream(client_, reference_.repository(), descriptor, scopes_, name());
    return std::make_unique<oci::VerifyingSource>(
        std::move(stream), descriptor.digest, descriptor.size,
        "blob " + descriptor.digest.str() + " of " + name());
}

std::string RegistrySource::read_blob(const oci::Descriptor& descriptor, std::size_t max_size) {
    if (descriptor.size < 0 || descriptor.size > static_cast<std::int64_t>(max_size)) {
        throw Error("blob " + descriptor.digest.str() + " of " + name() + " is too large (" +
                    std::to_string(descriptor.size) + " bytes)");
    }
    auto source = open_blob(descriptor);
    std::string content(static_cast<std::size_t>(descriptor.size), '\0');
    std::size_t filled = 0;
    while (true) {
        std::uint8_t* at = reinterpret_cast<std::uint8_t*>(content.data()) + filled;
        std::uint8_t spare;
        std::size_t n = filled < content.size() ? source->read(at, content.size() - filled)
                                                : source->read(&spare, 1);
        if (n == 0) break;
        filled += n;
    }
    return content;
}

}  // namespace cairn::registry
