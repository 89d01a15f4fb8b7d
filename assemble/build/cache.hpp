// The local cache: where it lives, what it holds, and its garbage collection (`cairn cache`).
//
// It holds the layers `build` and `append` make (`blobs/sha256/…`) and the bases of builds, an
// OCI layout under `bases/`. A blob's mtime says when it was last written or used: a build
// that makes a layer again, or restores a base, touches it. Who writes to the cache holds a
// shared lock on it (use_cache) for as long as it works; gc holds it exclusively, so it never
// sweeps what a running build is making or about to push.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "oci/file.hpp"

namespace cairn::assemble {

std::filesystem::path cache_directory();

// A shared lock on the cache (made if missing) for a build or an append: several at once,
// never beside gc. `on_wait` is called once if gc holds it. Taking it sweeps what killed runs
// left (their incoming directories nobody holds: see BlobStore), in the layers and the bases.
oci::DirectoryLock use_cache(const std::filesystem::path& cache_dir,
                             const std::function<void()>& on_wait = {});

// The layout of the bases, inside the cache directory.
inline constexpr const char* kBasesDirectory = "bases";

struct CachedBase {
    std::string tag;         // "<name>-base-cargo-<12 hex>"
    std::uint64_t size = 0;  // its manifest, config and layer
    std::filesystem::file_time_type last_used;
};

struct CacheContents {
    std::vector<CachedBase> bases;  // by tag
    std::uint64_t layer_count = 0;  // layers made by build and append
    std::uint64_t layer_bytes = 0;
    // Temporary files that killed runs left (removed by the next build, append or gc).
    std::uint64_t stale_files = 0;
    std::uint64_t stale_bytes = 0;
};

CacheContents list_cache(const std::filesystem::path& cache_dir);

struct CacheCollection {
    std::size_t bases_removed = 0;
    std::size_t blobs_removed = 0;
    std::uint64_t bytes_freed = 0;
};

// Removes what was not used within `keep`: bases (and the blobs only they named), layers and
// their records, and the temporary files killed runs left. It first takes the cache
// exclusively, waiting for running builds (`on_wait` is called once if it must). With `keep`
// zero it empties the cache.
CacheCollection collect_cache(const std::filesystem::path& cache_dir, std::chrono::seconds keep,
                              const std::function<void()>& on_wait = {});

}  // namespace cairn::assemble
