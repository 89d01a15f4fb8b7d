// A file the user names as an output (`layer --to FILE`, `oci-archive:FILE`, `--metrics FILE`),
// written the way GNU tar and skopeo write theirs: through devices, FIFOs and /dev/std*, to
// the target of a symbolic link, and atomically (temporary file, rename) only over a regular
// file or a new name.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "oci/file.hpp"
#include "oci/stream.hpp"

namespace cairn::oci {

// Where an output goes, decided before anything is written.
struct OutputPlace {
    // The file that is replaced or created: the end of the chain of symbolic links the user's
    // path starts (a dangling link is followed to the name it gives, as open(2) would).
    std::filesystem::path path;
    // Written through an open descriptor, never replaced: a device, a FIFO, a socket, or
    // anything reached through /dev/stdout, /dev/fd/N or /proc/PID/fd/N (the file a shell
    // redirected, which a rename would cut off from its reader).
    bool through = false;
    // An existing regular file to replace: its mode and owner are kept.
    std::optional<mode_t> mode;
    std::optional<uid_t> owner;
    std::optional<gid_t> group;
    std::optional<FileIdentity> existing;

    // A directory, a missing parent directory or a link loop is an Error naming `path`.
    static OutputPlace of(const std::filesystem::path& path);
};

class OutputFile : public ByteSink {
  public:
    explicit OutputFile(const std::filesystem::path& path);
    void write(const std::uint8_t* data, std::size_t size) override;
    using ByteSink::write;
    // The bytes are complete: renamed into place (or, written through, flushed and closed).
    // Destroyed without it, a temporary file is removed (what was written through stays).
    void commit();

    const OutputPlace& place() const { return place_; }
    // The files this output occupies while it is written (its temporary file, the file it
    // replaces, the node it writes through), so that a walk of the inputs can leave them out
    // (GNU tar: "file is the archive; not dumped").
    std::vector<FileIdentity> identities() const;

  private:
    std::filesystem::path name_;  // as the user wrote it, for messages
    OutputPlace place_;
    std::optional<TemporaryFile> temporary_;
    UniqueFd through_;
};

// The identities of an output the user names that may already exist (an archive, a layout
// directory: a walk leaves a directory out with everything in it), links followed; empty when
// there is nothing there yet.
std::vector<FileIdentity> existing_output_identities(const std::filesystem::path& path);

// Writes `content` as the output `path` (OutputFile, committed).
void write_output_file(const std::filesystem::path& path, std::string_view content);

}  // namespace cairn::oci
