// User-named outputs: the chain of links walked by hand (to tell a shell's redirection from a
// file), then a descriptor written through or a temporary file renamed over the target.
#include "oci/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "oci/error.hpp"

namespace cairn::oci {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxLinks = 40;  // as the kernel's ELOOP limit

std::optional<int> number(std::string_view text) {
    int value = -1;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

// The descriptor of this process that `path` names (/dev/stdout, /dev/fd/3, /proc/self/fd/1),
// if it names one.
std::optional<int> own_descriptor(const std::string& path) {
    if (path == "/dev/stdin") return 0;
    if (path == "/dev/stdout") return 1;
    if (path == "/dev/stderr") return 2;
    for (std::string prefix : {std::string("/dev/fd/"), std::string("/proc/self/fd/"),
                               "/proc/" + std::to_string(::getpid()) + "/fd/"}) {
        if (path.starts_with(prefix)) return number(std::string_view(path).substr(prefix.size()));
    }
    return std::nullopt;
}

// Another process's descriptor (/proc/PID/fd/N): opened, never replaced either.
bool names_descriptor(const std::string& path) {
    if (own_descriptor(path)) return true;
    if (!path.starts_with("/proc/")) return false;
    auto rest = std::string_view(path).substr(6);
    auto slash = rest.find('/');
    return slash != std::string_view::npos && rest.substr(slash).starts_with("/fd/");
}

}  // namespace

OutputPlace OutputPlace::of(const fs::path& path) {
    OutputPlace place;
    fs::path current = path;
    for (int hop = 0;; ++hop) {
        if (hop == kMaxLinks) {
            throw Error("cannot write " + path.string() + ": too many levels of symbolic links");
        }
        if (names_descriptor(fs::absolute(current).lexically_normal().string())) {
            place.path = current;
            place.through = true;
            return place;
        }
        struct stat link {};
        if (::lstat(current.c_str(), &link) != 0) {
            if (errno != ENOENT) {
                throw Error(system_error_text("cannot write " + path.string(), errno));
            }
            auto parent = current.parent_path();
            std::error_code error;
            if (!parent.empty() && !fs::is_directory(parent, error)) {
                throw Error("cannot write " + path.string() + ": the directory " +
                            parent.string() + " does not exist");
            }
            place.path = current;  // a new file (or the name a dangling link gives)
            return place;
        }
        if (!S_ISLNK(link.st_mode)) break;
        std::error_code error;
        fs::path target = fs::read_symlink(current, error);
        if (error) throw Error("cannot read the link " + current.string() + ": " + error.message());
        current = target.is_absolute() ? target : current.parent_path() / target;
    }
    struct stat info {};
    if (::stat(current.c_str(), &info) != 0)
        throw Error(system_error_text("cannot write " + path.string(), errno));
    place.path = current;
    if (S_ISDIR(info.st_mode)) throw Error("cannot write " + path.string() + ": it is a directory");
    if (!S_ISREG(info.st_mode)) {
        place.through = true;
        return place;
    }
    place.mode = info.st_mode & 07777;
    place.owner = info.st_uid;
    place.group = info.st_gid;
    place.existing = FileIdentity{static_cast<std::uint64_t>(info.st_dev),
                                  static_cast<std::uint64_t>(info.st_ino)};
    return place;
}

OutputFile::OutputFile(const fs::path& path) : name_(path), place_(OutputPlace::of(path)) {
    if (place_.through) {
        auto own = own_descriptor(fs::absolute(place_.path).lexically_normal().string());
        // The shell's descriptor itself keeps its offset and O_APPEND; a node is opened as it
        // is (a FIFO waits for its reader, as it does for tar).
        int fd = own ? ::fcntl(*own, F_DUPFD_CLOEXEC, 3)
                     : ::open(place_.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) throw Error(system_error_text("cannot write " + name_.string(), errno));
        through_.reset(fd);
        return;
    }
    temporary_.emplace(place_.path);
    if (place_.mode) {
        // The replaced file's mode and owner, before the first byte: a 0600 file stays 0600.
        if (::fchmod(temporary_->fd(), *place_.mode) != 0) {
            throw Error(system_error_text("cannot set the mode of " + place_.path.string(), errno));
        }
        if ((*place_.owner != ::geteuid() || *place_.group != ::getegid()) &&
            ::fchown(temporary_->fd(), *place_.owner, *place_.group) == 0) {
            ::fchmod(temporary_->fd(), *place_.mode);  // chown clears setuid bits
        }
    }
}

void OutputFile::write(const std::uint8_t* data, std::size_t size) {
    if (temporary_) {
        temporary_->write(data, size);
        return;
    }
    if (!through_) throw Error("write to " + name_.string() + " after it was finished");
    FdSink(through_.get(), name_.string()).write(data, size);
}

void OutputFile::commit() {
    if (temporary_) {
        temporary_->commit();
        return;
    }
    // A disk device or a file behind /dev/stdout is flushed; a pipe, FIFO or terminal
    // cannot be (EINVAL), which is no failure.
    if (::fsync(through_.get()) != 0 && errno != EINVAL && errno != EROFS) {
        throw Error(system_error_text("cannot write " + name_.string(), errno));
    }
    if (::close(through_.release()) != 0 && errno != EINTR) {
        throw Error(system_error_text("cannot write " + name_.string(), errno));
    }
}

std::vector<FileIdentity> OutputFile::identities() const {
    std::vector<FileIdentity> out;
    if (place_.existing) out.push_back(*place_.existing);
    if (temporary_) {
        if (auto identity = FileIdentity::of(temporary_->fd())) out.push_back(*identity);
    }
    if (auto identity = FileIdentity::of(through_.get())) out.push_back(*identity);
    return out;
}

std::vector<FileIdentity> existing_output_identities(const fs::path& path) {
    if (auto identity = FileIdentity::of(path)) return {*identity};
    return {};
}

void write_output_file(const fs::path& path, std::string_view content) {
    OutputFile file(path);
    file.write(content);
    file.commit();
}

}  // namespace cairn::oci
