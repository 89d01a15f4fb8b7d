// Making a layer blob in one streaming pass: tar -> diff_id hash -> compress -> digest hash ->
// sink.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "assemble/layer/compression.hpp"
#include "assemble/layer/tar_tree.hpp"
#include "oci/digest.hpp"
#include "oci/progress.hpp"

namespace cairn::assemble {

struct LayerOptions {
    Compression compression = Compression::gzip;
    unsigned threads = 1;
    TarOptions tar;
    // Counts the tar's bytes as they stream, for a progress display (may be null).
    oci::ProgressTask* progress = nullptr;
};

// What one pass over a layer learns.
struct LayerDigests {
    oci::Digest diff_id;    // of the uncompressed tar (the config's rootfs.diff_ids)
    oci::Digest digest;     // of the bytes written (the manifest's descriptor)
    std::int64_t size = 0;  // of the bytes written
    Compression compression = Compression::none;
};

// One `--layer SRC[:DEST]`: a tree of local files, or an existing tarball used as it is.
struct LayerSource {
    std::vector<TreeInput> trees;
    std::filesystem::path tarball;  // set for `.tar`, `.tar.gz`, `.tgz`, `.tar.zst`

    // Parses "SRC[:DEST]" (DEST absolute; a tarball takes no DEST). A UsageError otherwise.
    static LayerSource parse(std::string_view argument);
    // What the layer holds, for history entries: its destinations, never local paths
    // (those differ between checkouts and would break reproducibility).
    std::string describe() const;
};

// Writes the layer to `out` and returns its digests. A tarball that is already gzip or zstd
// is passed through byte for byte; a plain one is compressed as options say.
LayerDigests write_layer(const LayerSource& source, const LayerOptions& options, ByteSink& out);

// The OCI (or Docker schema 2) media type for a layer of this compression.
std::string_view layer_media_type(Compression compression, bool docker);
// The other way: how a layer of this media type (OCI or Docker) is compressed.
Compression layer_compression(std::string_view media_type);

// Every layer's mtime: SOURCE_DATE_EPOCH when set (a UsageError if malformed), else 0.
std::int64_t source_date_epoch();

}  // namespace cairn::assemble
