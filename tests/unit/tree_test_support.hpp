// Test helpers for file trees and tars: scratch directories, a memory sink, a tar reader.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "oci/stream.hpp"

namespace cairn::assemble::testing {

namespace fs = std::filesystem;

// A fresh directory, removed with everything in it at the end of the test.
class ScratchDir {
  public:
    ScratchDir() {
        std::string pattern = (fs::temp_directory_path() / "cairn-tar-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
        // Readable by all, so that a test may drop privileges and still reach its files.
        fs::permissions(path_, fs::perms(0755));
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

  private:
    fs::path path_;
};

inline void write_file(const fs::path& path, const std::string& content, unsigned mode = 0644) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    fs::permissions(path, fs::perms(mode));
}

// `directory` first on PATH for the life of the object (fake tools a test puts there).
class PathPrepended {
  public:
    explicit PathPrepended(const fs::path& directory) {
        const char* path = std::getenv("PATH");
        saved_ = path ? path : "";
        ::setenv("PATH", (directory.string() + ":" + saved_).c_str(), 1);
    }
    ~PathPrepended() { ::setenv("PATH", saved_.c_str(), 1); }
    PathPrepended(const PathPrepended&) = delete;
    PathPrepended& operator=(const PathPrepended&) = delete;

  private:
    std::string saved_;
};

inline std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void make_dir(const fs::path& path, unsigned mode = 0755) {
    fs::create_directories(path);
    fs::permissions(path, fs::perms(mode));
}

class MemorySink : public ByteSink {
  public:
    void write(const std::uint8_t* data, std::size_t size) override {
        bytes.append(reinterpret_cast<const char*>(data), size);
    }
    using ByteSink::write;
    std::string bytes;
};

// One entry as libarchive's reader (an implementation independent of the writer's
// choices) sees it.
struct ReadEntry {
    std::string path;
    unsigned type = 0;  // AE_IFREG, AE_IFDIR, ...
    unsigned perm = 0;
    std::int64_t uid = -1;
    std::int64_t gid = -1;
    bool has_uname = false;
    bool has_gname = false;
    std::int64_t mtime = -1;
    bool has_atime = false;
    bool has_ctime = false;
    bool has_birthtime = false;
    int xattrs = 0;
    std::string symlink;
    std::string hardlink;
    std::int64_t size = -1;
    std::string data;
};

// The reader converts UTF-8 names to the thread's locale; a UTF-8 one keeps them intact.
class Utf8Reading {
  public:
    Utf8Reading() : locale_(::newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{})) {
        if (locale_ == locale_t{}) throw std::runtime_error("no C.UTF-8 locale");
        previous_ = ::uselocale(locale_);
    }
    ~Utf8Reading() {
        ::uselocale(previous_);
        ::freelocale(locale_);
    }
    Utf8Reading(const Utf8Reading&) = delete;
    Utf8Reading& operator=(const Utf8Reading&) = delete;

  private:
    locale_t locale_;
    locale_t previous_{};
};

inline std::vector<ReadEntry> read_tar(const std::string& bytes) {
    Utf8Reading utf8;
    std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(reader.get());
    if (archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
        throw std::runtime_error("cannot open tar");
    }
    std::vector<ReadEntry> out;
    archive_entry* entry = nullptr;
    int status;
    while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
        ReadEntry item;
        item.path = archive_entry_pathname(entry);
        item.type = archive_entry_filetype(entry);
        item.perm = archive_entry_perm(entry);
        item.uid = archive_entry_uid(entry);
        item.gid = archive_entry_gid(entry);
        const char* uname = archive_entry_uname(entry);
        const char* gname = archive_entry_gname(entry);
        item.has_uname = uname != nullptr && *uname != '\0';
        item.has_gname = gname != nullptr && *gname != '\0';
        item.mtime = archive_entry_mtime(entry);
        item.has_atime = archive_entry_atime_is_set(entry);
        item.has_ctime = archive_entry_ctime_is_set(entry);
        item.has_birthtime = archive_entry_birthtime_is_set(entry);
        item.xattrs = archive_entry_xattr_count(entry);
        if (const char* target = archive_entry_symlink(entry)) item.symlink = target;
        if (const char* target = archive_entry_hardlink(entry)) item.hardlink = target;
        item.size = archive_entry_size(entry);
        char buffer[8192];
        la_ssize_t n;
        while ((n = archive_read_data(reader.get(), buffer, sizeof buffer)) > 0) {
            item.data.append(buffer, static_cast<std::size_t>(n));
        }
        if (n < 0) throw std::runtime_error("cannot read tar data");
        out.push_back(std::move(item));
    }
    if (status != ARCHIVE_EOF) {
        throw std::runtime_error(std::string("bad tar: ") + archive_error_string(reader.get()));
    }
    return out;
}

inline std::vector<std::string> paths_of(const std::vector<ReadEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& entry : entries) out.push_back(entry.path);
    return out;
}

inline const ReadEntry* find_entry(const std::vector<ReadEntry>& entries, const std::string& path) {
    for (const auto& entry : entries) {
        if (entry.path == path) return &entry;
    }
    return nullptr;
}

// Runs `body` in a forked child and returns its exit code (128 + signal if killed); the child
// never returns into the test runner.
inline int run_in_child(const std::function<int()>& body) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int code = 99;
        try {
            code = body();
        } catch (...) {
            code = 98;
        }
        ::_exit(code);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error("waitpid failed");
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace cairn::assemble::testing
