// Appending layers and config changes to a base image.
#include "assemble/transport/stack.hpp"

#include "assemble/transport/manifest_format.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace media_type = oci::media_type;

void apply_changes(const ConfigChanges& changes, oci::ImageConfig& config) {
    if (changes.entrypoint) {
        config.set_entrypoint(*changes.entrypoint);
        if (!changes.cmd) config.set_cmd({});
    }
    if (changes.cmd) config.set_cmd(*changes.cmd);
    for (const auto& [name, value] : changes.env) config.set_env(name, value);
    if (changes.workdir) config.set_workdir(*changes.workdir);
    if (changes.user) config.set_user(*changes.user);
    for (const auto& [key, value] : changes.labels) config.set_label(key, value);
    for (const auto& port : changes.ports) config.add_exposed_port(port);
}

StackedImage finish_image(oci::Manifest manifest, const oci::ImageConfig& config, bool docker) {
    std::string config_bytes = config.to_json();
    manifest.config = {
        .media_type = std::string(docker ? media_type::docker_config : media_type::oci_config),
        .digest = oci::Digest::of(config_bytes),
        .size = static_cast<std::int64_t>(config_bytes.size())};
    std::string manifest_bytes = manifest.to_json();
    return {.manifest = {.bytes = manifest_bytes,
                         .media_type = manifest.media_type,
                         .digest = oci::Digest::of(manifest_bytes)},
            .config_bytes = std::move(config_bytes),
            .parsed = std::move(manifest)};
}

StackedImage stack(const oci::Image& base, const std::vector<NewLayer>& layers,
                   const ConfigChanges& changes, std::int64_t created, bool docker_allowed) {
    bool docker = docker_allowed && media_type::is_docker(base.manifest.media_type);
    for (const auto& layer : layers)
        docker = docker && layer.digests.compression != Compression::zstd;

    oci::ImageConfig config = base.config;
    auto when = oci::rfc3339_utc(created);
    config.set_created(when);
    // Without these, the new layers' entries would describe the base's layers.
    config.add_missing_history({.comment = "a layer of the base image, which has no history for it"});
    apply_changes(changes, config);

    oci::Manifest manifest = base.manifest;
    manifest.media_type = docker ? media_type::docker_manifest : media_type::oci_manifest;
    if (!docker) {
        for (auto& layer : manifest.layers)
            layer.media_type = media_type_in(ManifestFormat::oci, layer.media_type, "the base");
    }
    for (const auto& layer : layers) {
        manifest.layers.push_back(
            {.media_type = std::string(layer_media_type(layer.digests.compression, docker)),
             .digest = layer.digests.digest,
             .size = layer.digests.size});
        config.append_layer(layer.digests.diff_id,
                            {.created = when, .created_by = "cairn: layer " + layer.description});
    }
    for (const auto& [key, value] : changes.annotations) manifest.annotations[key] = value;

    auto image = finish_image(std::move(manifest), config, docker);
    for (const auto& layer : layers) image.layer_names[layer.digests.digest] = layer.description;
    return image;
}

oci::Image scratch_image(const oci::Platform& platform) {
    auto config = oci::ImageConfig::scratch(platform);
    auto config_bytes = config.to_json();
    oci::Manifest manifest{.media_type = std::string(media_type::oci_manifest),
                           .config = {.media_type = std::string(media_type::oci_config),
                                      .digest = oci::Digest::of(config_bytes),
                                      .size = static_cast<std::int64_t>(config_bytes.size())}};
    auto bytes = manifest.to_json();
    return {.manifest_blob = {.bytes = bytes,
                              .media_type = manifest.media_type,
                              .digest = oci::Digest::of(bytes)},
            .manifest = std::move(manifest),
            .config = std::move(config)};
}

}  // namespace cairn::assemble
