// diff_id -> blob records: one small file per layer content, written atomically.
#include "assemble/layer/layer_cache.hpp"

#include <ctime>
#include <optional>
#include <sstream>

#include "assemble/layer/file_tree.hpp"
#include "assemble/layer/stat_index.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

// <store>/diffs/<first 16 hex of the recipe's digest>: the records of one way of compressing,
// each named by the diff_id hex it is for.
fs::path records_directory(const oci::BlobStore& store, Compression compression) {
    auto recipe =
        oci::Digest::of(std::string(kLayerFormat) + "\n" + compression_recipe(compression));
    return store.root() / kLayerRecordsDirectory / std::string(recipe.hex().substr(0, 16));
}

void write_record(const fs::path& path, const LayerDigests& digests) {
    fs::create_directories(path.parent_path());
    oci::TemporaryFile file(path);
    file.write(digests.digest.str() + " " + std::to_string(digests.size) + "\n");
    file.commit();
}

LayerDigests write_into(const LayerSource& source, const LayerOptions& options,
                        oci::BlobStore& store) {
    auto blob = store.writer();
    auto digests = write_layer(source, options, *blob);
    blob->commit(digests.digest, digests.size);
    return digests;
}

// The diff_id of `source`'s tar, from the stat index or from one pass; `progress` learns the
// tar's size when it was counted.
TreeDigest known_diff_id(const LayerSource& source, const LayerOptions& options,
                         const oci::BlobStore& store, std::int64_t now) {
    // The walk says its warnings (skipped sockets…), once; the pass below stays quiet.
    auto entries = collect_tree(source.trees, options.tar);
    auto key = stat_key(entries, options.tar, kLayerFormat, now);
    auto stats = store.root() / kStatRecordsDirectory;
    if (auto known = find_stat_record(stats, key.digest))
        return {.diff_id = *known, .from_stats = true};
    // The tar alone, hashed.
    LayerOptions plain = options;
    plain.tar.warn = nullptr;
    plain.compression = Compression::none;
    CountingSink discard;
    auto diff_id = write_layer(source, plain, discard).diff_id;
    if (!key.racy) write_stat_record(stats, key.digest, diff_id);
    // A compression after this goes over the same bytes again; now their number is known.
    if (options.progress) options.progress->start_over(discard.count());
    return {.diff_id = diff_id};
}

}  // namespace

std::optional<LayerRecord> read_layer_record(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    try {
        std::istringstream text(oci::read_small_file(path, 256));
        std::string digest;
        std::int64_t size = -1;
        text >> digest >> size;
        if (!oci::Digest::is_valid(digest) || size < 0) return std::nullopt;
        return LayerRecord{.digest = oci::Digest::parse(digest), .size = size};
    } catch (const Error&) {
        return std::nullopt;
    }
}

StoredLayer store_layer(const LayerSource& source, const LayerOptions& options,
                        oci::BlobStore& store) {
    return store_layer(source, options, store, std::time(nullptr));
}

TreeDigest tree_diff_id(const LayerSource& source, const TarOptions& tar,
                        const oci::BlobStore& store, std::int64_t now) {
    return known_diff_id(source, {.tar = tar}, store, now);
}

TreeDigest tree_diff_id(const LayerSource& source, const TarOptions& tar,
                        const oci::BlobStore& store) {
    return tree_diff_id(source, tar, store, std::time(nullptr));
}

StoredLayer store_layer(const LayerSource& source, const LayerOptions& options,
                        oci::BlobStore& store, std::int64_t now) {
    if (!source.tarball.empty() || options.compression == Compression::none)
        return {.digests = write_into(source, options, store)};

    auto [diff_id, from_stats] = known_diff_id(source, options, store, now);
    LayerOptions quiet = options;
    quiet.tar.warn = nullptr;

    auto records = records_directory(store, options.compression);
    auto record = read_layer_record(records / std::string(diff_id.hex()));
    if (record && store.has(record->digest, record->size)) {
        store.touch(record->digest);
        return {.digests = {.diff_id = diff_id,
                            .digest = record->digest,
                            .size = record->size,
                            .compression = options.compression},
                .reused = true,
                .from_stats = from_stats};
    }
    auto digests = write_into(source, quiet, store);
    // The files may have changed between the two passes: the record follows what was written.
    write_record(records / std::string(digests.diff_id.hex()), digests);
    return {.digests = digests};
}

}  // namespace cairn::assemble
