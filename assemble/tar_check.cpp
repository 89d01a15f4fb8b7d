// Tar validation on libarchive's reader, fed from a ByteSource.
#include "assemble/tar_check.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <exception>
#include <memory>
#include <vector>

#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

struct ReaderFree {
    void operator()(archive* reader) const { archive_read_free(reader); }
};

// libarchive pulls through this; exceptions must not cross its C frames, so they wait here.
struct Feed {
    ByteSource& source;
    std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(1 << 20);
    std::exception_ptr error;
};

la_ssize_t read_callback(archive*, void* data, const void** block) {
    auto* feed = static_cast<Feed*>(data);
    try {
        *block = feed->buffer.data();
        return static_cast<la_ssize_t>(feed->source.read(feed->buffer.data(), feed->buffer.size()));
    } catch (...) {
        feed->error = std::current_exception();
        return -1;
    }
}

}  // namespace

void check_tar_stream(ByteSource& source, const std::string& what) {
    std::unique_ptr<archive, ReaderFree> reader(archive_read_new());
    if (!reader) throw Error("cannot create a tar reader: out of memory");
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_gnutar(reader.get());
    Feed feed{source};
    auto fail = [&](const char* when) {
        if (feed.error) std::rethrow_exception(feed.error);
        const char* message = archive_error_string(reader.get());
        throw Error(what + " is not a valid tar archive (" + when + ": " +
                    (message ? message : "unknown error") + ")");
    };
    if (archive_read_open(reader.get(), &feed, nullptr, read_callback, nullptr) != ARCHIVE_OK) {
        fail("opening");
    }
    archive_entry* entry = nullptr;
    while (true) {
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF) break;
        if (status < ARCHIVE_WARN) fail("reading a header");
        if (archive_read_data_skip(reader.get()) < ARCHIVE_WARN) fail("reading an entry");
    }
    // What follows the end-of-archive blocks (padding to a record) still belongs to the stream.
    CountingSink rest;
    copy_stream(source, rest);
}

}  // namespace cairn::assemble
