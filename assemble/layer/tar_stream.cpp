// libarchive's tar reader and writer on ByteSource / ByteSink.
#include "assemble/layer/tar_stream.hpp"

#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

std::string with_detail(std::string message, archive* handle) {
    const char* detail = archive_error_string(handle);
    return detail != nullptr ? message + ": " + detail : message;
}

}  // namespace

ArchiveEntryHandle new_archive_entry() {
    ArchiveEntryHandle entry(archive_entry_new());
    if (!entry) throw Error("cannot create a tar entry: out of memory");
    return entry;
}

TarStreamWriter::TarStreamWriter(ByteSink& out) : out_(out), archive_(archive_write_new()) {
    if (!archive_) throw Error("cannot create a tar writer: out of memory");
    // Extended attributes only as SCHILY.xattr records (what Docker, Go's archive/tar and GNU
    // tar read), not also as LIBARCHIVE.xattr ones.
    if (archive_write_set_format_pax_restricted(archive_.get()) != ARCHIVE_OK ||
        archive_write_set_format_option(archive_.get(), "pax", "xattrheader", "SCHILY") !=
            ARCHIVE_OK ||
        archive_write_add_filter_none(archive_.get()) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(archive_.get(), 1) != ARCHIVE_OK ||
        archive_write_open(archive_.get(), this, nullptr, &TarStreamWriter::on_write, nullptr) !=
            ARCHIVE_OK) {
        fail("cannot start the tar stream");
    }
    discard_ = false;
}

TarStreamWriter::~TarStreamWriter() {
    if (!finished_) discard_ = true;
}

std::string TarStreamWriter::header(archive_entry* entry) {
    int status = archive_write_header(archive_.get(), entry);
    if (status < ARCHIVE_WARN) {
        const char* path = archive_entry_pathname(entry);
        fail("cannot write the tar header of " + std::string(path ? path : "an entry"));
    }
    if (status == ARCHIVE_WARN) return archive_error_string(archive_.get());
    return {};
}

void TarStreamWriter::data(const void* bytes, std::size_t size, const std::string& name) {
    if (size > 0 && archive_write_data(archive_.get(), bytes, size) < 0)
        fail("cannot write " + name);
}

void TarStreamWriter::finish() {
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) fail("cannot finish the tar stream");
    finished_ = true;
}

la_ssize_t TarStreamWriter::on_write(archive*, void* self, const void* data, size_t size) {
    auto* writer = static_cast<TarStreamWriter*>(self);
    if (writer->discard_) return static_cast<la_ssize_t>(size);
    try {
        writer->out_.write(static_cast<const std::uint8_t*>(data), size);
        return static_cast<la_ssize_t>(size);
    } catch (...) {
        writer->sink_error_ = std::current_exception();
        return -1;
    }
}

void TarStreamWriter::fail(const std::string& what) {
    discard_ = true;
    if (sink_error_) std::rethrow_exception(sink_error_);
    throw Error(with_detail(what, archive_.get()));
}

TarStreamReader::TarStreamReader(ByteSource& in, std::string what,
                                 std::function<std::int64_t(std::int64_t)> skip)
    : in_(in), what_(std::move(what)), skip_(std::move(skip)), archive_(archive_read_new()) {
    if (!archive_) throw Error("cannot create a tar reader: out of memory");
    if (skip_) archive_read_set_skip_callback(archive_.get(), &TarStreamReader::on_skip);
    if (archive_read_support_format_tar(archive_.get()) != ARCHIVE_OK ||
        archive_read_support_filter_none(archive_.get()) != ARCHIVE_OK ||
        archive_read_open(archive_.get(), this, nullptr, &TarStreamReader::on_read, nullptr) !=
            ARCHIVE_OK) {
        fail("is not a tar archive");
    }
}

archive_entry* TarStreamReader::next() {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(archive_.get(), &entry);
    if (status == ARCHIVE_EOF) return nullptr;
    if (status < ARCHIVE_WARN) fail("is not a readable tar archive");
    return entry;
}

std::size_t TarStreamReader::read_data(std::uint8_t* data, std::size_t capacity,
                                       const std::string& member) {
    la_ssize_t n = archive_read_data(archive_.get(), data, capacity);
    if (n < 0) fail("is damaged at member " + member);
    return static_cast<std::size_t>(n);
}

void TarStreamReader::skip_data(const std::string& member) {
    if (archive_read_data_skip(archive_.get()) < ARCHIVE_WARN)
        fail("is damaged at member " + member);
}

std::uint64_t TarStreamReader::position() const {
    // Filter 0 is the one nearest the format, here the plain tar: its position counts what
    // the tar reader consumed (headers, data, padding), not what it read ahead.
    auto bytes = archive_filter_bytes(archive_.get(), 0);
    return bytes < 0 ? 0 : static_cast<std::uint64_t>(bytes);
}

la_int64_t TarStreamReader::on_skip(archive*, void* self, la_int64_t request) {
    auto* reader = static_cast<TarStreamReader*>(self);
    try {
        return reader->skip_(request);
    } catch (...) {
        reader->source_error_ = std::current_exception();
        return 0;  // libarchive reads instead, and the source's error comes up from there
    }
}

la_ssize_t TarStreamReader::on_read(archive*, void* self, const void** buffer) {
    auto* reader = static_cast<TarStreamReader*>(self);
    try {
        *buffer = reader->buffer_.data();
        return static_cast<la_ssize_t>(
            reader->in_.read(reader->buffer_.data(), reader->buffer_.size()));
    } catch (...) {
        reader->source_error_ = std::current_exception();
        return -1;
    }
}

void TarStreamReader::fail(const std::string& problem) {
    if (source_error_) std::rethrow_exception(source_error_);
    throw Error(with_detail(what_ + " " + problem, archive_.get()));
}

}  // namespace cairn::assemble
