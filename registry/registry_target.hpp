// An image in a registry as an oci::ImageTarget: blobs checked, mounted or uploaded (from
// several threads at once), the manifest last, only once every blob it names is there.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "oci/image_source.hpp"
#include "registry/blob_upload.hpp"
#include "registry/reference.hpp"
#include "registry/registry_client.hpp"

namespace cairn::registry {

// Safe to call from several threads at once for different blobs (the caller runs the layer
// uploads in parallel); put_manifest after all of them.
class RegistryTarget : public oci::ImageTarget {
  public:
    RegistryTarget(Reference reference, std::shared_ptr<RegistryClient> client);

    std::string name() const override { return reference_.str(); }
    // True when the repository has the blob, or it was just mounted from a mount source.
    bool has_blob(const oci::Descriptor& descriptor) override;
    bool parallel_uploads() const override { return true; }
    // Skips a blob the repository has (or can mount); else uploads it, hashing what it sends:
    // content that does not match the descriptor is an Error and nothing is committed.
    void put_blob(const oci::Descriptor& descriptor, ByteSource& content) override;
    // The same, for content that can be opened again: a big upload the registry loses part-way
    // restarts instead of failing.
    void put_blob(const oci::Descriptor& descriptor, const BlobOpener& open) override;
    // Checks every blob (or child manifest) the manifest names is present, then PUTs it at the
    // tag, or at the digest when the reference has only a digest (a reference's digest must be
    // the manifest's). The registry's Docker-Content-Digest, when sent, must match.
    void put_manifest(const oci::ManifestBlob& manifest) override;
    void put_child_manifest(const oci::ManifestBlob& manifest) override;

    // A repository of the same registry that may hold blobs of this image (the base's): tried
    // as a cross-repository mount before uploading.
    void add_mount_source(const std::string& repository);

    // Sizes of the blobs uploaded, and of those skipped because they were present or mounted.
    std::uint64_t bytes_uploaded() const { return uploaded_; }
    std::uint64_t bytes_skipped() const { return skipped_; }
    const Reference& reference() const { return reference_; }

  private:
    void put(const oci::Descriptor& descriptor, ByteSource& content, const BlobOpener* reopen);
    // HEAD, then mounts; true (and counted as skipped) when the blob is there now.
    bool find_or_mount(const oci::Descriptor& descriptor);
    void check_blobs_of(const oci::ManifestBlob& manifest);
    bool confirmed(const oci::Digest& digest);
    Scopes scopes();

    Reference reference_;
    std::shared_ptr<RegistryClient> client_;
    std::mutex mutex_;
    std::set<oci::Digest> present_;  // found, mounted, uploaded or pushed as a child manifest
    std::set<oci::Digest> absent_;   // looked for (and mounts tried) without success
    std::map<oci::Digest, std::string> sessions_;  // upload sessions refused mounts left open
    std::vector<std::string> mount_sources_;
    std::atomic<std::uint64_t> uploaded_{0};
    std::atomic<std::uint64_t> skipped_{0};
};

}  // namespace cairn::registry
