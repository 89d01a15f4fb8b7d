// Locked working directories: mkdtemp, flock on the directory itself, and the sweep of those
// whose owner died.
#include "oci/work_directory.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "oci/error.hpp"

namespace cairn::oci {

namespace fs = std::filesystem;

namespace {

constexpr int kAttempts = 16;

bool same_file(int fd, const fs::path& path) {
    struct stat opened {};
    struct stat named {};
    return ::fstat(fd, &opened) == 0 && ::lstat(path.c_str(), &named) == 0 &&
           opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

// Visits each directory `parent/prefix*` that nobody holds, holding it meanwhile.
template <typename Visit>
void each_unheld(const fs::path& parent, std::string_view prefix, Visit visit) {
    std::error_code error;
    fs::directory_iterator it(parent, error);
    if (error) return;
    for (; it != fs::directory_iterator(); it.increment(error)) {
        if (error) return;
        auto name = it->path().filename().string();
        if (!name.starts_with(prefix) || !it->is_directory(error) || it->is_symlink(error))
            continue;
        UniqueFd fd(::open(it->path().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // its owner lives
        visit(it->path());
    }
}

}  // namespace

SweptFiles count_files(const fs::path& directory) {
    SweptFiles out;
    std::error_code error;
    fs::recursive_directory_iterator it(directory, error);
    if (error) return out;
    for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
        if (error) break;
        if (!it->is_regular_file(error)) continue;
        ++out.files;
        out.bytes += it->file_size(error);
    }
    return out;
}

WorkDirectory::WorkDirectory(const fs::path& parent, std::string_view prefix) {
    auto where = parent.empty() ? fs::path(".") : parent;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        std::string pattern = where / (std::string(prefix) + "XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw Error(system_error_text("cannot create a working directory in " + where.string(),
                                          errno));
        }
        UniqueFd fd(::open(pattern.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        // A sweep that took it between mkdtemp and the lock removes it: try another name.
        if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 || !same_file(fd.get(), pattern))
            continue;
        path_ = pattern;
        lock_ = std::move(fd);
        cleanup_ = RemoveOnInterrupt(path_, RemoveOnInterrupt::Kind::tree);
        return;
    }
    throw Error("cannot create a working directory in " + where.string());
}

WorkDirectory::~WorkDirectory() {
    // Best effort: a failure to clean up must not replace the error that is unwinding. Removed
    // while still locked, so that no sweep races this.
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

SweptFiles WorkDirectory::sweep(const fs::path& parent, std::string_view prefix) {
    SweptFiles out;
    each_unheld(parent, prefix, [&out](const fs::path& directory) {
        out += count_files(directory);
        std::error_code ignored;
        fs::remove_all(directory, ignored);
    });
    return out;
}

SweptFiles WorkDirectory::stale(const fs::path& parent, std::string_view prefix) {
    SweptFiles out;
    each_unheld(parent, prefix,
                [&out](const fs::path& directory) { out += count_files(directory); });
    return out;
}

}  // namespace cairn::oci
