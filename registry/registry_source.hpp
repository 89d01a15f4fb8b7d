// An image in a registry as an oci::ImageSource: manifests by tag or digest, verified blobs.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "oci/image_source.hpp"
#include "registry/reference.hpp"
#include "registry/registry_client.hpp"

namespace cairn::registry {

class RegistrySource : public oci::ImageSource {
  public:
    RegistrySource(Reference reference, std::shared_ptr<RegistryClient> client);

    std::string name() const override { return reference_.str(); }
    // The manifest or index the reference names; by digest when it has one (checked).
    oci::ManifestBlob top() override;
    oci::ManifestBlob manifest(const oci::Descriptor& descriptor) override;
    // Streams the blob (resuming after a dropped connection); at its end the stream throws if
    // the digest or size differ, so a caller that keeps it only after the end keeps good bytes.
    std::unique_ptr<ByteSource> open_blob(const oci::Descriptor& descriptor) override;
    std::string read_blob(const oci::Descriptor& descriptor, std::size_t max_size) override;

    const Reference& reference() const { return reference_; }

  private:
    Reference reference_;
    std::shared_ptr<RegistryClient> client_;
    Scopes scopes_;
    std::optional<oci::ManifestBlob> top_;
};

}  // namespace cairn::registry
