// Shipping a stacked image to its target.
#include "assemble/ship.hpp"

#include "oci/blob_store.hpp"
#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

class StringSource : public ByteSource {
public:
    explicit StringSource(std::string_view bytes) : bytes_(bytes) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        auto n = std::min(capacity, bytes_.size());
        std::copy_n(bytes_.data(), n, data);
        bytes_.remove_prefix(n);
        return n;
    }

private:
    std::string_view bytes_;
};

}  // namespace

ShipStats ship(oci::ImageTarget& target, oci::ImageSource* base_source,
               const oci::BlobStore& layer_store, const StackedImage& image) {
    ShipStats stats;
    for (const auto& layer : image.parsed.layers) {
        auto size = static_cast<std::uint64_t>(layer.size);
        if (target.has_blob(layer)) {
            stats.bytes_skipped += size;
            continue;
        }
        if (layer_store.has(layer.digest)) {
            oci::VerifyingSource content(layer_store.open(layer.digest), layer.digest, layer.size,
                                         "cached layer " + layer.digest.str());
            target.put_blob(layer, content);
        } else if (base_source) {
            auto content = base_source->open_blob(layer);
            target.put_blob(layer, *content);
        } else {
            throw Error("layer " + layer.digest.str() + " is in neither the base nor the cache");
        }
        stats.bytes_written += size;
    }
    const auto& config = image.parsed.config;
    if (target.has_blob(config)) {
        stats.bytes_skipped += image.config_bytes.size();
    } else {
        StringSource content(image.config_bytes);
        target.put_blob(config, content);
        stats.bytes_written += image.config_bytes.size();
    }
    target.put_manifest(image.manifest);
    stats.bytes_written += image.manifest.bytes.size();
    return stats;
}

}  // namespace cairn::assemble
