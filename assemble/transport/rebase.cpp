// Rebasing: the new base's layers and history below the image's own, checked on the way.
#include "assemble/transport/rebase.hpp"

#include "assemble/transport/manifest_format.hpp"
#include "oci/error.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace media_type = oci::media_type;

namespace {

constexpr const char* kBaseName = "org.opencontainers.image.base.name";
constexpr const char* kBaseDigest = "org.opencontainers.image.base.digest";

std::size_t layer_entries(const std::vector<oci::HistoryEntry>& history) {
    std::size_t count = 0;
    for (const auto& entry : history) count += entry.empty_layer ? 0 : 1;
    return count;
}

// The image really starts with the old base: the same blobs, the same uncompressed contents.
void check_starts_with(const oci::Image& image, const oci::Image& old_base,
                       const RebaseNames& names) {
    const auto& layers = image.manifest.layers;
    const auto& base_layers = old_base.manifest.layers;
    if (base_layers.size() > layers.size()) {
        throw Error(names.image + " has " + std::to_string(layers.size()) + " layers, fewer than the " +
                    std::to_string(base_layers.size()) + " of its old base " + names.old_base +
                    ": it is not built on it");
    }
    auto diff_ids = image.config.diff_ids();
    auto base_diff_ids = old_base.config.diff_ids();
    for (std::size_t i = 0; i < base_layers.size(); ++i) {
        if (layers[i].digest != base_layers[i].digest || diff_ids[i] != base_diff_ids[i]) {
            throw Error(names.image + " does not start with the layers of " + names.old_base +
                        ": its layer " + std::to_string(i + 1) + " is " + layers[i].digest.str() +
                        " where " + names.old_base + " has " + base_layers[i].digest.str() +
                        "; name the base it was built on with --old-base");
        }
    }
}

void check_platform(const oci::Image& image, const oci::Image& new_base, const RebaseNames& names) {
    auto own = image.config.platform();
    auto base = new_base.config.platform();
    bool variants_differ = !own.variant.empty() && !base.variant.empty() && own.variant != base.variant;
    if (own.os != base.os || own.architecture != base.architecture || variants_differ) {
        throw Error("the new base " + names.new_base + " is for " + base.str() + ", but " +
                    names.image + " is for " + own.str() + "; choose the base's platform with " +
                    "--platform");
    }
}

// A history with one entry per layer: `history` when it has that, else entries made up.
std::vector<oci::HistoryEntry> history_for_layers(std::vector<oci::HistoryEntry> history,
                                                  std::size_t layers, const std::string& from) {
    if (layer_entries(history) == layers) return history;
    std::vector<oci::HistoryEntry> made(layers, {.created_by = "a layer of " + from});
    return made;
}

// The image's own history entries: those after the old base's.
std::vector<oci::HistoryEntry> own_history(const oci::Image& image, const oci::Image& old_base,
                                           std::size_t own_layers, const std::string& name) {
    auto history = image.config.history();
    auto base_history = old_base.config.history();
    auto base_layers = old_base.manifest.layers.size();
    auto base_part = static_cast<std::ptrdiff_t>(std::min(base_history.size(), history.size()));
    std::size_t split = 0;
    if (layer_entries({history.begin(), history.begin() + base_part}) == base_layers &&
        history.size() >= base_history.size()) {
        split = base_history.size();  // the base's entries as the base has them
    } else {
        // Else up to the entry of the base's last layer.
        for (std::size_t seen = 0; split < history.size() && seen < base_layers; ++split)
            seen += history[split].empty_layer ? 0 : 1;
    }
    std::vector<oci::HistoryEntry> own(history.begin() + static_cast<std::ptrdiff_t>(split),
                                       history.end());
    return history_for_layers(std::move(own), own_layers, name);
}

bool has_docker_type(const std::string& type) {
    return type == media_type::oci_layer_gzip || type == media_type::docker_layer_gzip;
}

}  // namespace

RebasedImage rebase(const oci::Image& image, const oci::Image& old_base, const oci::Image& new_base,
                    const RebaseNames& names) {
    check_starts_with(image, old_base, names);
    check_platform(image, new_base, names);
    auto skip = static_cast<std::ptrdiff_t>(old_base.manifest.layers.size());
    std::vector<oci::Descriptor> own(image.manifest.layers.begin() + skip,
                                     image.manifest.layers.end());
    auto image_diff_ids = image.config.diff_ids();

    std::vector<oci::Descriptor> layers = new_base.manifest.layers;
    layers.insert(layers.end(), own.begin(), own.end());
    std::vector<oci::Digest> diff_ids = new_base.config.diff_ids();
    diff_ids.insert(diff_ids.end(), image_diff_ids.begin() + skip, image_diff_ids.end());
    auto history = history_for_layers(new_base.config.history(), new_base.manifest.layers.size(),
                                      names.new_base);
    auto kept = own_history(image, old_base, own.size(), names.image);
    history.insert(history.end(), kept.begin(), kept.end());

    bool docker = media_type::is_docker(image.manifest.media_type);
    for (const auto& layer : layers) docker = docker && has_docker_type(layer.media_type);
    for (auto& layer : layers) {
        layer.media_type = media_type_in(docker ? ManifestFormat::docker : ManifestFormat::oci,
                                         layer.media_type, "a layer");
    }

    oci::Manifest manifest = image.manifest;
    manifest.media_type = docker ? media_type::docker_manifest : media_type::oci_manifest;
    manifest.layers = std::move(layers);
    if (!docker) {
        manifest.annotations[kBaseName] = names.new_base;
        manifest.annotations[kBaseDigest] = new_base.manifest_blob.digest.str();
    }
    oci::ImageConfig config = image.config;
    config.set_layers(diff_ids, history);
    return {.image = finish_image(std::move(manifest), config, docker),
            .base_layers = new_base.manifest.layers.size(),
            .own_layers = own.size()};
}

}  // namespace cairn::assemble
