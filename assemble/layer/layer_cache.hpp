// Layers made again from unchanged content cost a walk of their files, not a compression.
//
// A build makes every app layer each time, but most are unchanged (a Rust-only change leaves
// the UI and the files as they were). Files whose stats are all as an earlier run saw them
// give that run's diff_id without being read (stat_index.hpp, under `<store>/stats/`); other
// trees cost one tar pass, hashed. A previous run that compressed the same tar with the same
// recipe (library version and settings: see compression_recipe) left the blob's digest under
// `<store>/diffs/`, and the blob itself is still in the store, so it is used as it is.
#pragma once

#include <filesystem>
#include <optional>

#include "assemble/layer/layer.hpp"
#include "oci/blob_store.hpp"

namespace cairn::assemble {

// Where the records live, inside the store's root; `cairn cache gc` drops those whose blob went.
inline constexpr const char* kLayerRecordsDirectory = "diffs";
// The stat index's records, inside the store's root; `cairn cache gc` drops those whose diff_id
// no longer has a record.
inline constexpr const char* kStatRecordsDirectory = "stats";

// Part of every record's key, with the compression recipe. Bump it whenever cairn's bytes for a
// given tar change in a way the recipe does not name (the gzip header, how blocks are cut):
// a warm cache must never give other bytes than a cold one. layer_cache_test pins it.
inline constexpr const char* kLayerFormat = "cairn layer format 2";

struct StoredLayer {
    LayerDigests digests;
    bool reused = false;      // an earlier run's blob, not compressed now
    bool from_stats = false;  // its content known from the stat index, no file read
};

// Writes the layer of `source` into `store`, or finds the blob an earlier run made of the
// same content. Tarballs and uncompressed layers are written as write_layer does.
StoredLayer store_layer(const LayerSource& source, const LayerOptions& options,
                        oci::BlobStore& store);
// The same with the clock given (seconds since the epoch), for tests of the racy case.
StoredLayer store_layer(const LayerSource& source, const LayerOptions& options,
                        oci::BlobStore& store, std::int64_t now);

// What a tree's tar would hash to, without making a layer of it (a build step's inputs).
struct TreeDigest {
    oci::Digest diff_id;
    bool from_stats = false;  // known from the stat index, no file read
};
// Through the stat index as store_layer does: a walk, and a tar pass only when some stat moved.
TreeDigest tree_diff_id(const LayerSource& source, const TarOptions& tar,
                        const oci::BlobStore& store);
TreeDigest tree_diff_id(const LayerSource& source, const TarOptions& tar,
                        const oci::BlobStore& store, std::int64_t now);

// A record's blob: "sha256:<hex> SIZE"; nothing when the file cannot be read or parsed.
struct LayerRecord {
    oci::Digest digest;
    std::int64_t size = 0;
};
std::optional<LayerRecord> read_layer_record(const std::filesystem::path& path);

}  // namespace cairn::assemble
