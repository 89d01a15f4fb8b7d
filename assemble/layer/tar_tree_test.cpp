// What write_tar puts in a layer, read back with libarchive's reader.
#include "assemble/layer/tar_tree.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"
#include "tree_test_support.hpp"

using namespace cairn::assemble;
using namespace cairn::assemble::testing;

namespace {

constexpr std::int64_t kEpoch = 1700000000;

std::string tar_of(const std::vector<TreeInput>& inputs, const TarOptions& options = {}) {
    MemorySink sink;
    write_tar(inputs, options, sink);
    return sink.bytes;
}

std::vector<ReadEntry> entries_of(const std::vector<TreeInput>& inputs,
                                  const TarOptions& options = {}) {
    return read_tar(tar_of(inputs, options));
}

TarOptions at_epoch() {
    TarOptions options;
    options.mtime = kEpoch;
    return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tar_tree)

BOOST_AUTO_TEST_CASE(entries_sorted_bytewise_with_fixed_metadata) {
    ScratchDir dir;
    // Created in an order unlike the expected one, so readdir order cannot pass for sorting.
    write_file(dir / "z", "z");
    write_file(dir / "a/b", "b");
    make_dir(dir / "a/c");
    write_file(dir / "a.txt", "a");
    write_file(dir / "a-b", "ab");
    write_file(dir / "B", "B");
    write_file(dir / "\xc3\xa9", "e");
    bool has_xattr = ::setxattr((dir / "a.txt").c_str(), "user.cairn", "x", 1, 0) == 0;

    auto entries = entries_of({{dir.path(), "/"}}, at_epoch());
    std::vector<std::string> expected = {"B", "a/", "a-b", "a.txt", "a/b", "a/c/", "z", "\xc3\xa9"};
    BOOST_TEST(paths_of(entries) == expected, boost::test_tools::per_element());
    for (const auto& entry : entries) {
        BOOST_TEST_CONTEXT(entry.path) {
            BOOST_TEST(entry.uid == 0);
            BOOST_TEST(entry.gid == 0);
            BOOST_TEST(!entry.has_uname);
            BOOST_TEST(!entry.has_gname);
            BOOST_TEST(entry.mtime == kEpoch);
            BOOST_TEST(!entry.has_atime);
            BOOST_TEST(!entry.has_ctime);
            BOOST_TEST(!entry.has_birthtime);
            BOOST_TEST(entry.xattrs == 0);
        }
    }
    BOOST_TEST(find_entry(entries, "a-b")->data == "ab");
    if (!has_xattr) BOOST_TEST_MESSAGE("no user xattrs here: the xattr check proves little");
}

BOOST_AUTO_TEST_CASE(modes_kept) {
    ScratchDir dir;
    write_file(dir / "private", "p", 0600);
    write_file(dir / "tool", "t", 0755);
    write_file(dir / "setuid", "s", 04755);
    make_dir(dir / "shared", 02775);
    make_dir(dir / "tmp", 01777);
    make_dir(dir / "secret", 0700);

    auto entries = entries_of({{dir.path(), "/"}});
    BOOST_TEST(find_entry(entries, "private")->perm == 0600u);
    BOOST_TEST(find_entry(entries, "tool")->perm == 0755u);
    BOOST_TEST(find_entry(entries, "setuid")->perm == 04755u);
    BOOST_TEST(find_entry(entries, "shared/")->perm == 02775u);
    BOOST_TEST(find_entry(entries, "tmp/")->perm == 01777u);
    BOOST_TEST(find_entry(entries, "secret/")->perm == 0700u);
    BOOST_TEST(find_entry(entries, "tool")->type == unsigned(AE_IFREG));
    BOOST_TEST(find_entry(entries, "tmp/")->type == unsigned(AE_IFDIR));
}

BOOST_AUTO_TEST_CASE(symlinks_stored_never_followed) {
    ScratchDir dir;
    ScratchDir other;
    write_file(dir / "target.txt", "content");
    write_file(dir / "sub/inside", "i");
    fs::create_symlink("target.txt", dir / "to-file");
    fs::create_symlink("sub", dir / "to-dir");
    fs::create_symlink("../nowhere", dir / "dangling");
    fs::create_symlink("/bin/busybox", other / "sh");

    auto entries = entries_of({{dir.path(), "/"}, {other / "sh", "/bin/sh"}});
    BOOST_TEST(find_entry(entries, "to-file")->type == unsigned(AE_IFLNK));
    BOOST_TEST(find_entry(entries, "to-file")->symlink == "target.txt");
    BOOST_TEST(find_entry(entries, "to-dir")->symlink == "sub");
    BOOST_TEST(find_entry(entries, "dangling")->symlink == "../nowhere");
    BOOST_TEST(find_entry(entries, "to-dir/inside") == nullptr);
    BOOST_TEST(find_entry(entries, "bin/sh")->type == unsigned(AE_IFLNK));
    BOOST_TEST(find_entry(entries, "bin/sh")->symlink == "/bin/busybox");
}

BOOST_AUTO_TEST_CASE(hardlinks_point_at_first_path_in_order) {
    ScratchDir dir;
    write_file(dir / "m.txt", "shared");
    fs::create_hard_link(dir / "m.txt", dir / "c.txt");
    fs::create_directories(dir / "z");
    fs::create_hard_link(dir / "m.txt", dir / "z/b.txt");
    write_file(dir / "single", "one");

    auto entries = entries_of({{dir.path(), "/"}});
    // c.txt was linked later but comes first in the layer, so it carries the content.
    BOOST_TEST(find_entry(entries, "c.txt")->hardlink == "");
    BOOST_TEST(find_entry(entries, "c.txt")->data == "shared");
    BOOST_TEST(find_entry(entries, "m.txt")->hardlink == "c.txt");
    BOOST_TEST(find_entry(entries, "m.txt")->size == 0);
    BOOST_TEST(find_entry(entries, "z/b.txt")->hardlink == "c.txt");
    BOOST_TEST(find_entry(entries, "single")->hardlink == "");
}

BOOST_AUTO_TEST_CASE(destinations_and_made_up_parents) {
    ScratchDir dir;
    make_dir(dir / "tree/empty", 0750);
    write_file(dir / "tree/bin/server", "#!", 0755);
    write_file(dir / "x.conf", "k=v", 0640);
    write_file(dir / "g.txt", "g");

    auto entries = entries_of({{dir / "tree", "/app"},
                               {dir / "x.conf", "/etc/x.conf"},
                               {dir / "g.txt", "/opt/"},
                               {dir / "g.txt", "/srv/data/g2"}},
                              at_epoch());
    std::vector<std::string> expected = {"app/", "app/bin/",   "app/bin/server", "app/empty/",
                                         "etc/", "etc/x.conf", "opt/",           "opt/g.txt",
                                         "srv/", "srv/data/",  "srv/data/g2"};
    BOOST_TEST(paths_of(entries) == expected, boost::test_tools::per_element());
    for (const char* made_up : {"app/", "etc/", "opt/", "srv/", "srv/data/"}) {
        BOOST_TEST_CONTEXT(made_up) {
            BOOST_TEST(find_entry(entries, made_up)->perm == 0755u);
            BOOST_TEST(find_entry(entries, made_up)->mtime == kEpoch);
        }
    }
    BOOST_TEST(find_entry(entries, "app/empty/")->perm == 0750u);
    BOOST_TEST(find_entry(entries, "etc/x.conf")->perm == 0640u);
    BOOST_TEST(find_entry(entries, "etc/x.conf")->data == "k=v");
}

BOOST_AUTO_TEST_CASE(long_and_unusual_names) {
    ScratchDir dir;
    std::vector<std::string> names = {
        std::string(60, 'd') + "/" + std::string(60, 'f'),    // > 100: ustar prefix field
        std::string(200, 'x') + "/" + std::string(200, 'y'),  // > 255: needs a pax header
        "\xc3\xbcn\xc3\xaf"
        "c\xc3\xb8"
        "d\xc3\xa9/\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb.txt",
        "with space/file name.txt",
        "new\nline.txt",
    };
    for (const auto& name : names) write_file(dir / name, "data of " + name);

    auto entries = entries_of({{dir.path(), "/"}});
    for (const auto& name : names) {
        BOOST_TEST_CONTEXT(name) {
            const ReadEntry* entry = find_entry(entries, name);
            BOOST_TEST_REQUIRE(entry != nullptr);
            BOOST_TEST(entry->data == "data of " + name);
        }
    }
}

BOOST_AUTO_TEST_CASE(name_that_is_not_utf8_kept_raw_with_warning) {
    ScratchDir dir;
    write_file(dir / "latin1-\xe9t\xe9", "l");
    std::vector<std::string> warnings;
    TarOptions options;
    options.warn = [&](const std::string& message) { warnings.push_back(message); };
    auto entries = entries_of({{dir.path(), "/"}}, options);
    BOOST_TEST_REQUIRE(entries.size() == 1u);
    BOOST_TEST(entries[0].path == "latin1-\xe9t\xe9");
    BOOST_TEST_REQUIRE(warnings.size() == 1u);
    BOOST_TEST(warnings[0].starts_with("latin1-\xe9t\xe9: "));
}

BOOST_AUTO_TEST_CASE(ignore_callback_prunes_paths_and_directories) {
    ScratchDir dir;
    write_file(dir / "keep.txt", "k");
    write_file(dir / "skip.log", "s");
    write_file(dir / "node_modules/pkg/index.js", "n");
    write_file(dir / "src/main.cpp", "m");
    write_file(dir / "src/debug.log", "d");

    std::vector<std::pair<std::string, bool>> calls;
    TarOptions options;
    options.ignore = [&](const std::string& relative, bool is_directory) {
        calls.emplace_back(relative, is_directory);
        return relative.ends_with(".log") || (relative == "node_modules" && is_directory);
    };
    auto entries = entries_of({{dir.path(), "/app"}}, options);
    std::vector<std::string> expected = {"app/", "app/keep.txt", "app/src/", "app/src/main.cpp"};
    BOOST_TEST(paths_of(entries) == expected, boost::test_tools::per_element());

    auto called = [&](const std::string& relative, bool is_directory) {
        return std::find(calls.begin(), calls.end(), std::pair(relative, is_directory)) !=
               calls.end();
    };
    BOOST_TEST(called("node_modules", true));
    BOOST_TEST(called("src", true));
    BOOST_TEST(called("src/debug.log", false));
    for (const auto& [relative, is_directory] : calls) {
        BOOST_TEST_CONTEXT(relative) {
            BOOST_TEST(!relative.starts_with("/"));
            BOOST_TEST(!relative.starts_with("node_modules/"));
        }
    }
}

BOOST_AUTO_TEST_CASE(special_files_skipped_with_warning, *boost::unit_test::timeout(30)) {
    ScratchDir dir;
    write_file(dir / "regular.txt", "r");
    BOOST_TEST_REQUIRE(::mkfifo((dir / "pipe").c_str(), 0644) == 0);
    int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string sock_path = (dir / "sock").string();
    BOOST_TEST_REQUIRE(sock_path.size() < sizeof address.sun_path);
    std::copy(sock_path.begin(), sock_path.end(), address.sun_path);
    BOOST_TEST_REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(sock);

    std::vector<std::string> warnings;
    TarOptions options;
    options.warn = [&](const std::string& message) { warnings.push_back(message); };
    auto entries = entries_of({{dir.path(), "/"}}, options);
    BOOST_TEST(paths_of(entries) == std::vector<std::string>{"regular.txt"},
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(warnings.size() == 2u);
    BOOST_TEST(warnings[0] == "skipping FIFO " + (dir / "pipe").string());
    BOOST_TEST(warnings[1] == "skipping socket " + sock_path);
}

BOOST_AUTO_TEST_CASE(errors_name_the_path) {
    ScratchDir dir;
    write_file(dir / "one/x.conf", "1");
    write_file(dir / "two/x.conf", "2");
    auto message_has = [](const std::string& part) {
        return [part](const cairn::Error& e) {
            return std::string(e.what()).find(part) != std::string::npos;
        };
    };
    BOOST_CHECK_EXCEPTION(
        tar_of({{dir / "one/x.conf", "/etc/x.conf"}, {dir / "two/x.conf", "/etc/"}}), cairn::Error,
        message_has("etc/x.conf"));
    BOOST_CHECK_EXCEPTION(tar_of({{dir / "one", "/etc"}, {dir / "two", "/etc"}}), cairn::Error,
                          message_has("etc/x.conf"));
    BOOST_CHECK_EXCEPTION(tar_of({{dir / "missing", "/"}}), cairn::Error,
                          message_has((dir / "missing").string() + " does not exist"));
}

BOOST_AUTO_TEST_CASE(same_directory_from_two_inputs_emitted_once) {
    ScratchDir dir;
    write_file(dir / "one/shared/a", "a");
    write_file(dir / "two/shared/b", "b");
    auto entries = entries_of({{dir / "one", "/"}, {dir / "two", "/"}});
    std::vector<std::string> expected = {"shared/", "shared/a", "shared/b"};
    BOOST_TEST(paths_of(entries) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unreadable_sources_are_errors) {
    ScratchDir dir;
    write_file(dir / "files/secret", "s", 0000);
    make_dir(dir / "dirs/locked", 0000);
    // As root every file is readable: the walk runs as nobody in a child process.
    auto try_as_nobody = [&](const fs::path& source, const std::string& expected) {
        return run_in_child([&] {
            if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 77;
            try {
                tar_of({{source, "/"}});
            } catch (const cairn::Error& e) {
                return std::string(e.what()).find(expected) != std::string::npos ? 0 : 2;
            }
            return 1;
        });
    };
    std::string denied = ": Permission denied";
    BOOST_TEST(try_as_nobody(dir / "files", (dir / "files/secret").string() + denied) == 0);
    BOOST_TEST(try_as_nobody(dir / "dirs", (dir / "dirs/locked").string() + denied) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
