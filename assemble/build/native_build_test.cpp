#include "assemble/build/native_build.hpp"

#include <signal.h>
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "oci/error.hpp"
#include "registry/child_process.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

namespace {

// Fake cargo and npm first on PATH for the life of the object.
class FakeTools {
  public:
    FakeTools(const std::string& cargo, const std::string& npm) {
        write_tool("cargo", cargo);
        write_tool("npm", npm);
    }

  private:
    void write_tool(const std::string& name, const std::string& script) {
        write_file(bin_ / name, "#!/bin/sh\n" + script + "\n");
        fs::permissions(bin_ / name, fs::perms::owner_all);
    }
    ScratchDir bin_;
    cairn::assemble::testing::PathPrepended path_{bin_.path()};
};

}  // namespace

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

BOOST_AUTO_TEST_CASE(unit_hashes_are_read_from_cargo_output_names) {
    BOOST_TEST(assemble::cargo_unit_hash("libserde-0123456789abcdef.rlib") == "0123456789abcdef");
    BOOST_TEST(assemble::cargo_unit_hash("percent-encoding-0123456789abcdef") ==
               "0123456789abcdef");
    BOOST_TEST(assemble::cargo_unit_hash("serde-0123456789abcdef.d") == "0123456789abcdef");
    for (const char* name : {"sample-server", "serde-0123456789ABCDEF", "serde-0123456789abcde",
                             "serde-0123456789abcdefa", ".cargo-lock", "", "-"}) {
        BOOST_TEST(assemble::cargo_unit_hash(name).empty(), name);
    }
}

BOOST_AUTO_TEST_CASE(the_units_cargo_reports_say_what_a_base_keeps) {
    assemble::CargoUnits units;
    BOOST_TEST(!units.unused("libold-00000000000000ff.rlib"));  // nothing reported: keep all
    units.read_message(
        R"({"reason":"compiler-artifact","fresh":true,"filenames":["/v/target/release/deps/)"
        R"(libfnv-d9920135c932d463.rlib","/v/target/release/deps/libfnv-d9920135c932d463.rmeta"]})");
    units.read_message(
        R"({"reason":"compiler-artifact","filenames":["/v/target/release/build/)"
        R"(serde-1111111111111111/build_script_build-1111111111111111"]})");
    units.read_message(R"({"reason":"build-script-executed","out_dir":)"
                       R"("/v/target/release/build/serde-2222222222222222/out"})");
    units.read_message(R"({"reason":"compiler-artifact","filenames":[7, null]})");
    units.read_message("not json {");
    units.read_message(R"({"reason":"build-finished","success":true})");
    BOOST_TEST(units.hashes.size() == 3u);
    for (const char* kept : {"libfnv-d9920135c932d463.rlib", "fnv-d9920135c932d463.d",
                             "fnv-d9920135c932d463", "serde-1111111111111111",
                             "serde-2222222222222222", "sample-server", ".cargo-lock"}) {
        BOOST_TEST(!units.unused(kept), kept);
    }
    for (const char* pruned : {"libfnv-00000000000000ff.rlib", "serde-3333333333333333"})
        BOOST_TEST(units.unused(pruned), pruned);
}

// cargo's JSON messages (stdout) fill the report; its status lines (stderr) are shown.
BOOST_AUTO_TEST_CASE(cargo_reports_its_units_beside_its_status_lines) {
    ScratchDir project;
    FakeTools tools(
        "case \"$*\" in *--message-format=json-render-diagnostics*) ;; *) exit 9;; esac\n"
        "echo '   Compiling fnv v1.0.7' >&2\n"
        "echo '{\"reason\":\"compiler-artifact\",\"filenames\":[\"t/deps/libfnv-d9920135c932d463.rlib\"]}'",
        "true");
    assemble::BuildConfig config;
    config.cargo = assemble::CargoSection{.dir = project.path(), .bins = {"app"}};
    std::vector<std::string> lines;
    auto report = assemble::run_native_build(
        config, {.target_dir = project / "target"},
        [&](std::string_view line) { lines.emplace_back(line); });
    BOOST_TEST(lines == (std::vector<std::string>{"cargo|    Compiling fnv v1.0.7"}),
               boost::test_tools::per_element());
    BOOST_TEST(report.units.hashes == (std::set<std::string>{"d9920135c932d463"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(npm_install_is_needed_without_a_matching_stamp) {
    ScratchDir dir;
    write_file(dir / "package-lock.json", "{\"lockfileVersion\": 3}");
    assemble::NpmSection npm{.dir = dir.path(), .script = "build", .output = dir / "out"};
    BOOST_TEST(assemble::npm_install_needed(npm));
    fs::create_directories(dir / "node_modules");
    BOOST_TEST(assemble::npm_install_needed(npm));
}

BOOST_AUTO_TEST_CASE(the_registry_token_is_withheld_from_the_tools) {
    ScratchDir project;
    write_file(project / "package-lock.json", "{}");
    FakeTools tools("echo token=${CAIRN_AAD_ACCESS_TOKEN:-withheld}",
                    "echo token=${CAIRN_AAD_ACCESS_TOKEN:-withheld}");
    ::setenv("CAIRN_AAD_ACCESS_TOKEN", "aad-secret", 1);
    assemble::BuildConfig config;
    config.cargo = assemble::CargoSection{.dir = project.path(), .bins = {"app"}};
    config.npm = assemble::NpmSection{.dir = project.path(), .script = "build"};
    std::vector<std::string> lines;
    assemble::run_native_build(config, {.target_dir = project / "target"},
                               [&](std::string_view line) { lines.emplace_back(line); });
    ::unsetenv("CAIRN_AAD_ACCESS_TOKEN");
    BOOST_TEST(lines.size() == 3u);  // cargo build, npm ci, npm run build
    for (const auto& line : lines) BOOST_TEST(line.ends_with("token=withheld"), line);
}

BOOST_AUTO_TEST_CASE(the_first_failure_is_reported_and_stops_the_other_tool) {
    ScratchDir project;
    write_file(project / "package-lock.json", "{}");
    // cargo would print "done" after 20 s; npm fails at once.
    FakeTools tools("echo compiling; sleep 20; echo done", "echo broken lockfile; exit 3");
    assemble::BuildConfig config;
    config.cargo = assemble::CargoSection{.dir = project.path(), .bins = {"app"}};
    config.npm = assemble::NpmSection{.dir = project.path(), .script = "build"};
    std::vector<std::string> lines;
    BOOST_CHECK_EXCEPTION(
        assemble::run_native_build(config, {.target_dir = project / "target"},
                                   [&](std::string_view line) { lines.emplace_back(line); }),
        cairn::Error, [](const cairn::Error& e) {
            return std::string(e.what()).find("npm ci") != std::string::npos;
        });
    for (const auto& line : lines) BOOST_TEST(line != "cargo| done");
}

BOOST_AUTO_TEST_SUITE_END()
