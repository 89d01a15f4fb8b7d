// The bases of builds in the local cache, and their way to and from registries.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "assemble/build/base_layer.hpp"
#include "assemble/build/base_record.hpp"
#include "assemble/transport/copy.hpp"
#include "oci/image_source.hpp"
#include "oci/progress.hpp"

namespace cairn::assemble {

// Bases in the local cache: an OCI layout `<cache>/bases`, one image per tag
// "<name>-base-cargo-<12 hex>" of the base's layers, so that a base moves to and from
// registries like any image, one changed layer at a time.
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
    // Says how many bytes went (and how many the registry had).
    CopyResult push(oci::ImageTarget& target, unsigned jobs, oci::Meter* meter = nullptr) const;
    // Makes the base layers of `parts` (write_base_layers) and stores them as the image of tag(),
    // `record` in its labels. The layers `carried` (of an earlier base in this cache, for parts
    // not in `parts`) join them as they are, unread, in group order: the image is the one a
    // restore of those parts and a whole pack would give.
    std::vector<BaseLayer> store(const std::vector<BasePart>& parts, unsigned threads,
                                 const BaseRecord& record,
                                 const std::vector<BaseLayer>& carried = {}) const;
    // The cached base's layers and their groups; empty when its config does not say what each
    // layer is (a base of another making).
    std::vector<BaseLayer> layers() const;
    // What the cached base was built from.
    BaseRecord record() const;
    // The keys ("cargo-<12 hex>") of the bases of `image_name` in the cache, sorted.
    static std::vector<std::string> cached_keys(const std::filesystem::path& cache_dir,
                                                const std::string& image_name);
    // Unpacks the cached base into `parts`; returns the bytes of file content restored.
    // Its layers are unpacked on up to `threads` threads. The parts `left_alone` names by
    // member are not touched (restore_base_layers); a layer of a tool whose parts are all left
    // alone is not read at all.
    std::uint64_t restore(const std::vector<BasePart>& parts, oci::Meter* meter = nullptr,
                          unsigned threads = 1,
                          const std::vector<std::string>& left_alone = {}) const;

  private:
    std::filesystem::path directory_;
    std::string tag_;
};

// What the base `source` names was built from (its labels).
BaseRecord read_base_record(oci::ImageSource& source);

}  // namespace cairn::assemble
