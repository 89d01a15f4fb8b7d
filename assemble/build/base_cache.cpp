// A base is an image of a few layers in an OCI layout, so copy_image moves it like any image.
#include "assemble/build/base_cache.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include "assemble/build/cache.hpp"
#include "assemble/transport/copy.hpp"
#include "assemble/transport/ship.hpp"
#include "assemble/transport/stack.hpp"
#include "oci/error.hpp"
#include "oci/image.hpp"
#include "oci/json.hpp"
#include "oci/layout.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

BaseCache::BaseCache(const fs::path& cache_dir, const std::string& image_name,
                     const std::string& key_display)
    : directory_(cache_dir / kBasesDirectory), tag_(image_name + "-base-" + key_display) {}

std::string BaseCache::reference() const {
    return "oci:" + directory_.string() + ":" + tag_;
}

bool BaseCache::has() const {
    std::error_code ec;
    if (!fs::exists(directory_ / "index.json", ec)) return false;
    for (const auto& entry : oci::ImageLayout::open(directory_).index().manifests) {
        auto name = entry.annotations.find("org.opencontainers.image.ref.name");
        if (name != entry.annotations.end() && name->second == tag_) return true;
    }
    return false;
}

void BaseCache::mark_used() const {
    auto layout = oci::ImageLayout::open(directory_);
    auto entry = layout.find(tag_);
    layout.blobs().touch(entry.digest);
    auto manifest = oci::Manifest::parse(
        layout.blobs().read(entry.digest, oci::json::kMaxManifestSize), reference());
    layout.blobs().touch(manifest.config.digest);
    for (const auto& layer : manifest.layers) layout.blobs().touch(layer.digest);
}

void BaseCache::pull(oci::ImageSource& source, unsigned jobs, oci::Meter* meter) const {
    oci::LayoutTarget target(directory_, tag_);
    copy_image(source, target, {.platform = oci::Platform::host(), .jobs = jobs, .meter = meter});
}

CopyResult BaseCache::push(oci::ImageTarget& target, unsigned jobs, oci::Meter* meter) const {
    oci::LayoutSource source(directory_, tag_);
    return copy_image(source, target, {.jobs = jobs, .meter = meter});
}

std::vector<BaseLayer> BaseCache::store(const std::vector<BasePart>& parts, unsigned threads,
                                        const BaseRecord& record,
                                        const std::vector<BaseLayer>& carried) const {
    auto layout = oci::ImageLayout::open_or_create(directory_);
    auto store = layout.blobs();
    auto layers = write_base_layers(parts, threads, store);
    for (const auto& layer : carried) {
        if (!store.has(layer.digests.digest, layer.digests.size))
            throw Error(reference() + ": the kept layer " + layer.group + " is not in the cache");
        layers.push_back({.group = layer.group, .digests = layer.digests, .kept = true});
    }
    // In group order, as write_base_layers gives a base packed whole.
    std::stable_sort(layers.begin(), layers.end(),
                     [](const BaseLayer& a, const BaseLayer& b) { return a.group < b.group; });
    auto same_group = std::adjacent_find(
        layers.begin(), layers.end(),
        [](const BaseLayer& a, const BaseLayer& b) { return a.group == b.group; });
    if (same_group != layers.end())
        throw Error(reference() + ": two layers of group " + same_group->group);
    std::vector<NewLayer> stacked;
    for (const auto& layer : layers)
        stacked.push_back({.digests = layer.digests, .description = "cairn base " + layer.group});
    auto image =
        stack(scratch_image(oci::Platform::host()), stacked, {.labels = record.labels()}, 0);
    oci::LayoutTarget target(directory_, tag_);
    ship(target, nullptr, layout.blobs(), image, 1);
    return layers;
}

BaseRecord BaseCache::record() const {
    oci::LayoutSource source(directory_, tag_);
    return read_base_record(source);
}

std::vector<std::string> BaseCache::cached_keys(const fs::path& cache_dir,
                                                const std::string& image_name) {
    auto directory = cache_dir / kBasesDirectory;
    std::error_code ec;
    if (!fs::exists(directory / "index.json", ec)) return {};
    auto prefix = image_name + "-base-";
    std::vector<std::string> keys;
    for (const auto& entry : oci::ImageLayout::open(directory).index().manifests) {
        auto name = entry.annotations.find("org.opencontainers.image.ref.name");
        if (name == entry.annotations.end() || !name->second.starts_with(prefix + "cargo-"))
            continue;
        keys.push_back(name->second.substr(prefix.size()));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

BaseRecord read_base_record(oci::ImageSource& source) {
    return BaseRecord::from_labels(oci::load_image(source, oci::Platform::host()).config.labels());
}

namespace {

constexpr std::string_view kBaseLayerHistory = "cairn: layer cairn base ";

// A layer of a base image: which group it holds (from its history; empty where that does not
// say), and what it is (none where the config does not match the manifest).
struct StoredLayer {
    std::string group;
    std::optional<LayerDigests> digests;
};

std::vector<StoredLayer> stored_layers(const oci::Image& image) {
    auto diff_ids = image.config.diff_ids();
    std::vector<std::string> groups;
    for (const auto& entry : image.config.history()) {
        if (entry.empty_layer) continue;
        std::string_view created_by = entry.created_by;
        groups.emplace_back(created_by.starts_with(kBaseLayerHistory)
                                ? created_by.substr(kBaseLayerHistory.size())
                                : std::string_view{});
    }
    const auto& manifest_layers = image.manifest.layers;
    std::vector<StoredLayer> layers(manifest_layers.size());
    for (std::size_t i = 0; i < manifest_layers.size(); ++i) {
        const auto& layer = manifest_layers[i];
        if (groups.size() == manifest_layers.size()) layers[i].group = groups[i];
        if (diff_ids.size() == manifest_layers.size()) {
            bool zstd = oci::media_type::layer_compression(layer.media_type) == "zstd";
            layers[i].digests = LayerDigests{
                .diff_id = diff_ids[i],
                .digest = layer.digest,
                .size = layer.size,
                .compression = zstd ? Compression::zstd : Compression::none};
        }
    }
    return layers;
}

bool is_left_alone(const std::vector<std::string>& left_alone, const std::string& member) {
    return std::find(left_alone.begin(), left_alone.end(), member) != left_alone.end();
}

// Whether the layer of `group` holds only entries of parts left alone: a tool's layer whose
// every part is (there is no need to read it at all).
bool only_left_alone(std::string_view group, const std::vector<BasePart>& parts,
                     const std::vector<std::string>& left_alone) {
    auto tool = base_layer_tool(group);
    if (tool.empty()) return false;
    bool any = false;
    for (const auto& part : parts) {
        if (!part.member.starts_with(std::string(tool) + "/")) continue;
        if (!is_left_alone(left_alone, part.member)) return false;
        any = true;
    }
    return any;
}

}  // namespace

std::vector<BaseLayer> BaseCache::layers() const {
    oci::LayoutSource source(directory_, tag_);
    std::vector<BaseLayer> layers;
    for (auto& layer : stored_layers(oci::load_image(source, oci::Platform::host()))) {
        if (!layer.digests || layer.group.empty()) return {};
        layers.push_back({.group = std::move(layer.group), .digests = *layer.digests});
    }
    return layers;
}

std::uint64_t BaseCache::restore(const std::vector<BasePart>& parts, oci::Meter* meter,
                                 unsigned threads,
                                 const std::vector<std::string>& left_alone) const {
    oci::LayoutSource source(directory_, tag_);
    auto image = oci::load_image(source, oci::Platform::host());
    if (image.manifest.layers.empty()) throw Error(reference() + " holds no layer");
    auto layers = stored_layers(image);
    // The layers to read: a layer of a tool whose parts are all left alone is not opened.
    std::vector<std::size_t> read;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (only_left_alone(layers[i].group, parts, left_alone)) continue;
        read.push_back(i);
        total += static_cast<std::uint64_t>(image.manifest.layers[i].size);
    }
    if (meter) meter->expect(total);
    try {
        std::vector<std::unique_ptr<oci::MeteredSource>> blobs;
        std::vector<ByteSource*> sources;
        // What each layer is, so that the next base made here keeps those nobody changed.
        std::vector<LayerDigests> digests;
        for (auto i : read) {
            blobs.push_back(std::make_unique<oci::MeteredSource>(
                source.open_blob(image.manifest.layers[i]), meter));
            sources.push_back(blobs.back().get());
            if (layers[i].digests) digests.push_back(*layers[i].digests);
        }
        if (digests.size() != sources.size()) digests.clear();
        return restore_base_layers(sources, parts, threads, digests, left_alone);
    } catch (const Error& e) {
        // Half a restore would look warm to the next run (base_is_warm): none at all is safe.
        // The parts left alone stay as they were.
        std::error_code ec;
        for (const auto& part : parts) {
            if (!is_left_alone(left_alone, part.member)) fs::remove_all(part.directory, ec);
        }
        throw Error(std::string(e.what()) + " (restoring " + reference() +
                    "; cairn build --rebuild-base makes the base anew)");
    }
}

}  // namespace cairn::assemble
