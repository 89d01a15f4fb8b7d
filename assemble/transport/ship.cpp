// Shipping a stacked image to its target.
#include "assemble/transport/ship.hpp"

#include <atomic>

#include "assemble/transport/parallel.hpp"
#include "oci/blob_store.hpp"
#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

// Where a layer's bytes come from: the cache (new layers) or the base image.
oci::BlobOpener layer_opener(const oci::Descriptor& layer, oci::ImageSource* base_source,
                             const oci::BlobStore& layer_store) {
    if (layer_store.has(layer.digest)) {
        return [&layer, &layer_store]() -> std::unique_ptr<ByteSource> {
            return std::make_unique<oci::VerifyingSource>(layer_store.open(layer.digest),
                                                          layer.digest, layer.size,
                                                          "cached layer " + layer.digest.str());
        };
    }
    if (base_source) return [&layer, base_source] { return base_source->open_blob(layer); };
    throw Error("layer " + layer.digest.str() + " is in neither the base nor the cache");
}

}  // namespace

ShipStats ship(oci::ImageTarget& target, oci::ImageSource* base_source,
               const oci::BlobStore& layer_store, const StackedImage& image, unsigned jobs,
               oci::Meter* meter) {
    std::atomic<std::uint64_t> written{0};
    std::atomic<std::uint64_t> skipped{0};
    const auto& layers = image.parsed.layers;
    for_each_parallel(layers.size(), target.parallel_uploads() ? jobs : 1, [&](std::size_t i) {
        const auto& layer = layers[i];
        auto size = static_cast<std::uint64_t>(layer.size);
        if (target.has_blob(layer)) {
            skipped += size;
            return;
        }
        if (meter) meter->expect(size);
        auto open = layer_opener(layer, base_source, layer_store);
        target.put_blob(layer, [&open, meter]() -> std::unique_ptr<ByteSource> {
            return std::make_unique<oci::MeteredSource>(open(), meter);
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

}  // namespace cairn::assemble
