// The local cache: where it lives, what it holds, and its garbage collection (`cairn cache`).
//
// It holds the layers `build` and `append` make (`blobs/sha256/…`) and the bases of builds, an
// OCI layout under `bases/`. A blob's mtime says when it was last written or used: a build
// that makes a layer again, or restores a base, touches it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cairn::assemble {

std::filesystem::path cache_directory();

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
};

CacheContents list_cache(const std::filesystem::path& cache_dir);

struct CacheCollection {
    std::size_t bases_removed = 0;
    std::size_t blobs_removed = 0;
    std::uint64_t bytes_freed = 0;
};

// Removes what was not used within `keep`: bases (and the blobs only they named), layers, and
// temporary files that killed runs left (those after a day whatever `keep` says, as a live
// run may still be writing one). With `keep` zero it empties the cache: not to be run beside
// a build.
CacheCollection collect_cache(const std::filesystem::path& cache_dir, std::chrono::seconds keep);

}  // namespace cairn::assemble
