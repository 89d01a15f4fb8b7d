// Docker archives: reading `docker save` output (classic and OCI-style) and writing what docker
// load reads.
#include "assemble/transport/docker_archive.hpp"

#include <array>
#include <set>

#include "assemble/layer/compression.hpp"
#include "assemble/layer/layer.hpp"
#include "assemble/transport/docker_archive_manifest.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/image_config.hpp"
#include "oci/manifest.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

Compression compression_of(const ArchiveReader& archive, const std::string& member) {
    std::array<std::uint8_t, 4> head{};
    std::size_t size = 0;
    auto file = archive.open(member);
    while (size < head.size()) {
        auto n = file->read(head.data() + size, head.size() - size);
        if (n == 0) break;
        size += n;
    }
    return detect_compression(head.data(), size);
}

// Passes a source through, hashing what it gives.
class HashingSource : public ByteSource {
  public:
    HashingSource(ByteSource& in, oci::Sha256& hasher) : in_(in), hasher_(hasher) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        auto n = in_.read(data, capacity);
        hasher_.write(data, n);
        return n;
    }

  private:
    ByteSource& in_;
    oci::Sha256& hasher_;
};

// The digest of a compressed layer file, checked in the same pass against the diff_id the
// config gives: a docker-archive holds no other digest of it, so this is what shows damage.
oci::Digest checked_compressed_layer(const ArchiveReader& archive, const std::string& member,
                                     Compression compression, const oci::Digest& diff_id,
                                     const std::string& what) {
    auto file = archive.open(member);
    oci::Sha256 compressed;
    oci::Sha256 uncompressed;
    HashingSource hashing(*file, compressed);
    try {
        auto decompressor = make_decompressor(compression, hashing);
        copy_stream(*decompressor, uncompressed);
        CountingSink rest;  // whatever the decoder left unread still belongs to the blob
        copy_stream(hashing, rest);
    } catch (const Error& error) {
        throw Error(what + " is damaged: " + error.what());
    }
    auto actual = uncompressed.finish();
    if (actual != diff_id) {
        throw Error(what + " is damaged or not this image's: it decompresses to " + actual.str() +
                    ", the config's diff_id is " + diff_id.str());
    }
    return compressed.finish();
}

}  // namespace

DockerArchiveSource::DockerArchiveSource(const fs::path& file, std::string reference)
    : name_(archive_name("docker-archive", file, reference)),
      archive_name_(archive_name("docker-archive", file)),
      archive_(file, archive_name_) {
    if (!archive_.has("manifest.json")) {
        throw Error(
            archive_name_ + " has no manifest.json: it is not `docker save` output" +
            (archive_.has("oci-layout") ? " (it holds an OCI layout: use oci-archive:)" : ""));
    }
    auto images =
        parse_archived_images(archive_.read_small("manifest.json", oci::json::kMaxManifestSize),
                              "manifest.json of " + archive_name_);
    const auto& image = pick_archived_image(images, reference, archive_name_);
    use_original_manifest_or_make_one(image.config, image.layers);
}

void DockerArchiveSource::use_original_manifest_or_make_one(
    const std::string& config_member, const std::vector<std::string>& layer_members) {
    auto config_bytes = archive_.read_small(config_member, oci::json::kMaxConfigSize);
    auto config_digest = oci::Digest::of(config_bytes);
    blobs_.insert_or_assign(config_digest, Blob{config_member});
    auto config =
        oci::ImageConfig::parse(config_bytes, "config " + config_member + " of " + archive_name_);
    auto diff_ids = config.diff_ids();
    if (diff_ids.size() != layer_members.size()) {
        throw Error(archive_name_ + " is inconsistent: manifest.json lists " +
                    std::to_string(layer_members.size()) + " layers but config " + config_member +
                    " has " + std::to_string(diff_ids.size()) + " diff_ids");
    }
    if (use_original_manifest(config_digest, layer_members)) return;

    std::vector<oci::Descriptor> layers;
    bool zstd = false;
    for (std::size_t i = 0; i < layer_members.size(); ++i) {
        const auto& member = layer_members[i];
        auto compression = compression_of(archive_, member);
        zstd = zstd || compression == Compression::zstd;
        // An uncompressed layer is its own diff_id: not read here, copying it verifies it
        // against that digest.
        oci::Descriptor layer{
            .media_type = compression == Compression::none
                              ? std::string(oci::media_type::docker_layer)
                              : std::string(layer_media_type(compression, true)),
            .digest = compression == Compression::none
                          ? diff_ids[i]
                          : checked_compressed_layer(archive_, member, compression, diff_ids[i],
                                                     "layer " + member + " of " + archive_name_),
            .size = static_cast<std::int64_t>(archive_.size_of(member))};
        blobs_.insert_or_assign(layer.digest, Blob{member});
        layers.push_back(std::move(layer));
    }
    // Docker schema 2 has no zstd layers: such an image is described in OCI types.
    if (zstd) {
        for (auto& layer : layers) {
            auto compression = oci::media_type::layer_compression(layer.media_type);
            layer.media_type = std::string(compression == "zstd"   ? oci::media_type::oci_layer_zstd
                                           : compression == "gzip" ? oci::media_type::oci_layer_gzip
                                                                   : oci::media_type::oci_layer);
        }
    }
    oci::Manifest manifest{
        .media_type =
            std::string(zstd ? oci::media_type::oci_manifest : oci::media_type::docker_manifest),
        .config = {.media_type = std::string(zstd ? oci::media_type::oci_config
                                                  : oci::media_type::docker_config),
                   .digest = config_digest,
                   .size = static_cast<std::int64_t>(config_bytes.size())},
        .layers = std::move(layers)};
    auto bytes = manifest.to_json();
    manifest_ = oci::ManifestBlob{
        .bytes = bytes, .media_type = manifest.media_type, .digest = oci::Digest::of(bytes)};
}

// Docker 25 and later save an OCI layout too: its manifest, found through index.json (an
// index in it is followed one level), is the image's own. It is used when it names the same
// config and the same layer files as manifest.json, which is what docker load goes by.
bool DockerArchiveSource::use_original_manifest(const oci::Digest& config,
                                                const std::vector<std::string>& layer_members) {
    if (!archive_.has("index.json") || !archive_.has("oci-layout")) return false;
    auto read_verified = [&](const oci::Descriptor& entry) -> std::optional<std::string> {
        auto member = "blobs/sha256/" + std::string(entry.digest.hex());
        if (!archive_.has(member)) return std::nullopt;
        auto bytes = archive_.read_small(member, oci::json::kMaxManifestSize);
        if (oci::Digest::of(bytes) != entry.digest) {
            throw Error("member " + member + " of " + archive_name_ +
                        " is corrupt: it does not match its digest");
        }
        return bytes;
    };
    auto matches = [&](const oci::Manifest& manifest) {
        if (manifest.config.digest != config || manifest.layers.size() != layer_members.size())
            return false;
        for (std::size_t i = 0; i < layer_members.size(); ++i) {
            if (normalise_member_name(layer_members[i]) !=
                "blobs/sha256/" + std::string(manifest.layers[i].digest.hex())) {
                return false;
            }
        }
        return true;
    };
    auto try_entries = [&](const oci::Index& index, int depth, auto& self) -> bool {
        for (const auto& entry : index.manifests) {
            if (depth == 0 && oci::media_type::is_index(entry.media_type)) {
                auto bytes = read_verified(entry);
                if (bytes && self(oci::Index::parse(*bytes, "index " + entry.digest.str() + " of " +
                                                                archive_name_),
                                  depth + 1, self)) {
                    return true;
                }
                continue;
            }
            if (!oci::media_type::is_manifest(entry.media_type)) continue;
            auto bytes = read_verified(entry);
            if (!bytes) continue;
            auto manifest = oci::Manifest::parse(
                *bytes, "manifest " + entry.digest.str() + " of " + archive_name_);
            if (!matches(manifest)) continue;
            for (std::size_t i = 0; i < layer_members.size(); ++i) {
                archive_.size_of(layer_members[i]);  // an Error naming a missing member
                blobs_.insert_or_assign(manifest.layers[i].digest, Blob{layer_members[i]});
            }
            manifest_ = oci::ManifestBlob{
                .bytes = std::move(*bytes), .media_type = entry.media_type, .digest = entry.digest};
            return true;
        }
        return false;
    };
    auto index = oci::Index::parse(archive_.read_small("index.json", oci::json::kMaxManifestSize),
                                   "index.json of " + archive_name_);
    return try_entries(index, 0, try_entries);
}

oci::ManifestBlob DockerArchiveSource::manifest(const oci::Descriptor& descriptor) {
    if (descriptor.digest != manifest_->digest) {
        throw Error(archive_name_ + " holds no manifest " + descriptor.digest.str());
    }
    return *manifest_;
}

std::unique_ptr<ByteSource> DockerArchiveSource::open_blob(const oci::Descriptor& descriptor) {
    auto it = blobs_.find(descriptor.digest);
    if (it == blobs_.end())
        throw Error(archive_name_ + " holds no blob " + descriptor.digest.str());
    return std::make_unique<oci::VerifyingSource>(
        archive_.open(it->second.member), descriptor.digest, descriptor.size,
        "member " + it->second.member + " of " + archive_name_);
}

std::string DockerArchiveSource::read_blob(const oci::Descriptor& descriptor,
                                           std::size_t max_size) {
    auto it = blobs_.find(descriptor.digest);
    if (it == blobs_.end())
        throw Error(archive_name_ + " holds no blob " + descriptor.digest.str());
    const auto& member = it->second.member;
    if (descriptor.size > static_cast<std::int64_t>(max_size)) {
        throw Error("member " + member + " of " + archive_name_ + " is too large (" +
                    std::to_string(descriptor.size) + " bytes)");
    }
    auto content = archive_.read_small(member, max_size);
    if (static_cast<std::int64_t>(content.size()) != descriptor.size ||
        oci::Digest::of(content) != descriptor.digest) {
        throw Error("member " + member + " of " + archive_name_ +
                    " is corrupt: it does not match " + descriptor.digest.str() + " (" +
                    std::to_string(descriptor.size) + " bytes)");
    }
    return content;
}

std::string docker_archive_layer_name(const oci::Descriptor& layer) {
    auto compression = oci::media_type::layer_compression(layer.media_type);
    return std::string(layer.digest.hex()) + (compression == "gzip"   ? ".tar.gz"
                                              : compression == "zstd" ? ".tar.zst"
                                                                      : ".tar");
}

DockerArchiveTarget::DockerArchiveTarget(const fs::path& file, std::string reference)
    : ArchiveFileTarget(file, archive_name("docker-archive", file, checked_repo_tag(reference))),
      reference_(checked_repo_tag(reference)),
      blobs_(staging()) {}

bool DockerArchiveTarget::has_blob(const oci::Descriptor& descriptor) {
    return blobs_.has(descriptor.digest);
}

void DockerArchiveTarget::put_blob(const oci::Descriptor& descriptor, ByteSource& content) {
    staged([&] {
        auto writer = blobs_.writer();
        copy_stream(content, *writer);
        writer->commit(descriptor.digest, descriptor.size);
    });
}

void DockerArchiveTarget::put_child_manifest(const oci::ManifestBlob&) {
    throw Error(name() +
                " holds a single image, not an index: choose one platform's image (--platform)");
}

void DockerArchiveTarget::put_manifest(const oci::ManifestBlob& manifest) {
    if (!oci::media_type::is_manifest(manifest.media_type)) {
        throw Error(name() + " holds a single image, not a \"" + manifest.media_type +
                    "\": choose one platform's image (--platform)");
    }
    auto parsed = oci::Manifest::parse(manifest.bytes, "manifest for " + name());
    auto require = [&](const oci::Descriptor& blob) {
        if (!blobs_.has(blob.digest)) {
            throw Error("cannot write " + name() + ": blob " + blob.digest.str() +
                        " was not copied first");
        }
        return blobs_.path_of(blob.digest);
    };
    auto config_path = require(parsed.config);
    auto config =
        oci::ImageConfig::parse(blobs_.read(parsed.config.digest, oci::json::kMaxConfigSize),
                                "config of the image for " + name());
    if (config.diff_ids().size() != parsed.layers.size()) {
        throw Error("cannot write " + name() + ": the image lists " +
                    std::to_string(parsed.layers.size()) + " layers but its config " +
                    std::to_string(config.diff_ids().size()) + " diff_ids");
    }
    ArchivedImage entry{.config = std::string(parsed.config.digest.hex()) + ".json"};
    if (!reference_.empty()) entry.repo_tags.push_back(reference_);
    std::vector<ArchiveMember> members{{.name = entry.config, .file = config_path}};
    std::set<std::string> stored;
    for (const auto& layer : parsed.layers) {
        auto path = require(layer);
        entry.layers.push_back(docker_archive_layer_name(layer));
        // The same layer twice in an image is stored once.
        if (stored.insert(entry.layers.back()).second) {
            members.push_back({.name = entry.layers.back(), .file = path});
        }
    }
    members.push_back({.name = "manifest.json", .bytes = archived_images_json(entry)});
    write_file(std::move(members));
}

}  // namespace cairn::assemble
