// Writing a collected file tree as a reproducible tar stream through libarchive.
#include "assemble/layer/tar_tree.hpp"

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

#include "assemble/layer/file_tree.hpp"
#include "assemble/layer/tar_stream.hpp"
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

// A header built from the collected metadata only: nothing of the machine (owner names,
// atime, ctime, ACLs, file flags, xattrs but file capabilities) can leak into the layer.
ArchiveEntryHandle make_entry(const TreeEntry& item, std::int64_t mtime) {
    ArchiveEntryHandle entry = new_archive_entry();
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
            // A SCHILY.xattr.security.capability pax record, as Docker, umoci and GNU tar
            // --xattrs write and read it.
            if (!item.capability.empty() && item.hardlink_target.empty()) {
                archive_entry_xattr_add_entry(entry.get(), kCapabilityAttribute,
                                              item.capability.data(), item.capability.size());
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
                  std::vector<std::uint8_t>& buffer, TarStreamWriter& tar) {
    const std::string name = item.source.string();
    std::uint64_t left = size;
    while (left > 0) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
        std::size_t got = read_some(fd, buffer.data(), want, name);
        if (got == 0) {
            throw Error(name + " shrank while being archived; archive it again once it is stable");
        }
        tar.data(buffer.data(), got, item.path);
        left -= got;
    }
    if (read_some(fd, buffer.data(), 1, name) != 0) {
        throw Error(name + " grew while being archived; archive it again once it is stable");
    }
}

void write_item(const TreeEntry& item, const TarOptions& options, std::vector<std::uint8_t>& buffer,
                TarStreamWriter& tar) {
    ArchiveEntryHandle entry = make_entry(item, options.mtime);
    oci::UniqueFd fd;
    std::uint64_t size = 0;
    bool has_content = item.kind == EntryKind::regular && item.hardlink_target.empty();
    if (has_content) {
        // The size for the header comes from the open file, so a change after the walk is
        // still caught by copy_content.
        fd = open_content(item, size);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    }
    std::string warning = tar.header(entry.get());
    if (!warning.empty() && options.warn) options.warn(item.path + ": " + warning);
    if (has_content) copy_content(fd.get(), size, item, buffer, tar);
}

}  // namespace

void write_tar(const std::vector<TreeInput>& inputs, const TarOptions& options, ByteSink& out) {
    std::vector<TreeEntry> tree = collect_tree(inputs, options);
    Utf8Ctype utf8_names;
    TarStreamWriter tar(out);
    std::vector<std::uint8_t> buffer(kChunkSize);
    for (const TreeEntry& item : tree) write_item(item, options, buffer, tar);
    tar.finish();
}

}  // namespace cairn::assemble
