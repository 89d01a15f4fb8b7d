// OCI image layouts (image-spec image-layout.md): `oci-layout`, `index.json`, `blobs/`.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci/blob_store.hpp"
#include "oci/image_source.hpp"
#include "oci/manifest.hpp"

namespace cairn::oci {

class ImageLayout {
  public:
    // An existing layout; anything else is an Error naming the directory.
    static ImageLayout open(const std::filesystem::path& directory);
    // An existing layout, or a new one in a missing or empty directory.
    static ImageLayout open_or_create(const std::filesystem::path& directory);

    const std::filesystem::path& directory() const { return directory_; }
    BlobStore& blobs() { return blobs_; }
    const BlobStore& blobs() const { return blobs_; }

    Index index() const;
    // The entry of index.json tagged `tag`; with an empty tag, the only entry. An Error that
    // lists the tags there when it is absent or ambiguous.
    Descriptor find(const std::string& tag) const;
    // Points `tag` at `manifest` in index.json (replacing the entry of the same tag), under a
    // lock so that concurrent writers do not lose each other's entries.
    void tag(const Descriptor& manifest, const std::string& tag);
    // Drops the entries of index.json that `drop` picks, under the same lock; returns them.
    // Their blobs stay: a collector removes what nothing names any more.
    std::vector<Descriptor> untag(const std::function<bool(const Descriptor&)>& drop);

  private:
    explicit ImageLayout(std::filesystem::path directory);
    std::filesystem::path directory_;
    BlobStore blobs_;
};

// The entry of `index` tagged `tag`; with an empty tag, the only entry. An Error that lists
// the tags there when it is absent or ambiguous: "`what` has no image tagged …", "… name one as
// `form`".
Descriptor find_tagged(const Index& index, const std::string& tag, const std::string& what,
                       const std::string& form);

// A layout as an image source (`oci:DIR[:TAG]`).
class LayoutSource : public ImageSource {
  public:
    LayoutSource(const std::filesystem::path& directory, std::string tag);
    std::string name() const override;
    ManifestBlob top() override;
    ManifestBlob manifest(const Descriptor& descriptor) override;
    std::unique_ptr<ByteSource> open_blob(const Descriptor& descriptor) override;
    std::string read_blob(const Descriptor& descriptor, std::size_t max_size) override;

  private:
    ImageLayout layout_;
    std::string tag_;
};

// A layout as an image target; the layout is created if missing.
class LayoutTarget : public ImageTarget {
  public:
    LayoutTarget(const std::filesystem::path& directory, std::string tag);
    std::string name() const override;
    bool has_blob(const Descriptor& descriptor) override;
    // Each blob has a temporary file of its own until it is renamed into place.
    bool parallel_uploads() const override { return true; }
    bool holds_docker_manifests() const override { return false; }
    void put_blob(const Descriptor& descriptor, ByteSource& content) override;
    using ImageTarget::put_blob;
    void put_manifest(const ManifestBlob& manifest) override;
    void put_child_manifest(const ManifestBlob& manifest) override;
    ImageLayout& layout() { return layout_; }

  private:
    ImageLayout layout_;
    std::string tag_;
};

}  // namespace cairn::oci
