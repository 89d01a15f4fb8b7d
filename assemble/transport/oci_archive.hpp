// `oci-archive:FILE[:TAG]`: an OCI image layout as one tar file, read and written whole.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "assemble/transport/archive_reader.hpp"
#include "assemble/transport/archive_tar.hpp"
#include "oci/image_source.hpp"
#include "oci/layout.hpp"

namespace cairn::assemble {

// Reads an oci-archive in place (ArchiveReader: nothing is extracted): `oci-layout`,
// `index.json` and `blobs/<alg>/<hex>` members, each blob verified as it is read. TAG means
// what it means for oci: (the ref name in index.json; without one, the only image).
class OciArchiveSource : public oci::ImageSource {
  public:
    OciArchiveSource(const std::filesystem::path& file, std::string tag);
    std::string name() const override { return name_; }
    oci::ManifestBlob top() override;
    oci::ManifestBlob manifest(const oci::Descriptor& descriptor) override;
    std::unique_ptr<ByteSource> open_blob(const oci::Descriptor& descriptor) override;
    std::string read_blob(const oci::Descriptor& descriptor, std::size_t max_size) override;

  private:
    std::string blob_member(const oci::Descriptor& descriptor) const;

    std::string name_;
    std::string archive_name_;  // "oci-archive:FILE"
    ArchiveReader archive_;
    std::string tag_;
};

// Writes an oci-archive: the layout is built in the private directory, and archived when the
// manifest arrives. As skopeo does, an existing FILE is replaced, not added to: the new
// archive holds this image only, tagged TAG (or untagged).
class OciArchiveTarget : public ArchiveFileTarget {
  public:
    OciArchiveTarget(const std::filesystem::path& file, std::string tag);
    bool holds_docker_manifests() const override { return false; }
    bool has_blob(const oci::Descriptor& descriptor) override;
    void put_blob(const oci::Descriptor& descriptor, ByteSource& content) override;
    void put_manifest(const oci::ManifestBlob& manifest) override;
    void put_child_manifest(const oci::ManifestBlob& manifest) override;

  private:
    oci::LayoutTarget layout_;
};

}  // namespace cairn::assemble
