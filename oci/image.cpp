// Loading one image from a source, resolving indexes to a platform.
#include "oci/image.hpp"

#include "oci/error.hpp"
#include "oci/media_types.hpp"

namespace cairn::oci {

namespace {

// Real indexes nest once at most (an index of a multi-platform image); this bound only
// stops a malicious cycle.
constexpr int kMaxIndexDepth = 8;

}  // namespace

Descriptor select_platform(const Index& index, const Platform& platform, std::string_view what) {
    std::string available;
    for (const auto& entry : index.manifests) {
        if (!entry.platform) continue;
        if (entry.platform->satisfies(platform) &&
            (media_type::is_manifest(entry.media_type) || media_type::is_index(entry.media_type))) {
            return entry;
        }
        available += (available.empty() ? "" : ", ") + entry.platform->str();
    }
    // An index of one image without platform data (as single-image layouts are) means that image.
    if (index.manifests.size() == 1 && !index.manifests.front().platform)
        return index.manifests.front();
    throw Error(std::string(what) + " has no image for platform " + platform.str() + " (it has: " +
                (available.empty() ? "none" : available) + "); choose one with --platform");
}

Image load_image(ImageSource& source, const Platform& platform) {
    ManifestBlob blob = source.top();
    bool chosen_without_platform_data = false;
    for (int depth = 0; media_type::is_index(blob.media_type) ||
                        (blob.media_type.empty() &&
                         sniff_media_type(blob.bytes, source.name()) == media_type::oci_index);
         ++depth) {
        if (depth == kMaxIndexDepth) throw Error(source.name() + ": indexes nest too deeply");
        Index index = Index::parse(blob.bytes, "index of " + source.name());
        auto entry = select_platform(index, platform, source.name());
        chosen_without_platform_data = !entry.platform;
        blob = source.manifest(entry);
    }
    if (!media_type::is_manifest(blob.media_type)) {
        throw Error(source.name() + " is a \"" + blob.media_type + "\", not an image");
    }
    Manifest manifest = Manifest::parse(blob.bytes, "manifest of " + source.name());
    auto config_bytes = source.read_blob(manifest.config, json::kMaxConfigSize);
    ImageConfig config = ImageConfig::parse(config_bytes, "config of " + source.name());
    // An index entry without platform data was taken on trust: its config must agree.
    if (chosen_without_platform_data && !config.platform().satisfies(platform)) {
        throw Error(source.name() + " holds an image for " + config.platform().str() + ", not " +
                    platform.str() + "; choose the platform with --platform");
    }
    if (config.diff_ids().size() != manifest.layers.size()) {
        throw Error(source.name() + " is inconsistent: its manifest lists " +
                    std::to_string(manifest.layers.size()) + " layers but its config " +
                    std::to_string(config.diff_ids().size()) + " diff_ids");
    }
    return Image{.manifest_blob = std::move(blob),
                 .manifest = std::move(manifest),
                 .config = std::move(config),
                 .config_bytes = std::move(config_bytes)};
}

}  // namespace cairn::oci
