// A view of an image source that keeps what is named by digest (child manifests, configs) in
// the local cache: a runtime base's config is fetched once, then read from disk.
#pragma once

#include "oci/blob_store.hpp"
#include "oci/image_source.hpp"

namespace cairn::assemble {

// top() always asks `inner` (a tag may have moved); manifest() and read_blob() answer from
// `cache` when it holds the digest (the store verifies it on reading) and keep what `inner`
// gives them otherwise. Layers (open_blob) pass through: they are the target's business.
class CachedSource : public oci::ImageSource {
  public:
    CachedSource(oci::ImageSource& inner, oci::BlobStore& cache) : inner_(inner), cache_(cache) {}
    std::string name() const override { return inner_.name(); }
    oci::ManifestBlob top() override { return inner_.top(); }
    oci::ManifestBlob manifest(const oci::Descriptor& descriptor) override;
    std::unique_ptr<ByteSource> open_blob(const oci::Descriptor& descriptor) override {
        return inner_.open_blob(descriptor);
    }
    std::string read_blob(const oci::Descriptor& descriptor, std::size_t max_size) override;

  private:
    oci::ImageSource& inner_;
    oci::BlobStore& cache_;
};

}  // namespace cairn::assemble
