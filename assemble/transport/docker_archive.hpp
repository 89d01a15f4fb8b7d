// `docker-archive:FILE[:REF]`: the tarballs `docker save` writes and `docker load` / `podman load`
// read.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assemble/transport/archive_reader.hpp"
#include "assemble/transport/archive_tar.hpp"
#include "oci/blob_store.hpp"
#include "oci/image_source.hpp"

namespace cairn::assemble {

// Reads a docker-archive: `manifest.json` is a list of images, each a config file, its layer
// files (in rootfs order) and its RepoTags. REF picks the image tagged REF (Docker Hub
// names normalised, so "busybox" finds "docker.io/library/busybox:latest"), or "@N" the N-th
// (from 0), as skopeo does; without REF there must be one image.
//
// Both forms of `docker save` are read. Classic: "<id>/layer.tar" files, uncompressed; then
// a layer's descriptor has type application/vnd.docker.image.rootfs.diff.tar and the digest
// of the tar, which is its diff_id. Docker 25 and later: an OCI layout inside, manifest.json
// pointing into blobs/; its original manifest is used when index.json has it (so the digest
// is kept), else one is made as for the classic form. Compressed layer files (which docker
// load accepts too) are described as they are: gzip or zstd, digest of their bytes; they are
// read once when the source is opened, to take that digest and to check that they
// decompress to the config's diff_id (the archive's only record of them). The archive is read
// in place (ArchiveReader): nothing is extracted.
// The manifest made is Docker schema 2 (OCI when a layer is zstd), compact, so the same
// archive always gives the same manifest digest.
class DockerArchiveSource : public oci::ImageSource {
  public:
    DockerArchiveSource(const std::filesystem::path& file, std::string reference);
    std::string name() const override { return name_; }
    oci::ManifestBlob top() override { return *manifest_; }
    oci::ManifestBlob manifest(const oci::Descriptor& descriptor) override;
    std::unique_ptr<ByteSource> open_blob(const oci::Descriptor& descriptor) override;
    std::string read_blob(const oci::Descriptor& descriptor, std::size_t max_size) override;

  private:
    struct Blob {
        std::string member;
    };
    void use_original_manifest_or_make_one(const std::string& config_member,
                                           const std::vector<std::string>& layer_members);
    bool use_original_manifest(const oci::Digest& config,
                               const std::vector<std::string>& layer_members);

    std::string name_;
    std::string archive_name_;
    ArchiveReader archive_;
    std::optional<oci::ManifestBlob> manifest_;  // set by the constructor
    std::map<oci::Digest, Blob> blobs_;
};

// Writes a docker-archive of one image (an index is an Error: choose a platform first).
// Blobs are kept in the private directory until the manifest arrives; an existing FILE is
// replaced.
//
// Layout, reproducible (sorted members, mtime SOURCE_DATE_EPOCH or 0, owner 0:0, no names):
//   <config hex>.json                    the config, as it is
//   <layer digest hex>.tar[.gz|.zst]     each layer blob as it is, compressed or not
//   manifest.json                        [{"Config":…,"RepoTags":[REF],"Layers":[…]}]
// Layers are stored compressed, as in the image, not as the classic "<id>/layer.tar":
// docker load, podman load and skopeo detect and undo the compression of layer files, the
// config's diff_ids stay those of the uncompressed tars, the archive is as small as the
// image, and reading it back gives the same layer digests. No legacy `repositories` file or
// "<id>/json" directories: only Docker before 1.10 needs them.
// REF, if given, must be NAME:TAG (a UsageError otherwise) and becomes the RepoTag.
class DockerArchiveTarget : public ArchiveFileTarget {
  public:
    DockerArchiveTarget(const std::filesystem::path& file, std::string reference);
    bool has_blob(const oci::Descriptor& descriptor) override;
    void put_blob(const oci::Descriptor& descriptor, ByteSource& content) override;
    void put_manifest(const oci::ManifestBlob& manifest) override;
    void put_child_manifest(const oci::ManifestBlob& manifest) override;

  private:
    std::string reference_;
    oci::BlobStore blobs_;
};

// The file name a layer of this media type has in an archive cairn writes.
std::string docker_archive_layer_name(const oci::Descriptor& layer);

}  // namespace cairn::assemble
