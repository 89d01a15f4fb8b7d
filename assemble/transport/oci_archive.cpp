// OCI archives: a layout read member by member in place, a layout built privately and archived to write it.
#include "assemble/transport/oci_archive.hpp"

#include "assemble/layer/layer.hpp"
#include "oci/blob_store.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/json.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

OciArchiveSource::OciArchiveSource(const fs::path& file, std::string tag)
    : name_(archive_name("oci-archive", file, tag)),
      archive_name_(archive_name("oci-archive", file)),
      archive_(file, archive_name_),
      tag_(std::move(tag)) {
    if (!archive_.has("oci-layout")) {
        throw Error(archive_name_ + " is not an OCI archive: it has no oci-layout member" +
                    (archive_.has("manifest.json")
                         ? " (it looks like `docker save` output: use docker-archive:)"
                         : ""));
    }
    auto what = "oci-layout of " + archive_name_;
    auto layout = oci::json::parse_object(archive_.read_small("oci-layout", 4096), what, 4096);
    auto version = oci::json::required_string(layout, "imageLayoutVersion", what);
    if (!version.starts_with("1.")) {
        throw Error(what + " has imageLayoutVersion " + version + "; cairn reads 1.x");
    }
}

oci::ManifestBlob OciArchiveSource::top() {
    auto index = oci::Index::parse(archive_.read_small("index.json", oci::json::kMaxManifestSize),
                                   "index.json of " + archive_name_);
    return manifest(oci::find_tagged(index, tag_, archive_name_, "oci-archive:FILE:TAG"));
}

oci::ManifestBlob OciArchiveSource::manifest(const oci::Descriptor& descriptor) {
    if (!oci::media_type::is_manifest(descriptor.media_type) &&
        !oci::media_type::is_index(descriptor.media_type)) {
        throw Error(name_ + ": " + descriptor.digest.str() + " has media type \"" +
                    descriptor.media_type + "\", which is not an image manifest or index");
    }
    return {.bytes = read_blob(descriptor, oci::json::kMaxManifestSize),
            .media_type = descriptor.media_type,
            .digest = descriptor.digest};
}

std::string OciArchiveSource::blob_member(const oci::Descriptor& descriptor) const {
    auto member = "blobs/" + std::string(descriptor.digest.algorithm()) + "/" +
                  std::string(descriptor.digest.hex());
    if (!archive_.has(member)) {
        throw Error("blob " + descriptor.digest.str() + " is missing from " + archive_name_);
    }
    return member;
}

std::unique_ptr<ByteSource> OciArchiveSource::open_blob(const oci::Descriptor& descriptor) {
    auto member = blob_member(descriptor);
    return std::make_unique<oci::VerifyingSource>(
        archive_.open(member), descriptor.digest, descriptor.size,
        "blob " + descriptor.digest.str() + " in " + archive_name_);
}

std::string OciArchiveSource::read_blob(const oci::Descriptor& descriptor, std::size_t max_size) {
    auto what = "blob " + descriptor.digest.str() + " in " + archive_name_;
    if (descriptor.size > static_cast<std::int64_t>(max_size)) {
        throw Error(what + " is too large (" + std::to_string(descriptor.size) + " bytes)");
    }
    auto content = archive_.read_small(blob_member(descriptor), max_size);
    if (static_cast<std::int64_t>(content.size()) != descriptor.size) {
        throw Error(what + " has " + std::to_string(content.size()) +
                    " bytes, its descriptor says " + std::to_string(descriptor.size));
    }
    if (oci::Digest::of(content) != descriptor.digest) {
        throw Error(what + " is corrupt: its content does not match its digest");
    }
    return content;
}

OciArchiveTarget::OciArchiveTarget(const fs::path& file, std::string tag)
    : ArchiveFileTarget(file, archive_name("oci-archive", file, tag)),
      layout_(staging() / "layout", std::move(tag)) {}

bool OciArchiveTarget::has_blob(const oci::Descriptor& descriptor) {
    return layout_.has_blob(descriptor);
}

void OciArchiveTarget::put_blob(const oci::Descriptor& descriptor, ByteSource& content) {
    staged([&] { layout_.put_blob(descriptor, content); });
}

void OciArchiveTarget::put_child_manifest(const oci::ManifestBlob& manifest) {
    layout_.put_child_manifest(manifest);
}

void OciArchiveTarget::put_manifest(const oci::ManifestBlob& manifest) {
    layout_.put_manifest(manifest);
    write_file(members_of_tree(layout_.layout().directory()));
}

}  // namespace cairn::assemble
