// Writing image archives: deterministic tars of named files, and the archive targets' common part.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.hpp"
#include "oci/image_source.hpp"
#include "oci/stream.hpp"
#include "oci/work_directory.hpp"

namespace cairn::assemble {

// "oci-archive:FILE" or "oci-archive:FILE:REF": how an archive is named to the user.
std::string archive_name(std::string_view transport, const std::filesystem::path& file,
                         const std::string& reference = {});

// One member of an archive to write: a directory (name ends with '/'), a file streamed from
// `file`, or small `bytes` given inline.
struct ArchiveMember {
    std::string name;
    std::filesystem::path file;
    std::string bytes;
};

// The members for a directory tree: its subdirectories and regular files, relative names;
// hidden names (".tmp-…" files of interrupted writes) are left out.
std::vector<ArchiveMember> members_of_tree(const std::filesystem::path& root);

// Writes an uncompressed tar of `members`, sorted by name, so that the same members give the
// same bytes: uid/gid 0, no owner names, every mtime `mtime`, mode 0755 for directories and
// 0644 for files, no atime/ctime/xattrs. Files are streamed; a file that changes size while
// it is read is an Error.
void write_archive(std::vector<ArchiveMember> members, std::int64_t mtime, ByteSink& out);

// What the archive targets share: the image is gathered in a private, hidden directory next to
// FILE (on its file system, where the user expects the space to be used; in $TMPDIR when FILE
// is a device, a FIFO or /dev/stdout) and, once its manifest has come (last), written as one
// reproducible tar to a temporary file renamed over FILE (oci::OutputFile: written through a
// device or FIFO, to the target of a link, keeping the mode of the file it replaces): readers
// never see a partial archive, and a failed copy leaves FILE as it was. The private directory
// is locked while it is used (oci::WorkDirectory): those of killed copies are swept here.
class ArchiveFileTarget : public oci::ImageTarget {
  public:
    std::string name() const override { return name_; }

  protected:
    // An Error naming `name` if the directory of `file` is missing or `file` is a directory.
    ArchiveFileTarget(const std::filesystem::path& file, std::string name);
    const std::filesystem::path& staging() const { return staging_.path(); }
    // Runs `step` (a blob into the staging directory); when the staging directory is in
    // $TMPDIR, its errors say so (running out of room there is the user's to fix).
    template <typename Step>
    void staged(Step&& step) {
        try {
            step();
        } catch (const Error& error) {
            if (!staged_in_tmpdir_) throw;
            throw Error(std::string(error.what()) + " (" + name_ + " is gathered in $TMPDIR, " +
                        staging_.path().parent_path().string() +
                        ", before it is written out: point TMPDIR at a directory with room)");
        }
    }
    // The archive of `members` (sorted, mtime SOURCE_DATE_EPOCH or 0) put in place as FILE.
    void write_file(std::vector<ArchiveMember> members) const;

  private:
    std::filesystem::path file_;
    std::string name_;
    bool staged_in_tmpdir_ = false;
    oci::WorkDirectory staging_;
};

}  // namespace cairn::assemble
