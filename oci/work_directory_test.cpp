// Working directories: private, removed when done, and swept only when their owner is gone.
#include "oci/work_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "oci/blob_store.hpp"
#include "oci/error.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace oci = cairn::oci;
using cairn::test::TempDir;
using cairn::test::write_text;

namespace {

std::vector<std::string> names_in(const fs::path& directory) {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(directory))
        out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// A child process that holds a flock on `directory` until `release` is written to, then exits.
struct Holder {
    pid_t pid = -1;
    int release = -1;
    explicit Holder(const fs::path& directory) {
        int fds[2];
        BOOST_REQUIRE(::pipe(fds) == 0);
        int ready[2];
        BOOST_REQUIRE(::pipe(ready) == 0);
        pid = ::fork();
        BOOST_REQUIRE(pid >= 0);
        if (pid == 0) {  // only system calls here
            ::close(fds[1]);  // else the read below never sees end of file
            ::close(ready[0]);
            int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
            ::flock(fd, LOCK_EX);
            char byte = 1;
            [[maybe_unused]] auto w = ::write(ready[1], &byte, 1);
            [[maybe_unused]] auto r = ::read(fds[0], &byte, 1);
            ::_exit(0);
        }
        ::close(fds[0]);
        ::close(ready[1]);
        char byte = 0;
        BOOST_REQUIRE(::read(ready[0], &byte, 1) == 1);
        ::close(ready[0]);
        release = fds[1];
    }
    void end() {
        ::close(release);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(work_directory)

BOOST_AUTO_TEST_CASE(private_removed_when_done_and_errors_name_the_parent) {
    TempDir dir;
    fs::path path;
    {
        oci::WorkDirectory work(dir.path(), ".x-");
        path = work.path();
        BOOST_TEST(path.parent_path() == dir.path());
        BOOST_TEST(path.filename().string().starts_with(".x-"));
        BOOST_TEST(((fs::status(path).permissions() & fs::perms::all) == fs::perms::owner_all));
        write_text(path / "f", "1");
        fs::create_directories(path / "a/b");
        // Held by this process: a sweep (here, or by another cairn) leaves it.
        BOOST_TEST(oci::WorkDirectory::sweep(dir.path(), ".x-").files == 0u);
        BOOST_TEST(fs::exists(path / "f"));
    }
    BOOST_TEST(!fs::exists(path));
    BOOST_CHECK_EXCEPTION(oci::WorkDirectory(dir / "no/such/dir", "x-"), cairn::Error,
                          [&](const cairn::Error& e) {
                              return std::string(e.what()).find((dir / "no/such/dir").string()) !=
                                     std::string::npos;
                          });
}

// One a live process holds stays; once it is gone (its lock with it), the next sweep removes
// it, and only directories of that prefix.
BOOST_AUTO_TEST_CASE(only_directories_whose_owner_is_gone_are_swept) {
    TempDir dir;
    fs::create_directories(dir / ".x-live");
    fs::create_directories(dir / ".x-dead/sub");
    fs::create_directories(dir / ".y-other");
    write_text(dir / ".x-live/part", "12345");
    write_text(dir / ".x-dead/sub/part", "123");
    write_text(dir / ".x-file", "not a directory");
    Holder live(dir / ".x-live");
    auto swept = oci::WorkDirectory::sweep(dir.path(), ".x-");
    BOOST_TEST(swept.files == 1u);
    BOOST_TEST(swept.bytes == 3u);
    BOOST_TEST((names_in(dir.path()) == std::vector<std::string>{".x-file", ".x-live", ".y-other"}));
    BOOST_TEST(oci::WorkDirectory::stale(dir.path(), ".x-").files == 0u);
    live.end();
    BOOST_TEST(oci::WorkDirectory::stale(dir.path(), ".x-").bytes == 5u);
    BOOST_TEST(oci::WorkDirectory::sweep(dir.path(), ".x-").files == 1u);
    BOOST_TEST((names_in(dir.path()) == std::vector<std::string>{".x-file", ".y-other"}));
}

// A blob store keeps its temporary files out of blobs/sha256 (umoci gc and others read every
// name there as a digest), in an incoming directory that goes with the store.
BOOST_AUTO_TEST_CASE(blob_stores_keep_temporary_files_out_of_blobs) {
    TempDir dir;
    {
        oci::BlobStore store(dir.path());
        auto writer = store.writer();
        writer->write("partial");
        BOOST_TEST(fs::is_empty(dir / "blobs/sha256"));
        auto incoming = names_in(dir.path());
        BOOST_REQUIRE(incoming.size() == 2u);  // blobs, .cairn-incoming-…
        BOOST_TEST(incoming[0].starts_with(".cairn-incoming-"));
        auto digest = writer->commit();
        BOOST_TEST((names_in(dir / "blobs/sha256") == std::vector<std::string>{std::string(digest.hex())}));
    }
    BOOST_TEST((names_in(dir.path()) == std::vector<std::string>{"blobs"}));
}

// What killed writers left: an incoming directory nobody holds, and (old enough) the `.tmp-`
// files earlier versions left in blobs/sha256; a fresh one of those stays (it may be a live
// writer's), and so do the blobs.
BOOST_AUTO_TEST_CASE(stale_temporary_files_are_swept) {
    TempDir dir;
    oci::BlobStore store(dir.path());
    auto digest = store.put("kept");
    fs::create_directories(dir / ".cairn-incoming-dead");
    write_text(dir / ".cairn-incoming-dead/.tmp-blob-1", "0123456789");
    write_text(dir / "blobs/sha256/.tmp-incoming-old", "old");
    write_text(dir / "blobs/sha256/.tmp-incoming-new", "new");
    fs::last_write_time(dir / "blobs/sha256/.tmp-incoming-old",
                        fs::file_time_type::clock::now() - std::chrono::hours(1));
    BOOST_TEST(store.stale_temporary_files().files == 2u);
    auto swept = store.sweep_stale();
    BOOST_TEST(swept.files == 2u);
    BOOST_TEST(swept.bytes == 13u);
    BOOST_TEST((names_in(dir / "blobs/sha256") ==
                std::vector<std::string>{".tmp-incoming-new", std::string(digest.hex())}));
    BOOST_TEST(!fs::exists(dir / ".cairn-incoming-dead"));
    BOOST_TEST(store.sweep_stale(std::chrono::seconds(0)).files == 1u);  // gc's: all of them
}

BOOST_AUTO_TEST_SUITE_END()
