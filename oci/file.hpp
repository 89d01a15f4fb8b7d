// File primitives for crash-safe storage: owned descriptors, temporary files renamed into place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "oci/interrupt.hpp"
#include "oci/stream.hpp"

namespace cairn::oci {

// An owned file descriptor.
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

  private:
    int fd_ = -1;
};

// Which file a path or descriptor is (device and inode): how an input walk recognises the
// output it is writing.
struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    bool operator==(const FileIdentity&) const = default;
    // Of what `path` names (links followed), or nothing when it does not exist.
    static std::optional<FileIdentity> of(const std::filesystem::path& path);
    static std::optional<FileIdentity> of(int fd);
};

// A flock(2) on a directory itself, held until destroyed: no lock file is left behind, and
// flock(1) on the same directory takes part. Exclusive, or shared with other shared holders.
// When another process holds it, `on_wait` (may be empty) is called once before blocking, so
// the user knows why nothing moves.
class DirectoryLock {
  public:
    enum class Mode { exclusive, shared };
    explicit DirectoryLock(const std::filesystem::path& directory,
                           const std::function<void()>& on_wait = {}, Mode mode = Mode::exclusive);

  private:
    UniqueFd fd_;
};

// A file written under a temporary name in its final directory (or in `directory`, on the same
// file system), then fsynced and renamed over the final name by commit(). Destroyed
// uncommitted, it removes itself, and SIGINT/SIGTERM/SIGHUP remove it too: readers never see a
// partial file.
class TemporaryFile : public ByteSink {
  public:
    explicit TemporaryFile(const std::filesystem::path& final_path,
                           const std::filesystem::path& directory = {});
    ~TemporaryFile() override;
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    void write(const std::uint8_t* data, std::size_t size) override;
    using ByteSink::write;
    // fsync, rename into place, fsync the directory.
    void commit();
    // The same, to another final name in the same directory (known only once the content is).
    void commit(const std::filesystem::path& final_path);
    // Drops the temporary file (also done by the destructor).
    void discard();
    const std::filesystem::path& temporary_path() const { return temporary_path_; }
    // The open temporary file (for fchmod, fstat); -1 once committed or discarded.
    int fd() const { return fd_.get(); }

  private:
    std::filesystem::path final_path_;
    std::filesystem::path temporary_path_;
    UniqueFd fd_;
    RemoveOnInterrupt cleanup_;
};

// A file read as a stream.
class FileSource : public ByteSource {
  public:
    explicit FileSource(const std::filesystem::path& path);
    std::size_t read(std::uint8_t* data, std::size_t capacity) override;
    // The size at open.
    std::uint64_t size() const { return size_; }
    int fd() const { return fd_.get(); }

  private:
    std::filesystem::path path_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
};

// Writes sink output to an already open file descriptor (e.g. standard output).
class FdSink : public ByteSink {
  public:
    FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
    void write(const std::uint8_t* data, std::size_t size) override;
    using ByteSink::write;

  private:
    int fd_;
    std::string name_;
};

// Reads a whole small file; more than `max_size` bytes is an Error naming the file.
std::string read_small_file(const std::filesystem::path& path, std::size_t max_size);
// Replaces a small file atomically (temporary file, fsync, rename).
void write_file_atomically(const std::filesystem::path& path, std::string_view content);
void fsync_directory(const std::filesystem::path& directory);

}  // namespace cairn::oci
