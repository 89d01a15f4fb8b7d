// The local cache: its location, its listing, and a mark-by-mtime, sweep-by-reference collector.
#include "assemble/build/cache.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "assemble/build/build_step.hpp"
#include "assemble/layer/layer_cache.hpp"
#include "assemble/layer/stat_index.hpp"
#include "oci/blob_store.hpp"
#include "oci/error.hpp"
#include "oci/json.hpp"
#include "oci/layout.hpp"
#include "oci/manifest.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

bool is_temporary(const fs::path& path) {
    return path.filename().string().starts_with(".tmp-");
}

// The blobs a base's manifest names, with the manifest itself; only the manifest when it is
// missing or damaged (a cache someone pruned by hand must still list and collect).
std::vector<oci::Descriptor> blobs_of(const oci::ImageLayout& layout,
                                      const oci::Descriptor& entry) {
    auto what = "base " + entry.ref_name() + " in " + layout.directory().string();
    try {
        auto manifest = oci::Manifest::parse(
            layout.blobs().read(entry.digest, oci::json::kMaxManifestSize), what);
        auto blobs = manifest.layers;
        blobs.push_back(manifest.config);
        blobs.push_back(entry);
        return blobs;
    } catch (const Error&) {
        return {entry};
    }
}

// Removes the files of `directory` (a blobs/sha256) that `remove` picks, counting into `out`.
template <typename Pick>
void sweep(const fs::path& directory, Pick remove, CacheCollection& out) {
    std::error_code ec;
    if (!fs::is_directory(directory, ec)) return;
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (!entry.is_regular_file(ec) || !remove(entry)) continue;
        std::error_code size_error;
        auto size = entry.file_size(size_error);
        if (fs::remove(entry.path(), ec)) {
            ++out.blobs_removed;
            out.bytes_freed += size_error ? 0 : size;
        }
    }
}

}  // namespace

fs::path cache_directory() {
    auto from_env = [](const char* name) -> fs::path {
        const char* value = std::getenv(name);
        return value && *value ? value : "";
    };
    if (auto explicit_path = from_env("CAIRN_CACHE"); !explicit_path.empty()) return explicit_path;
    if (auto xdg = from_env("XDG_CACHE_HOME"); !xdg.empty()) return xdg / "cairn";
    if (auto home = from_env("HOME"); !home.empty()) return home / ".cache" / "cairn";
    throw Error("no cache directory: set CAIRN_CACHE, XDG_CACHE_HOME or HOME");
}

CacheContents list_cache(const fs::path& cache_dir) {
    CacheContents contents;
    std::error_code ec;
    auto bases = cache_dir / kBasesDirectory;
    if (fs::exists(bases / "index.json", ec)) {
        auto layout = oci::ImageLayout::open(bases);
        for (const auto& entry : layout.index().manifests) {
            CachedBase base{
                .tag = entry.ref_name(),
                .last_used = fs::last_write_time(layout.blobs().path_of(entry.digest), ec)};
            for (const auto& blob : blobs_of(layout, entry))
                base.size += static_cast<std::uint64_t>(blob.size);
            contents.bases.push_back(std::move(base));
        }
        std::sort(contents.bases.begin(), contents.bases.end(),
                  [](const CachedBase& a, const CachedBase& b) { return a.tag < b.tag; });
    }
    auto layers = cache_dir / "blobs" / "sha256";
    if (fs::is_directory(layers, ec)) {
        for (const auto& entry : fs::directory_iterator(layers)) {
            if (!entry.is_regular_file(ec) || is_temporary(entry.path())) continue;
            ++contents.layer_count;
            contents.layer_bytes += entry.file_size(ec);
        }
    }
    oci::SweptFiles stale;
    for (const auto& root : {cache_dir, bases})
        stale += oci::BlobStore(root).stale_temporary_files();
    contents.stale_files = stale.files;
    contents.stale_bytes = stale.bytes;
    return contents;
}

oci::DirectoryLock use_cache(const fs::path& cache_dir, const std::function<void()>& on_wait) {
    fs::create_directories(cache_dir);
    oci::DirectoryLock lock(cache_dir, on_wait, oci::DirectoryLock::Mode::shared);
    // Every writer holds this lock too and keeps its temporary files in an incoming directory
    // it holds itself: one nobody holds is a killed run's.
    for (const auto& root : {cache_dir, cache_dir / kBasesDirectory})
        oci::BlobStore(root).sweep_stale();
    return lock;
}

CacheCollection collect_cache(const fs::path& cache_dir, std::chrono::seconds keep,
                              const std::function<void()>& on_wait) {
    CacheCollection out;
    std::error_code ec;
    if (!fs::is_directory(cache_dir, ec)) return out;
    // No build runs beside this: a temporary file now is one a killed run left.
    oci::DirectoryLock alone(cache_dir, on_wait);
    auto cutoff = fs::file_time_type::clock::now() - keep;
    auto stale = [cutoff](const fs::directory_entry& entry) {
        std::error_code ec;
        auto time = entry.last_write_time(ec);
        return !ec && time <= cutoff;
    };

    auto bases = cache_dir / kBasesDirectory;
    if (fs::exists(bases / "index.json", ec)) {
        auto layout = oci::ImageLayout::open(bases);
        auto dropped = layout.untag([&](const oci::Descriptor& entry) {
            auto time = fs::last_write_time(layout.blobs().path_of(entry.digest), ec);
            return ec || time <= cutoff;
        });
        out.bases_removed = dropped.size();
        std::set<std::string> named;
        for (const auto& entry : layout.index().manifests) {
            for (const auto& blob : blobs_of(layout, entry))
                named.insert(std::string(blob.digest.hex()));
        }
        // With the cache held alone, a blob no base names is garbage (a killed store's).
        sweep(
            bases / "blobs" / "sha256",
            [&](const fs::directory_entry& entry) {
                return !named.contains(entry.path().filename().string());
            },
            out);
    }
    for (const auto& root : {cache_dir, bases}) {
        auto swept = oci::BlobStore(root).sweep_stale(std::chrono::seconds(0));
        out.blobs_removed += swept.files;
        out.bytes_freed += swept.bytes;
    }
    auto layers = cache_dir / "blobs" / "sha256";
    sweep(
        layers,
        [&](const fs::directory_entry& entry) {
            return is_temporary(entry.path()) || stale(entry);
        },
        out);
    // The records of the layer cache (diffs/<recipe>/<diff_id>) go with the blobs they name.
    auto records = cache_dir / kLayerRecordsDirectory;
    if (fs::is_directory(records, ec)) {
        for (const auto& recipe : fs::directory_iterator(records)) {
            if (!recipe.is_directory(ec)) continue;
            for (const auto& record : fs::directory_iterator(recipe.path())) {
                bool gone = is_temporary(record.path());
                if (!gone) {
                    auto blob = read_layer_record(record.path());
                    gone = !blob || !fs::exists(layers / std::string(blob->digest.hex()), ec);
                }
                if (gone) fs::remove(record.path(), ec);
            }
            fs::remove(recipe.path(), ec);  // only when empty
        }
    }
    // The stat index's records (stats/<key>) go with the diff records they lead to.
    std::set<std::string> diffs;
    if (fs::is_directory(records, ec)) {
        for (const auto& recipe : fs::directory_iterator(records, ec)) {
            for (const auto& record : fs::directory_iterator(recipe.path(), ec))
                diffs.insert(record.path().filename().string());
        }
    }
    auto stats = cache_dir / kStatRecordsDirectory;
    if (fs::is_directory(stats, ec)) {
        for (const auto& record : fs::directory_iterator(stats, ec)) {
            auto diff_id = read_stat_record(record.path());
            if (!diff_id || !diffs.contains(std::string(diff_id->hex())))
                fs::remove(record.path(), ec);
        }
    }
    // The npm step's records (steps/<key>: diff_id, digest, size, compression) go with their
    // layer's blob; a checkout's last-run key, when nobody built that checkout for `keep`.
    auto steps = cache_dir / kStepRecordsDirectory;
    if (fs::is_directory(steps, ec)) {
        for (const auto& record : fs::directory_iterator(steps, ec)) {
            if (record.is_directory(ec)) {
                for (const auto& checkout : fs::directory_iterator(record.path(), ec)) {
                    if (stale(checkout) || is_temporary(checkout.path()))
                        fs::remove(checkout.path(), ec);
                }
                continue;
            }
            auto step = read_step_record(record.path());
            if (!step || !fs::exists(layers / std::string(step->layer.digest.hex()), ec))
                fs::remove(record.path(), ec);
        }
    }
    return out;
}

}  // namespace cairn::assemble
