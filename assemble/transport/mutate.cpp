// Changing an image's config in place of building it again.
#include "assemble/transport/mutate.hpp"

#include "assemble/transport/manifest_format.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace media_type = oci::media_type;

StackedImage mutate(const oci::Image& image, const ConfigChanges& changes) {
    oci::ImageConfig config = image.config;
    apply_changes(changes, config);
    oci::Manifest manifest = image.manifest;
    bool docker = media_type::is_docker(manifest.media_type) && changes.annotations.empty();
    if (!docker && media_type::is_docker(manifest.media_type)) {
        manifest.media_type = media_type::oci_manifest;
        for (auto& layer : manifest.layers) layer.media_type = media_type_in(ManifestFormat::oci, layer.media_type, "a layer");
    }
    for (const auto& [key, value] : changes.annotations) manifest.annotations[key] = value;
    return finish_image(std::move(manifest), config, docker);
}

}  // namespace cairn::assemble
