#include "assemble/native_build.hpp"

#include <boost/test/unit_test.hpp>

#include "assemble/process.hpp"
#include "oci/error.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

BOOST_AUTO_TEST_SUITE(native_build)

BOOST_AUTO_TEST_CASE(profile_directories_follow_cargo) {
    fs::path t = "/t";
    BOOST_TEST(assemble::profile_directory(t, "release") == fs::path("/t/release"));
    BOOST_TEST(assemble::profile_directory(t, "dev") == fs::path("/t/debug"));
    BOOST_TEST(assemble::profile_directory(t, "test") == fs::path("/t/debug"));
    BOOST_TEST(assemble::profile_directory(t, "bench") == fs::path("/t/release"));
    BOOST_TEST(assemble::profile_directory(t, "ci-fast") == fs::path("/t/ci-fast"));
}

BOOST_AUTO_TEST_CASE(cargo_command_names_profile_bins_and_features) {
    assemble::CargoSection cargo{
        .dir = "/p", .profile = "release", .bins = {"a", "b"}, .features = {"x", "y"}};
    std::vector<std::string> expected{"cargo", "build", "--profile", "release",    "--bin",
                                      "a",     "--bin", "b",         "--features", "x,y"};
    BOOST_TEST(assemble::cargo_build_command(cargo) == expected, boost::test_tools::per_element());
    cargo.features.clear();
    BOOST_TEST(assemble::cargo_build_command(cargo).size() == 8u);
    BOOST_TEST(assemble::target_directory(cargo, {}) == fs::path("/p/target"));
    BOOST_TEST(assemble::target_directory(cargo, {.target_dir = "/elsewhere"}) ==
               fs::path("/elsewhere"));
}

BOOST_AUTO_TEST_CASE(workspace_output_is_told_by_cargo_names) {
    assemble::WorkspaceNames workspace{.packages = {"sample", "my-lib"},
                                       .crates = {"sample_server", "my_lib"}};
    for (const char* entry : {"sample-0f1e2d3c4b5a6978", "sample_server-0f1e2d3c4b5a6978",
                              "sample_server-0f1e2d3c4b5a6978.d", "libmy_lib-0f1e2d3c.rlib",
                              "libmy_lib-0f1e2d3c.rmeta", "my-lib-0f1e2d3c"}) {
        BOOST_TEST(workspace.owns(entry), entry);
    }
    for (const char* entry : {"fnv-0f1e2d3c", "libfnv-0f1e2d3c.rlib", "percent-encoding-0f1e2d3c",
                              "libc-0f1e2d3c.d", "liblibc-0f1e2d3c.rlib", "sample", "my"}) {
        BOOST_TEST(!workspace.owns(entry), entry);
    }
}

BOOST_AUTO_TEST_CASE(npm_install_is_needed_without_a_matching_stamp) {
    ScratchDir dir;
    write_file(dir / "package-lock.json", "{\"lockfileVersion\": 3}");
    assemble::NpmSection npm{.dir = dir.path(), .script = "build", .output = dir / "out"};
    BOOST_TEST(assemble::npm_install_needed(npm));
    fs::create_directories(dir / "node_modules");
    BOOST_TEST(assemble::npm_install_needed(npm));
}

BOOST_AUTO_TEST_CASE(process_output_comes_by_line_with_the_exit_status) {
    std::vector<std::string> lines;
    auto result = assemble::run_process(
        {"/bin/sh", "-c", "echo one; echo two >&2; printf three; exit 3"}, {.keep_lines = 2},
        [&](std::string_view line) { lines.emplace_back(line); });
    BOOST_TEST(result.exit_status == 3);
    BOOST_TEST(lines == (std::vector<std::string>{"one", "two", "three"}),
               boost::test_tools::per_element());
    BOOST_TEST(result.tail == (std::vector<std::string>{"two", "three"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(process_gets_directory_and_environment) {
    ScratchDir dir;
    std::vector<std::string> lines;
    auto result =
        assemble::run_process({"/bin/sh", "-c", "pwd; echo $CAIRN_TEST_VALUE"},
                              {.directory = dir.path(), .env = {{"CAIRN_TEST_VALUE", "v1"}}},
                              [&](std::string_view line) { lines.emplace_back(line); });
    BOOST_TEST(result.exit_status == 0);
    BOOST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(fs::equivalent(lines[0], dir.path()));
    BOOST_TEST(lines[1] == "v1");
}

BOOST_AUTO_TEST_SUITE_END()
