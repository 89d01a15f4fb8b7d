// Classification of media types.
#include "oci/media_types.hpp"

namespace cairn::oci::media_type {

bool is_manifest(std::string_view type) {
    return type == oci_manifest || type == docker_manifest;
}

bool is_index(std::string_view type) {
    return type == oci_index || type == docker_manifest_list;
}

bool is_layer(std::string_view type) {
    return type.starts_with("application/vnd.oci.image.layer.") ||
           type.starts_with("application/vnd.docker.image.rootfs.");
}

bool is_docker(std::string_view type) {
    return type.starts_with("application/vnd.docker.");
}

std::string_view layer_compression(std::string_view layer_type) {
    if (layer_type.ends_with("gzip")) return "gzip";
    if (layer_type.ends_with("zstd")) return "zstd";
    return "";
}

}  // namespace cairn::oci::media_type
