// The media types of the OCI image spec and Docker's schema 2, and what each one is.
#pragma once

#include <string_view>

namespace cairn::oci::media_type {

inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view oci_layer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view oci_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view oci_empty = "application/vnd.oci.empty.v1+json";

inline constexpr std::string_view docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view docker_manifest_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view docker_layer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view docker_layer_gzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view docker_layer_zstd =
    "application/vnd.docker.image.rootfs.diff.tar.zstd";
inline constexpr std::string_view docker_foreign_layer_gzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

bool is_manifest(std::string_view type);  // a single image (OCI or Docker)
bool is_index(std::string_view type);     // an index or manifest list
bool is_layer(std::string_view type);     // any layer type, including non-distributable ones
bool is_docker(std::string_view type);    // a Docker schema 2 type

// How a layer of this type is compressed: "gzip", "zstd" or "" (plain tar).
std::string_view layer_compression(std::string_view layer_type);

}  // namespace cairn::oci::media_type
