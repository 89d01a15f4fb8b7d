// Small blobs by digest from the cache first.
#include "assemble/transport/cached_source.hpp"

#include <optional>

#include "oci/error.hpp"
#include "oci/json.hpp"

namespace cairn::assemble {

namespace {

// The cached copy, or nothing; a copy that fails its digest check is dropped, to be fetched
// again, rather than failing every build from now on.
std::optional<std::string> from_cache(const oci::BlobStore& cache, const oci::Digest& digest,
                                      std::size_t max_size) {
    if (!cache.has(digest)) return std::nullopt;
    try {
        return cache.read(digest, max_size);
    } catch (const Error&) {
        std::error_code ignored;
        std::filesystem::remove(cache.path_of(digest), ignored);
        return std::nullopt;
    }
}

}  // namespace

oci::ManifestBlob CachedSource::manifest(const oci::Descriptor& descriptor) {
    if (auto bytes = from_cache(cache_, descriptor.digest, oci::json::kMaxManifestSize)) {
        return {.bytes = std::move(*bytes),
                .media_type = descriptor.media_type,
                .digest = descriptor.digest};
    }
    auto blob = inner_.manifest(descriptor);
    cache_.put(blob.bytes);
    return blob;
}

std::string CachedSource::read_blob(const oci::Descriptor& descriptor, std::size_t max_size) {
    if (auto bytes = from_cache(cache_, descriptor.digest, max_size)) return std::move(*bytes);
    auto bytes = inner_.read_blob(descriptor, max_size);
    cache_.put(bytes);
    return bytes;
}

}  // namespace cairn::assemble
