// Deterministic tar streams of local files: the bytes of a layer before compression.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "oci/file.hpp"
#include "oci/stream.hpp"

namespace cairn::assemble {

// One `SRC[:DEST]` of the command line: a directory (its contents go under `dest`) or a
// regular file (placed at `dest`; a `dest` ending in '/' means `dest` + the file's name).
struct TreeInput {
    std::filesystem::path source;
    std::string dest = "/";
};

struct TarOptions {
    // Every entry's mtime: SOURCE_DATE_EPOCH, else 0.
    std::int64_t mtime = 0;
    // Paths (relative to an input directory, '/'-separated) to leave out; may be empty.
    std::function<bool(const std::string& relative, bool is_directory)> ignore;
    // Told of entries that are skipped (FIFOs, sockets, devices); may be empty.
    std::function<void(const std::string& message)> warn;
    // Files and directories the command is writing (its output, the temporary file of it, a
    // layout or the cache): left out with a warning, a directory with all below it, so that
    // an output inside an input never goes into itself (GNU tar: "file is the archive; not
    // dumped") and the layer is the same on every run.
    std::vector<oci::FileIdentity> outputs;
};

// Writes one uncompressed tar holding every input, merged and sorted by path, to `out`.
// Entries: uid/gid 0, no user or group names, modes kept, mtime from options, no atime/ctime,
// symlinks stored as links, hardlinks as hardlinks, parent directories of `dest` emitted.
// Two inputs naming the same non-directory path are an error.
// Directories above a `dest` (and the `dest` of a directory input) are 0755 unless an input
// gives them. FIFOs, sockets and devices are left out with a warning, and so are
// options.outputs. The bytes depend only on
// the inputs' names, types, modes, contents and link structure, and on options.mtime: not on
// readdir order, timestamps, owners, the process or its locale. Throws cairn::Error naming the
// path for a missing or unreadable source and for a file that changes size while it is read;
// an exception from `out` passes through unchanged.
void write_tar(const std::vector<TreeInput>& inputs, const TarOptions& options, ByteSink& out);

}  // namespace cairn::assemble
