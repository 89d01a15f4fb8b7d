// User-named outputs: written through devices, FIFOs and descriptors, to a link's target,
// replacing regular files atomically with their mode kept.
#include "oci/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "error_test_support.hpp"
#include "oci/error.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace oci = cairn::oci;
using cairn::test::message_has;
using cairn::test::TempDir;
using cairn::test::write_text;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

mode_t mode_of(const fs::path& path) {
    struct stat info {};
    ::lstat(path.c_str(), &info);
    return info.st_mode;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(output_file)

BOOST_AUTO_TEST_CASE(a_regular_file_is_replaced_keeping_its_mode) {
    TempDir dir;
    write_text(dir / "out", "old");
    ::chmod((dir / "out").c_str(), 0600);
    oci::write_output_file(dir / "out", "new");
    BOOST_TEST(read_text(dir / "out") == "new");
    BOOST_TEST((mode_of(dir / "out") & 07777) == 0600u);
    oci::write_output_file(dir / "fresh", "made");
    BOOST_TEST(read_text(dir / "fresh") == "made");
    BOOST_TEST(fs::is_regular_file(dir / "fresh"));
}

BOOST_AUTO_TEST_CASE(a_link_is_followed_to_its_target_even_dangling) {
    TempDir dir;
    fs::create_directories(dir / "real");
    write_text(dir / "real/file", "old");
    fs::create_symlink("real/file", dir / "link");
    fs::create_symlink(dir / "link", dir / "link-to-link");
    oci::write_output_file(dir / "link-to-link", "through two links");
    BOOST_TEST(fs::is_symlink(dir / "link"));
    BOOST_TEST(fs::is_symlink(dir / "link-to-link"));
    BOOST_TEST(read_text(dir / "real/file") == "through two links");
    fs::create_symlink("real/new", dir / "dangling");
    oci::write_output_file(dir / "dangling", "created at the target");
    BOOST_TEST(fs::is_symlink(dir / "dangling"));
    BOOST_TEST(read_text(dir / "real/new") == "created at the target");
    fs::create_symlink("loop", dir / "loop");
    BOOST_CHECK_EXCEPTION(oci::write_output_file(dir / "loop", "x"), cairn::Error,
                          [](const cairn::Error& e) { return message_has(e, "symbolic links"); });
}

BOOST_AUTO_TEST_CASE(a_fifo_is_written_through_to_its_reader) {
    TempDir dir;
    BOOST_REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    std::string received;
    std::thread reader([&] { received = read_text(dir / "fifo"); });
    oci::write_output_file(dir / "fifo", std::string(200000, 'f'));
    reader.join();
    BOOST_TEST(received == std::string(200000, 'f'));
    BOOST_TEST(S_ISFIFO(mode_of(dir / "fifo")));
    BOOST_TEST(fs::is_empty(dir.path()) == false);
    BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

// A copy of /dev/null made here (never the machine's own): still the same device afterwards.
BOOST_AUTO_TEST_CASE(a_device_is_written_through) {
    TempDir dir;
    if (::mknod((dir / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
        BOOST_TEST_MESSAGE("mknod is not allowed here: skipped");
        return;
    }
    auto before = mode_of(dir / "null");  // 0666 less the umask
    oci::write_output_file(dir / "null", "discarded");
    auto mode = mode_of(dir / "null");
    BOOST_TEST(S_ISCHR(mode));
    BOOST_TEST(mode == before);
    struct stat info {};
    ::stat((dir / "null").c_str(), &info);
    BOOST_TEST(info.st_rdev == makedev(1, 3));
    BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

// /dev/fd/N and /proc/self/fd/N are this process's descriptors: written through them, never
// replaced (a shell's redirection would otherwise be cut off from the bytes).
BOOST_AUTO_TEST_CASE(descriptors_are_written_through) {
    TempDir dir;
    for (std::string prefix : {"/dev/fd/", "/proc/self/fd/"}) {
        BOOST_TEST_CONTEXT(prefix) {
            int fds[2];
            BOOST_REQUIRE(::pipe(fds) == 0);
            oci::write_output_file(prefix + std::to_string(fds[1]), "piped");
            ::close(fds[1]);
            char buffer[16] = {};
            BOOST_TEST(::read(fds[0], buffer, sizeof buffer) == 5);
            BOOST_TEST(std::string(buffer) == "piped");
            ::close(fds[0]);
        }
    }
    // A regular file behind a descriptor keeps the descriptor's offset (as after `>>`).
    write_text(dir / "log", "head ");
    int fd = ::open((dir / "log").c_str(), O_WRONLY | O_APPEND);
    oci::write_output_file("/dev/fd/" + std::to_string(fd), "tail");
    ::close(fd);
    BOOST_TEST(read_text(dir / "log") == "head tail");
}

BOOST_AUTO_TEST_CASE(directories_and_missing_parents_are_errors) {
    TempDir dir;
    BOOST_CHECK_EXCEPTION(oci::OutputFile(dir.path()), cairn::Error,
                          [](const cairn::Error& e) { return message_has(e, "is a directory"); });
    BOOST_CHECK_EXCEPTION(oci::OutputFile(dir / "no/such/out"), cairn::Error,
                          [&](const cairn::Error& e) {
                              return message_has(e, (dir / "no/such").string() + " does not exist");
                          });
}

// What a walk of the inputs must leave out while the output is written.
BOOST_AUTO_TEST_CASE(identities_name_the_temporary_and_the_replaced_file) {
    TempDir dir;
    write_text(dir / "out", "old");
    auto old = oci::FileIdentity::of(dir / "out");
    oci::OutputFile file(dir / "out");
    auto identities = file.identities();
    BOOST_TEST(identities.size() == 2u);
    BOOST_TEST((std::find(identities.begin(), identities.end(), *old) != identities.end()));
    bool temporary_named = false;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        auto identity = oci::FileIdentity::of(entry.path());
        if (entry.path().filename() != "out" &&
            std::find(identities.begin(), identities.end(), *identity) != identities.end())
            temporary_named = true;
    }
    BOOST_TEST(temporary_named);
}

BOOST_AUTO_TEST_SUITE_END()
