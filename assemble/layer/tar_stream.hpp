// libarchive's tar reader and writer on cairn's byte streams, with C handles owned and
// exceptions kept out of libarchive's C frames.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "oci/stream.hpp"

namespace cairn::assemble {

struct ArchiveEntryFree {
    void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};
using ArchiveEntryHandle = std::unique_ptr<archive_entry, ArchiveEntryFree>;

// A new, empty entry (an Error when out of memory).
ArchiveEntryHandle new_archive_entry();

// Writes a tar stream to a ByteSink: restricted pax (plain ustar headers, pax extended headers
// only where ustar cannot say it: long or non-ASCII names, huge sizes), no padding of the last
// block (the stream ends with the two zero blocks of the trailer, as other image tools write
// it). An exception from the sink is kept by the callback and rethrown by the call that hit
// it; after a failure, and when destroyed unfinished, nothing more reaches the sink (libarchive
// would still flush its buffer and a trailer, making a broken stream look whole).
class TarStreamWriter {
  public:
    explicit TarStreamWriter(ByteSink& out);
    ~TarStreamWriter();
    TarStreamWriter(const TarStreamWriter&) = delete;
    TarStreamWriter& operator=(const TarStreamWriter&) = delete;

    // Returns libarchive's warning text (e.g. a name that is not UTF-8), empty if none.
    std::string header(archive_entry* entry);
    void data(const void* bytes, std::size_t size, const std::string& name);
    void finish();

  private:
    static la_ssize_t on_write(archive*, void* self, const void* data, size_t size);
    [[noreturn]] void fail(const std::string& what);

    struct WriteFree {
        void operator()(archive* writer) const { archive_write_free(writer); }
    };

    ByteSink& out_;
    std::exception_ptr sink_error_;
    bool discard_ = true;  // until the stream is open, and after a failure
    bool finished_ = false;
    // Last, so that it is freed (and flushes) while the flags above still live.
    std::unique_ptr<archive, WriteFree> archive_;
};

// Reads a tar stream (ustar, pax, GNU) from a ByteSource; the source is already decompressed
// (libarchive would otherwise run external programs for filters it lacks). Errors name `what`.
class TarStreamReader {
  public:
    // `skip` (may be empty) moves the source on by up to N bytes without reading them and
    // returns how far it moved: what makes a pass over the headers of a plain file fast.
    TarStreamReader(ByteSource& in, std::string what,
                    std::function<std::int64_t(std::int64_t)> skip = {});
    TarStreamReader(const TarStreamReader&) = delete;
    TarStreamReader& operator=(const TarStreamReader&) = delete;

    // The next member's header, or nullptr at the end.
    archive_entry* next();
    std::size_t read_data(std::uint8_t* data, std::size_t capacity, const std::string& member);
    void skip_data(const std::string& member);
    // Bytes of the tar consumed so far: right after next(), where the member's data begins.
    std::uint64_t position() const;

  private:
    static la_ssize_t on_read(archive*, void* self, const void** buffer);
    static la_int64_t on_skip(archive*, void* self, la_int64_t request);
    [[noreturn]] void fail(const std::string& problem);

    struct ReadFree {
        void operator()(archive* reader) const { archive_read_free(reader); }
    };

    ByteSource& in_;
    std::string what_;
    std::function<std::int64_t(std::int64_t)> skip_;
    std::array<std::uint8_t, 64 * 1024> buffer_{};
    std::exception_ptr source_error_;
    std::unique_ptr<archive, ReadFree> archive_;
};

}  // namespace cairn::assemble
