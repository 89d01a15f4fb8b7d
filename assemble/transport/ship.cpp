// Shipping a stacked image to its target.
#include "assemble/transport/ship.hpp"

#include <atomic>
#include <vector>

#include "assemble/transport/parallel.hpp"
#include "oci/blob_store.hpp"
#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

std::string layer_name(const StackedImage& image, const oci::Descriptor& layer) {
    auto named = image.layer_names.find(layer.digest);
    std::string digest(layer.digest.short_hex());
    if (named == image.layer_names.end()) return "upload layer " + digest;
    return "upload " + named->second + " " + digest;
}

}  // namespace

ShipStats ship(oci::ImageTarget& target, const LayerLocator& locate, const StackedImage& image,
               unsigned jobs, oci::Meter* meter) {
    std::atomic<std::uint64_t> written{0};
    std::atomic<std::uint64_t> skipped{0};
    const auto& layers = image.parsed.layers;
    std::vector<std::uint64_t> sizes;
    for (const auto& layer : layers) sizes.push_back(static_cast<std::uint64_t>(layer.size));
    auto order = largest_first(sizes);
    for_each_parallel(order.size(), target.parallel_uploads() ? jobs : 1, [&](std::size_t i) {
        const auto& layer = layers[order[i]];
        auto size = static_cast<std::uint64_t>(layer.size);
        if (target.has_blob(layer)) {
            skipped += size;
            return;
        }
        auto open = locate(layer);
        oci::ProgressTask task(meter, layer_name(image, layer), size);
        target.put_blob(layer, [&open, &task]() -> std::unique_ptr<ByteSource> {
            return std::make_unique<oci::MeteredSource>(open(), &task);
        });
        written += size;
    });
    const auto& config = image.parsed.config;
    if (target.has_blob(config)) {
        skipped += image.config_bytes.size();
    } else {
        MemorySource content(image.config_bytes);
        target.put_blob(config, content);
        written += image.config_bytes.size();
    }
    target.put_manifest(image.manifest);
    written += image.manifest.bytes.size();
    return {.bytes_written = written, .bytes_skipped = skipped};
}

ShipStats ship(oci::ImageTarget& target, oci::ImageSource* base_source,
               const oci::BlobStore& layer_store, const StackedImage& image, unsigned jobs,
               oci::Meter* meter) {
    // Where a layer's bytes come from: the cache (new layers) or the base image.
    auto locate = [base_source, &layer_store](const oci::Descriptor& layer) -> oci::BlobOpener {
        if (layer_store.has(layer.digest)) {
            return [layer, &layer_store]() -> std::unique_ptr<ByteSource> {
                return std::make_unique<oci::VerifyingSource>(
                    layer_store.open(layer.digest), layer.digest, layer.size,
                    "cached layer " + layer.digest.str());
            };
        }
        if (base_source) return [layer, base_source] { return base_source->open_blob(layer); };
        throw Error("layer " + layer.digest.str() + " is in neither the base nor the cache");
    };
    return ship(target, locate, image, jobs, meter);
}

LayerLocator layers_of(const std::vector<oci::ImageSource*>& sources,
                       const std::vector<const oci::Manifest*>& images) {
    return [sources, images](const oci::Descriptor& layer) -> oci::BlobOpener {
        for (std::size_t i = 0; i < sources.size() && i < images.size(); ++i) {
            for (const auto& known : images[i]->layers) {
                if (known.digest != layer.digest) continue;
                auto* source = sources[i];
                // The source's own descriptor: its media type may differ from the new image's
                // (a Docker layer named with its OCI type), the bytes may not.
                return [source, known] { return source->open_blob(known); };
            }
        }
        throw Error("layer " + layer.digest.str() + " is in none of the images it comes from");
    };
}

}  // namespace cairn::assemble
