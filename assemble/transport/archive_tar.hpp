// Tar files as containers of named files (image archives): safe extraction, deterministic writing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/image_source.hpp"
#include "oci/stream.hpp"

namespace cairn::assemble {

// A directory of our own, mode 0700, removed with everything in it when destroyed.
class ScratchDirectory {
  public:
    // Made in `parent` as `prefix` + a random suffix; an Error naming `parent` if it cannot be.
    ScratchDirectory(const std::filesystem::path& parent, std::string_view prefix);
    // In $TMPDIR (else /tmp).
    explicit ScratchDirectory(std::string_view prefix);
    ~ScratchDirectory();
    ScratchDirectory(const ScratchDirectory&) = delete;
    ScratchDirectory& operator=(const ScratchDirectory&) = delete;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// "oci-archive:FILE" or "oci-archive:FILE:REF": how an archive is named to the user.
std::string archive_name(std::string_view transport, const std::filesystem::path& file,
                         const std::string& reference = {});

// The members of a tar file (plain, gzip or zstd), extracted into a private scratch directory
// so that they can be read as files, one at a time, whatever their size. Member names are
// normalised ("./a//b" is "a/b"); a name with a ".." component is an Error, so nothing lands
// outside the directory. Symbolic and hard links between members become hard links to the
// member they name (never links on disk that could point outside); links to nothing are
// dropped. Devices, FIFOs and other special members are skipped.
class ExtractedArchive {
  public:
    // `what` names the archive in errors, e.g. "docker-archive:out.tar".
    ExtractedArchive(const std::filesystem::path& file, std::string what);

    // The file holding member `name` (in any spelling "./x", "x"), or nothing.
    std::optional<std::filesystem::path> find(std::string_view name) const;
    // The same, or an Error naming the member and the archive.
    std::filesystem::path path_of(std::string_view name) const;
    // The extracted tree: member "a/b" is root() / "a/b".
    const std::filesystem::path& root() const { return directory_.path(); }
    const std::string& what() const { return what_; }

  private:
    void extract(const std::filesystem::path& file);
    void resolve_links();

    std::string what_;
    ScratchDirectory directory_;
    // Link member -> (is symbolic, the name it points to as written in the archive).
    std::map<std::string, std::pair<bool, std::string>> links_;
};

// "./a//b/" -> "a/b"; std::nullopt for a name that would leave the archive ("..", empty).
std::optional<std::string> normalise_member_name(std::string_view name);

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
// FILE (on its file system, where the user expects the space to be used) and, once its
// manifest has come (last), written as one reproducible tar to a temporary file renamed over
// FILE: readers never see a partial archive, and a failed copy leaves FILE as it was.
class ArchiveFileTarget : public oci::ImageTarget {
  public:
    std::string name() const override { return name_; }

  protected:
    // An Error naming `name` if the directory of `file` is missing or `file` is a directory.
    ArchiveFileTarget(const std::filesystem::path& file, std::string name);
    const std::filesystem::path& staging() const { return staging_.path(); }
    // The archive of `members` (sorted, mtime SOURCE_DATE_EPOCH or 0) put in place as FILE.
    void write_file(std::vector<ArchiveMember> members) const;

  private:
    std::filesystem::path file_;
    std::string name_;
    ScratchDirectory staging_;
};

}  // namespace cairn::assemble
