// Writing a collected file tree as a reproducible tar stream through libarchive.
#include "assemble/tar_tree.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "assemble/file_tree.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace {

constexpr std::size_t kChunkSize = 64 * 1024;

// libarchive converts names from the thread's locale to UTF-8 for pax headers: under "C" a
// UTF-8 name fails to convert and is written with hdrcharset=BINARY, under C.UTF-8 it is not.
// Pinning LC_CTYPE for the write makes the bytes the same whatever locale the caller runs in.
class Utf8Ctype {
public:
    Utf8Ctype() {
        for (const char* name : {"C.UTF-8", "C.utf8", "en_US.UTF-8"}) {
            locale_ = ::newlocale(LC_CTYPE_MASK, name, locale_t{});
            if (locale_ != locale_t{}) break;
        }
        if (locale_ != locale_t{}) {
            previous_ = ::uselocale(locale_);
            return;
        }
        if (std::strcmp(::nl_langinfo(CODESET), "UTF-8") != 0) {
            throw Error(
                "no UTF-8 locale (C.UTF-8) is installed; tar headers would depend on "
                "the current locale");
        }
    }
    ~Utf8Ctype() {
        if (locale_ == locale_t{}) return;
        ::uselocale(previous_);
        ::freelocale(locale_);
    }
    Utf8Ctype(const Utf8Ctype&) = delete;
    Utf8Ctype& operator=(const Utf8Ctype&) = delete;

private:
    locale_t locale_{};
    locale_t previous_{};
};

struct EntryFree {
    void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};
using EntryHandle = std::unique_ptr<archive_entry, EntryFree>;

struct ArchiveFree {
    void operator()(archive* writer) const { archive_write_free(writer); }
};
using ArchiveHandle = std::unique_ptr<archive, ArchiveFree>;

// A libarchive writer whose output goes to a ByteSink. Exceptions must not unwind through
// libarchive's C frames, so the callback keeps the sink's exception and fail() rethrows it.
class TarStream {
public:
    explicit TarStream(ByteSink& out) : out_(out), archive_(archive_write_new()) {
        if (!archive_) throw Error("cannot create a tar writer: out of memory");
        // Restricted pax: plain ustar headers, pax extended headers only where ustar cannot
        // say it (long or non-ASCII names, huge sizes).
        if (archive_write_set_format_pax_restricted(archive_.get()) != ARCHIVE_OK ||
            archive_write_add_filter_none(archive_.get()) != ARCHIVE_OK ||
            // No padding of the last 10240-byte block: the layer ends with the two zero blocks
            // of the tar trailer, as other image builders write it.
            archive_write_set_bytes_in_last_block(archive_.get(), 1) != ARCHIVE_OK ||
            archive_write_open(archive_.get(), this, nullptr, &TarStream::on_write, nullptr) !=
                ARCHIVE_OK) {
            fail("cannot start the tar stream");
        }
        discard_ = false;
    }

    ~TarStream() {
        // After a failure libarchive would still flush its buffer and trailer when freed; a
        // broken layer must not reach the sink.
        if (!finished_) discard_ = true;
    }
    TarStream(const TarStream&) = delete;
    TarStream& operator=(const TarStream&) = delete;

    // Returns libarchive's warning text (e.g. a name that is not UTF-8), empty if none.
    std::string write_header(archive_entry* entry) {
        int status = archive_write_header(archive_.get(), entry);
        if (status < ARCHIVE_WARN) fail("cannot write the tar header of " + path_of(entry));
        if (status == ARCHIVE_WARN) return archive_error_string(archive_.get());
        return {};
    }

    void write_data(const void* data, std::size_t size, const std::string& path) {
        if (archive_write_data(archive_.get(), data, size) < 0) fail("cannot write " + path);
    }

    void finish() {
        if (archive_write_close(archive_.get()) != ARCHIVE_OK) fail("cannot finish the tar stream");
        finished_ = true;
    }

private:
    static std::string path_of(archive_entry* entry) {
        const char* path = archive_entry_pathname(entry);
        return path == nullptr ? std::string("an entry") : std::string(path);
    }

    static la_ssize_t on_write(struct archive*, void* self, const void* data, size_t size) {
        auto* stream = static_cast<TarStream*>(self);
        if (stream->discard_) return static_cast<la_ssize_t>(size);
        try {
            stream->out_.write(static_cast<const std::uint8_t*>(data), size);
            return static_cast<la_ssize_t>(size);
        } catch (...) {
            stream->sink_error_ = std::current_exception();
            return -1;
        }
    }

    [[noreturn]] void fail(const std::string& what) {
        if (sink_error_) std::rethrow_exception(sink_error_);
        const char* detail = archive_error_string(archive_.get());
        throw Error(what + (detail != nullptr ? std::string(": ") + detail : std::string()));
    }

    ByteSink& out_;
    std::exception_ptr sink_error_;
    // Nothing reaches the sink before the stream is open or after it failed.
    bool discard_ = true;
    bool finished_ = false;
    // Last, so that it is freed (and flushes) while the flags above still live.
    ArchiveHandle archive_;
};

// A header built from the collected metadata only: nothing of the machine (owner names,
// atime, ctime, xattrs, ACLs, file flags) can leak into the layer.
EntryHandle make_entry(const TreeEntry& item, std::int64_t mtime) {
    EntryHandle entry(archive_entry_new());
    if (!entry) throw Error("cannot create a tar entry: out of memory");
    archive_entry_copy_pathname(entry.get(), item.path.c_str());
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(mtime), 0);
    switch (item.kind) {
        case EntryKind::directory:
            archive_entry_set_filetype(entry.get(), AE_IFDIR);
            break;
        case EntryKind::symlink:
            archive_entry_set_filetype(entry.get(), AE_IFLNK);
            archive_entry_copy_symlink(entry.get(), item.symlink_target.c_str());
            break;
        case EntryKind::regular:
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            if (!item.hardlink_target.empty()) {
                archive_entry_copy_hardlink(entry.get(), item.hardlink_target.c_str());
            }
            break;
    }
    archive_entry_set_perm(entry.get(), item.mode);
    archive_entry_set_size(entry.get(), 0);
    return entry;
}

// Opens a regular file for its content, checking it is still the file that was walked.
oci::UniqueFd open_content(const TreeEntry& item, std::uint64_t& size) {
    const std::string name = item.source.string();
    // O_NONBLOCK: should a FIFO have replaced the file since the walk, open must not wait for
    // a writer; fstat then rejects it.
    oci::UniqueFd fd(
        ::open(item.source.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) throw Error(system_error_text("cannot open " + name, errno));
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) throw Error(system_error_text("cannot stat " + name, errno));
    if (!S_ISREG(st.st_mode)) throw Error(name + " stopped being a regular file while archiving");
    size = static_cast<std::uint64_t>(st.st_size);
    return fd;
}

std::size_t read_some(int fd, std::uint8_t* buffer, std::size_t capacity, const std::string& name) {
    for (;;) {
        ssize_t n = ::read(fd, buffer, capacity);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) throw Error(system_error_text("cannot read " + name, errno));
    }
}

// Streams exactly `size` bytes; a file that shrinks or grows meanwhile would make the header
// lie, so it is an error rather than a corrupt layer.
void copy_content(int fd, std::uint64_t size, const TreeEntry& item,
                  std::vector<std::uint8_t>& buffer, TarStream& tar) {
    const std::string name = item.source.string();
    std::uint64_t left = size;
    while (left > 0) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
        std::size_t got = read_some(fd, buffer.data(), want, name);
        if (got == 0) {
            throw Error(name + " shrank while being archived; archive it again once it is stable");
        }
        tar.write_data(buffer.data(), got, item.path);
        left -= got;
    }
    if (read_some(fd, buffer.data(), 1, name) != 0) {
        throw Error(name + " grew while being archived; archive it again once it is stable");
    }
}

void write_item(const TreeEntry& item, const TarOptions& options, std::vector<std::uint8_t>& buffer,
                TarStream& tar) {
    EntryHandle entry = make_entry(item, options.mtime);
    oci::UniqueFd fd;
    std::uint64_t size = 0;
    bool has_content = item.kind == EntryKind::regular && item.hardlink_target.empty();
    if (has_content) {
        // The size for the header comes from the open file, so a change after the walk is
        // still caught by copy_content.
        fd = open_content(item, size);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    }
    std::string warning = tar.write_header(entry.get());
    if (!warning.empty() && options.warn) options.warn(item.path + ": " + warning);
    if (has_content) copy_content(fd.get(), size, item, buffer, tar);
}

}  // namespace

void write_tar(const std::vector<TreeInput>& inputs, const TarOptions& options, ByteSink& out) {
    std::vector<TreeEntry> tree = collect_tree(inputs, options);
    Utf8Ctype utf8_names;
    TarStream tar(out);
    std::vector<std::uint8_t> buffer(kChunkSize);
    for (const TreeEntry& item : tree) write_item(item, options, buffer, tar);
    tar.finish();
}

}  // namespace cairn::assemble
