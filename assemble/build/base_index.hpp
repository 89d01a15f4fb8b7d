// What a base restore wrote, file by file, so that the next base made from the same
// directories keeps each layer whose files nobody touched since, without reading them: git's
// index (stat first, content only when the stat differs), applied to the base.
//
// After a one-crate bump, cargo rewrites a few crates of a restored base and leaves the rest;
// packing the new base would otherwise tar and hash all of it (hundreds of MB) again to learn
// that most layers are what the restore unpacked.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assemble/layer/layer.hpp"

namespace cairn::assemble {

// Where a restore keeps its index: in the first part's directory, beside kBaseShiftFile.
// Never itself in a base.
inline constexpr const char* kBaseIndexFile = ".cairn-base-index";

// What lstat says of a file, as far as its bytes in a base go. ctime moves with every write,
// chmod, rename over it or utimensat, and nobody can set it back: a file whose whole stamp is
// the same holds what it held, but for the racy case (BaseIndex::unchanged).
struct FileStamp {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint32_t mode = 0;
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;

    static FileStamp of(const struct stat& st);
    // lstat of `path`, or nothing when it cannot be read.
    static std::optional<FileStamp> of(const std::filesystem::path& path);
    bool operator==(const FileStamp&) const = default;
};

struct IndexedEntry {
    std::string name;  // the member name in the layer: "cargo/deps/libserde-0a1b.rlib"
    FileStamp stamp;   // taken after the restore dated it
};

// One restored layer: the blob it came from and its entries, in the layer's order.
struct IndexedLayer {
    LayerDigests digests;
    std::vector<IndexedEntry> entries;
};

struct BaseIndex {
    // The shift the restore gave the mtimes (kBaseShiftFile): the layer bytes depend on it.
    std::int64_t shift = 0;
    std::vector<IndexedLayer> layers;
    // The index file's own mtime, once written or read (not in its text).
    std::int64_t written_ns = 0;

    // Whether the file `recorded` describes is, by its stamp `now`, still what the restore
    // wrote. A directory's entry in a base is its name and mode only (base_layer.cpp), so
    // those are all that count for one. The racy case, as git documents it: a file changed
    // after its stamp was taken but within the same clock tick keeps its stamp. So a stamp
    // taken at or after the tick the index was written in proves nothing, and the file counts
    // as changed.
    bool unchanged(const FileStamp& recorded, const FileStamp& now) const;

    std::string to_text() const;
    // The index `text` holds; nothing for a damaged, truncated or foreign one, which is then
    // not trusted at all.
    static std::optional<BaseIndex> parse(std::string_view text);

    // Writes the index as `file` (atomically) and sets written_ns from it.
    void write(const std::filesystem::path& file);
    // The index `file` holds, with written_ns from its mtime; nothing when there is none or
    // it cannot be trusted.
    static std::optional<BaseIndex> read(const std::filesystem::path& file);
};

}  // namespace cairn::assemble
