// The OCI <-> Docker schema 2 type tables and the manifest rewrite.
#include "assemble/transport/manifest_format.hpp"

#include <array>
#include <utility>

#include "oci/error.hpp"
#include "oci/manifest.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace media_type = oci::media_type;

namespace {

constexpr std::string_view kDockerForeignTar =
    "application/vnd.docker.image.rootfs.foreign.diff.tar";
constexpr std::string_view kOciForeignTar =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
constexpr std::string_view kOciForeignGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
constexpr std::string_view kOciForeignZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

// {OCI, Docker}: the same meaning in each.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kPairs{{
    {media_type::oci_manifest, media_type::docker_manifest},
    {media_type::oci_index, media_type::docker_manifest_list},
    {media_type::oci_config, media_type::docker_config},
    {media_type::oci_layer_gzip, media_type::docker_layer_gzip},
    {media_type::oci_layer, media_type::docker_layer},
    {kOciForeignGzip, media_type::docker_foreign_layer_gzip},
    {kOciForeignTar, kDockerForeignTar},
    // Docker schema 2 has no zstd layers; containerd's name for them is read, never written.
    {media_type::oci_layer_zstd, media_type::docker_layer_zstd},
}};

oci::ManifestBlob make_blob(std::string bytes, std::string_view type) {
    auto digest = oci::Digest::of(bytes);
    return {
        .bytes = std::move(bytes), .media_type = std::string(type), .digest = std::move(digest)};
}

}  // namespace

std::string_view format_name(ManifestFormat format) {
    return format == ManifestFormat::oci ? "oci" : "docker";
}

bool is_in(ManifestFormat format, std::string_view type) {
    return format == ManifestFormat::docker ? media_type::is_docker(type)
                                            : !media_type::is_docker(type);
}

std::string media_type_in(ManifestFormat format, const std::string& type, const std::string& what) {
    if (is_in(format, type)) return type;
    if (format == ManifestFormat::oci) {
        for (const auto& [oci_type, docker_type] : kPairs) {
            if (type == docker_type) return std::string(oci_type);
        }
        return type;  // a Docker type with no OCI twin (none is known): kept as it is
    }
    if (type == media_type::oci_layer_zstd || type == kOciForeignZstd) {
        throw Error(what + " has a zstd layer, which Docker schema 2 cannot describe; copy it " +
                    "with --format oci");
    }
    for (const auto& [oci_type, docker_type] : kPairs) {
        if (type == oci_type) return std::string(docker_type);
    }
    throw Error(what + " has a part of type \"" + type +
                "\", which has no Docker schema 2 equivalent; copy it with --format oci");
}

oci::ManifestBlob manifest_in(ManifestFormat format, const oci::ManifestBlob& blob,
                              const std::string& what) {
    if (is_in(format, blob.media_type)) return blob;
    auto manifest = oci::Manifest::parse(blob.bytes, what);
    if (format == ManifestFormat::docker) {
        if (manifest.subject) {
            throw Error(what + " refers to another image (a subject), which Docker schema 2 " +
                        "cannot say; copy it with --format oci");
        }
        manifest.annotations.clear();
    }
    manifest.media_type = media_type_in(format, manifest.media_type, what);
    manifest.config.media_type = media_type_in(format, manifest.config.media_type, what);
    for (auto& layer : manifest.layers)
        layer.media_type = media_type_in(format, layer.media_type, what);
    return make_blob(manifest.to_json(), manifest.media_type);
}

}  // namespace cairn::assemble
