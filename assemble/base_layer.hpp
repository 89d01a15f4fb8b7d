// The base layer: the compiled third-party dependencies and node_modules, as a cache blob.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "assemble/build_config.hpp"
#include "assemble/layer.hpp"
#include "oci/image_source.hpp"
#include "oci/progress.hpp"

namespace cairn::assemble {

// Unlike app layers, a base keeps real mtimes, owners' ids and modes: it is a build cache, and
// cargo decides what is fresh by mtime (a base with SOURCE_DATE_EPOCH mtimes would look stale).
struct BasePart {
    std::string member;               // the member prefix in the layer: "cargo/deps"
    std::filesystem::path directory;  // where it lives on this machine
    // Entries directly under `directory` that stay out of the layer (the workspace's own build
    // output: a base holds third-party code only). Empty: keep everything.
    std::function<bool(std::string_view entry)> leave_out;
};

// What goes into the base for this config: <profile dir>/{deps,.fingerprint,build} of cargo's
// target directory and <npm dir>/node_modules.
std::vector<BasePart> base_parts(const BuildConfig& config,
                                 const std::filesystem::path& target_dir);

// Whether the builds are already warm here: every part exists and is not empty.
bool base_is_warm(const std::vector<BasePart>& parts);

// Writes the parts that exist as one zstd tar layer to `out`.
LayerDigests write_base_layer(const std::vector<BasePart>& parts, unsigned threads, ByteSink& out);

// Unpacks a base layer (`compressed`: the blob as stored) into the parts' directories, keeping
// mtimes and modes. A member outside every part, or climbing with "..", is a cairn::Error.
// Returns the number of bytes of file content restored.
std::uint64_t restore_base_layer(ByteSource& compressed, const std::vector<BasePart>& parts);

// Bases in the local cache: an OCI layout `<cache>/bases`, one single-layer image per tag
// "<name>-base-cargo-<12 hex>", so that a base moves to and from registries like any image.
class BaseCache {
  public:
    BaseCache(const std::filesystem::path& cache_dir, const std::string& image_name,
              const std::string& key_display);

    const std::string& tag() const { return tag_; }
    // "oci:<cache>/bases:<tag>", for messages and metrics.
    std::string reference() const;
    bool has() const;
    // Marks the cached base as used now, so that `cairn cache gc` keeps it.
    void mark_used() const;
    // Copies the base `source` names into the cache. Bytes moved count into `meter` (may be
    // null), here and below.
    void pull(oci::ImageSource& source, unsigned jobs, oci::Meter* meter = nullptr) const;
    // Copies the cached base to `target` (a registry).
    void push(oci::ImageTarget& target, unsigned jobs, oci::Meter* meter = nullptr) const;
    // Makes the base layer of `parts` and stores it as the image of tag().
    LayerDigests store(const std::vector<BasePart>& parts, unsigned threads) const;
    // Unpacks the cached base into `parts`; returns the bytes of file content restored.
    std::uint64_t restore(const std::vector<BasePart>& parts, oci::Meter* meter = nullptr) const;

  private:
    std::filesystem::path directory_;
    std::string tag_;
};

}  // namespace cairn::assemble
