// Descriptors, temporary files renamed into place, and small-file helpers.
#include "oci/file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "oci/error.hpp"

namespace cairn::oci {

namespace {

std::string random_suffix() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    for (int i = 0; i < 12; ++i) out.push_back(kChars[generator() % (sizeof kChars - 1)]);
    return out;
}

void write_all(int fd, const std::uint8_t* data, std::size_t size, const std::string& name) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(system_error_text("cannot write " + name, errno));
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

}  // namespace

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

DirectoryLock::DirectoryLock(const std::filesystem::path& directory,
                             const std::function<void()>& on_wait, Mode mode)
    : fd_(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (!fd_) throw Error(system_error_text("cannot open " + directory.string(), errno));
    int operation = mode == Mode::shared ? LOCK_SH : LOCK_EX;
    if (::flock(fd_.get(), operation | LOCK_NB) == 0) return;
    if (errno != EWOULDBLOCK && errno != EINTR)
        throw Error(system_error_text("cannot lock " + directory.string(), errno));
    if (on_wait) on_wait();
    while (::flock(fd_.get(), operation) != 0) {
        if (errno != EINTR)
            throw Error(system_error_text("cannot lock " + directory.string(), errno));
    }
}

std::optional<FileIdentity> FileIdentity::of(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return std::nullopt;
    return FileIdentity{static_cast<std::uint64_t>(info.st_dev),
                        static_cast<std::uint64_t>(info.st_ino)};
}

std::optional<FileIdentity> FileIdentity::of(int fd) {
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0) return std::nullopt;
    return FileIdentity{static_cast<std::uint64_t>(info.st_dev),
                        static_cast<std::uint64_t>(info.st_ino)};
}

TemporaryFile::TemporaryFile(const std::filesystem::path& final_path,
                             const std::filesystem::path& in_directory)
    : final_path_(final_path) {
    auto directory = in_directory.empty() ? final_path.parent_path() : in_directory;
    // The hidden name keeps it out of the way of anything listing the directory; the random
    // part lets several processes write the same final file at once.
    for (int attempt = 0; attempt < 16 && !fd_; ++attempt) {
        temporary_path_ = directory / (".tmp-" + final_path.filename().string().substr(0, 40) +
                                       "-" + random_suffix());
        fd_.reset(::open(temporary_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        if (!fd_ && errno != EEXIST) {
            throw Error(system_error_text(
                "cannot create a file in " + (directory.empty() ? std::string(".") : directory.string()),
                errno));
        }
    }
    if (!fd_) throw Error("cannot create a temporary file in " + directory.string());
    cleanup_ = RemoveOnInterrupt(temporary_path_, RemoveOnInterrupt::Kind::file);
}

TemporaryFile::~TemporaryFile() {
    discard();
}

void TemporaryFile::write(const std::uint8_t* data, std::size_t size) {
    if (!fd_) throw Error("write to a closed temporary file " + temporary_path_.string());
    write_all(fd_.get(), data, size, temporary_path_.string());
}

void TemporaryFile::commit(const std::filesystem::path& final_path) {
    final_path_ = final_path;
    commit();
}

void TemporaryFile::commit() {
    if (!fd_) throw Error("commit of a closed temporary file " + temporary_path_.string());
    if (::fsync(fd_.get()) != 0) {
        throw Error(system_error_text("cannot sync " + temporary_path_.string(), errno));
    }
    fd_.reset();
    if (::rename(temporary_path_.c_str(), final_path_.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary_path_.c_str());
        throw Error(
            system_error_text("cannot move a file into place at " + final_path_.string(), error));
    }
    temporary_path_.clear();
    cleanup_.release();
    fsync_directory(final_path_.parent_path());
}

void TemporaryFile::discard() {
    if (temporary_path_.empty()) return;
    fd_.reset();
    ::unlink(temporary_path_.c_str());
    temporary_path_.clear();
    cleanup_.release();
}

FileSource::FileSource(const std::filesystem::path& path) : path_(path) {
    fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_) throw Error(system_error_text("cannot open " + path.string(), errno));
    struct stat info {};
    if (::fstat(fd_.get(), &info) != 0)
        throw Error(system_error_text("cannot stat " + path.string(), errno));
    if (S_ISDIR(info.st_mode)) throw Error(path.string() + " is a directory, not a file");
    size_ = static_cast<std::uint64_t>(info.st_size);
}

std::size_t FileSource::read(std::uint8_t* data, std::size_t capacity) {
    while (true) {
        ssize_t n = ::read(fd_.get(), data, capacity);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) throw Error(system_error_text("cannot read " + path_.string(), errno));
    }
}

void FdSink::write(const std::uint8_t* data, std::size_t size) {
    write_all(fd_, data, size, name_);
}

std::string read_small_file(const std::filesystem::path& path, std::size_t max_size) {
    FileSource source(path);
    if (source.size() > max_size) {
        throw Error(path.string() + " is too large (" + std::to_string(source.size()) +
                    " bytes; the limit is " + std::to_string(max_size) + ")");
    }
    std::string content(source.size(), '\0');
    std::size_t filled = 0;
    while (filled < content.size()) {
        auto n = source.read(reinterpret_cast<std::uint8_t*>(content.data()) + filled,
                             content.size() - filled);
        if (n == 0) break;
        filled += n;
    }
    content.resize(filled);
    return content;
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    TemporaryFile file(path);
    file.write(content);
    file.commit();
}

void fsync_directory(const std::filesystem::path& directory) {
    UniqueFd fd(
        ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd) ::fsync(fd.get());  // best effort: some file systems refuse fsync on directories
}

}  // namespace cairn::oci
