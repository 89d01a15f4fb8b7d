// A directory of one process's temporary files, locked while the process lives, so that what a
// killed process left can be told from what a live one is writing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "oci/file.hpp"
#include "oci/interrupt.hpp"

namespace cairn::oci {

struct SweptFiles {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    SweptFiles& operator+=(const SweptFiles& other) {
        files += other.files;
        bytes += other.bytes;
        return *this;
    }
};

// Made as `parent/prefix` + a random suffix, mode 0700, and held with an exclusive flock(2) on
// itself for as long as this object lives (the kernel lets go when the process dies, even by
// SIGKILL). Destroyed, it is removed with everything in it; SIGINT/SIGTERM/SIGHUP remove it too.
// A directory of that name nobody holds belongs to a process that is gone: sweep() removes it.
class WorkDirectory {
  public:
    WorkDirectory(const std::filesystem::path& parent, std::string_view prefix);
    ~WorkDirectory();
    WorkDirectory(const WorkDirectory&) = delete;
    WorkDirectory& operator=(const WorkDirectory&) = delete;

    const std::filesystem::path& path() const { return path_; }

    // Removes each `parent/prefix*` directory whose lock can be taken (its owner is gone);
    // counts the files in them. A missing `parent` is nothing to sweep.
    static SweptFiles sweep(const std::filesystem::path& parent, std::string_view prefix);
    // What sweep() would remove, without removing it.
    static SweptFiles stale(const std::filesystem::path& parent, std::string_view prefix);

  private:
    std::filesystem::path path_;
    UniqueFd lock_;
    RemoveOnInterrupt cleanup_;
};

// The files below `directory` and their bytes (for what a sweep frees).
SweptFiles count_files(const std::filesystem::path& directory);

}  // namespace cairn::oci
