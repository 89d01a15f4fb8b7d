#include "assemble/build/build_view.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "assemble/build/native_build.hpp"
#include "oci/error.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

namespace {

// The error of a view of the project dir/p under `root`; empty if the view was made.
std::string view_refusal(const ScratchDir& dir, const fs::path& root) {
    write_file(dir / "p/Cargo.toml", "");
    try {
        assemble::BuildView view(root, "app",
                                 {.anchor = dir / "p", .cargo_dir = dir / "p",
                                  .cargo_home = dir / "h", .target_dir = dir / "p/target"},
                                 {});
    } catch (const cairn::Error& error) {
        return error.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(build_view)

BOOST_AUTO_TEST_CASE(common_ancestor_is_the_deepest_shared_directory) {
    BOOST_TEST(assemble::common_ancestor({"/a/b/c", "/a/b/d/e", "/a/b"}) == fs::path("/a/b"));
    BOOST_TEST(assemble::common_ancestor({"/a/bc", "/a/b"}) == fs::path("/a"));
    BOOST_TEST(assemble::common_ancestor({"/x/y"}) == fs::path("/x/y"));
    BOOST_TEST(assemble::common_ancestor({"/x", "/y"}) == fs::path("/"));
}

// A checkout with its workspace in rust/: the view links every entry, and makes real
// directories only down to rust/, whose own entries are links again.
BOOST_AUTO_TEST_CASE(view_links_the_checkout_and_leaves_it_alone) {
    ScratchDir dir;
    auto checkout = dir / "checkout";
    write_file(checkout / "cairn.toml", "");
    write_file(checkout / "rust/Cargo.toml", "[workspace]\n");
    write_file(checkout / "rust/.cargo/config.toml", "");
    write_file(checkout / "rust/vendor/fnv/src/lib.rs", "");
    write_file(checkout / "ui/package.json", "{}");
    auto root = dir / "views";
    {
        assemble::BuildView view(root, "team/app",
                                 {.anchor = checkout,
                                  .cargo_dir = checkout / "rust",
                                  .cargo_home = dir / "home",
                                  .target_dir = checkout / "rust/target"},
                                 {});
        auto sources = root / "team_app" / "s";
        BOOST_TEST(view.cargo_dir() == sources / "rust");
        BOOST_TEST((fs::is_directory(sources) && !fs::is_symlink(sources)));
        BOOST_TEST((fs::is_directory(sources / "rust") && !fs::is_symlink(sources / "rust")));
        BOOST_TEST(fs::read_symlink(sources / "cairn.toml") == checkout / "cairn.toml");
        BOOST_TEST(fs::read_symlink(sources / "ui") == checkout / "ui");
        BOOST_TEST(fs::read_symlink(sources / "rust/.cargo") == checkout / "rust/.cargo");
        BOOST_TEST(fs::read_symlink(sources / "rust/vendor") == checkout / "rust/vendor");
        BOOST_TEST(fs::read_symlink(view.cargo_home()) == dir / "home");
        BOOST_TEST(fs::is_directory(dir / "home"));  // made, as cargo would
        BOOST_TEST(fs::read_symlink(view.target_dir()) == checkout / "rust/target");
        auto flags = view.remap_flags();
        BOOST_REQUIRE(flags.size() == 3u);
        BOOST_TEST(flags[0] == "--remap-path-prefix=" + sources.string() + "=/cairn/src");
        struct stat info {};
        BOOST_REQUIRE(::stat((root / "team_app").c_str(), &info) == 0);
        BOOST_TEST((info.st_mode & 0777) == 0700u);
    }
    // Gone with the build, and the checkout as it was.
    BOOST_TEST(!fs::exists(root / "team_app" / "s"));
    BOOST_TEST(!fs::is_symlink(root / "team_app" / "h"));
    BOOST_TEST(fs::is_regular_file(checkout / "rust/vendor/fnv/src/lib.rs"));
}

BOOST_AUTO_TEST_CASE(a_view_root_that_is_a_link_is_refused) {
    ScratchDir dir;
    fs::create_directories(dir / "elsewhere");
    fs::create_directory_symlink(dir / "elsewhere", dir / "views");
    BOOST_TEST(view_refusal(dir, dir / "views").find("is not a directory: set CAIRN_VIEW_ROOT") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(configs_above_the_anchor_are_found_but_not_cargo_homes) {
    ScratchDir dir;
    write_file(dir / "work/.cargo/config.toml", "");
    write_file(dir / "work/home/.cargo/config.toml", "");
    auto found = assemble::configs_above(dir / "work/home/project", dir / "work/home/.cargo");
    BOOST_TEST(found.size() == 1u);
    if (!found.empty()) BOOST_TEST(found[0] == dir / "work/.cargo/config.toml");
}

BOOST_AUTO_TEST_CASE(remap_flags_join_the_users_rustflags) {
    ::unsetenv("RUSTFLAGS");
    ::unsetenv("CARGO_ENCODED_RUSTFLAGS");
    ::unsetenv("CARGO_BUILD_RUSTFLAGS");
    auto env = assemble::rustflags_environment({"--remap-path-prefix=/v/s=/cairn/src", "-Cx"});
    BOOST_TEST(env.size() == 1u);
    BOOST_TEST(env["CARGO_BUILD_RUSTFLAGS"] == "--remap-path-prefix=/v/s=/cairn/src -Cx");
    ::setenv("CARGO_BUILD_RUSTFLAGS", "-Ctarget-cpu=native", 1);
    BOOST_TEST(assemble::rustflags_environment({"-Cx"})["CARGO_BUILD_RUSTFLAGS"] ==
               "-Ctarget-cpu=native -Cx");
    ::unsetenv("CARGO_BUILD_RUSTFLAGS");

    ::setenv("RUSTFLAGS", " -C  opt-level=2 ", 1);
    env = assemble::rustflags_environment({"--remap-path-prefix=/v w=/x"});
    BOOST_TEST(env.size() == 1u);
    BOOST_TEST(env["CARGO_ENCODED_RUSTFLAGS"] == "-C\x1fopt-level=2\x1f--remap-path-prefix=/v w=/x");
    ::unsetenv("RUSTFLAGS");

    ::setenv("CARGO_ENCODED_RUSTFLAGS", "-Cdebuginfo=1", 1);
    env = assemble::rustflags_environment({"-Cx"});
    BOOST_TEST(env["CARGO_ENCODED_RUSTFLAGS"] == "-Cdebuginfo=1\x1f-Cx");
    ::unsetenv("CARGO_ENCODED_RUSTFLAGS");
    BOOST_TEST(assemble::rustflags_environment({}).empty());
}

BOOST_AUTO_TEST_CASE(a_view_root_with_a_space_is_refused) {
    ScratchDir dir;
    BOOST_TEST(view_refusal(dir, dir / "my views").find("holds a space") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
