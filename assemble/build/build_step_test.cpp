#include "assemble/build/build_step.hpp"

#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <string>

#include "oci/error.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

namespace {

// A project with a UI in ui/, fake node and npm first on PATH (their versions are inputs).
class StepProject {
  public:
    StepProject() {
        write_file(project_ / "ui/package.json", "{\"name\":\"ui\"}\n");
        write_file(project_ / "ui/package-lock.json", "{}\n");
        write_file(project_ / "ui/src/app.js", "console.log('hi')\n");
        set_versions("v18.19.0", "9.2.0");
        npm.dir = project_ / "ui";
        npm.output = project_ / "ui/out";
    }

    void set_versions(const std::string& node, const std::string& npm_version) {
        write_file(bin_ / "node", "#!/bin/sh\necho " + node + "\n", 0755);
        write_file(bin_ / "npm", "#!/bin/sh\necho 'npm WARN config something' >&2\necho " +
                                     npm_version + "\n",
                   0755);
    }

    std::string key() const {
        return assemble::npm_step_inputs(npm, {.project_dir = project_.path()}, store_).key();
    }
    fs::path operator/(const std::string& name) const { return project_ / name; }

    assemble::NpmSection npm;

  private:
    ScratchDir project_;
    ScratchDir bin_;
    cairn::assemble::testing::PathPrepended path_{bin_.path()};
    ScratchDir cache_;
    cairn::oci::BlobStore store_{cache_.path()};
};

}  // namespace

BOOST_AUTO_TEST_SUITE(build_step)

BOOST_AUTO_TEST_CASE(gitignore_lines_become_docker_rules) {
    BOOST_TEST(assemble::gitignore_as_docker_rules("# comment\n\n/node_modules\n*.pem\n"
                                                   "/.next/\nout/\ndocs/build\n!keep.pem\r\n") ==
               "node_modules\n**/*.pem\n.next\n**/out\ndocs/build\n!**/keep.pem\n");
}

BOOST_AUTO_TEST_CASE(the_key_follows_sources_not_outputs_or_stats) {
    StepProject project;
    auto first = project.key();
    BOOST_TEST(first.starts_with("npm-"));
    BOOST_TEST(first.size() == 4 + 24);
    BOOST_TEST(project.key() == first);

    // What the step and npm ci write, and what tools cache beside the sources, are no inputs.
    write_file(project / "ui/out/index.html", "<html>\n");
    write_file(project / "ui/node_modules/react/index.js", "x\n");
    write_file(project / "ui/.next/cache/a", "x\n");
    write_file(project / "ui/src/node_modules/b.js", "x\n");
    BOOST_TEST(project.key() == first);

    // A touched file is the same input; an edited one is another.
    auto app = project / "ui/src/app.js";
    fs::last_write_time(app, fs::last_write_time(app) + std::chrono::hours(1));
    BOOST_TEST(project.key() == first);
    write_file(app, "console.log('ho')\n");
    auto edited = project.key();
    BOOST_TEST(edited != first);
    write_file(app, "console.log('hi')\n");
    BOOST_TEST(project.key() == first);

    // The project's .gitignore and ignore file are honoured, from the project's directory.
    write_file(project / ".gitignore", "/ui/generated/\n*.log\n");
    write_file(project / "ui/generated/x.js", "x\n");
    write_file(project / "ui/src/debug.log", "x\n");
    BOOST_TEST(project.key() == first);
    write_file(project / "ui/src/new.js", "x\n");
    BOOST_TEST(project.key() != first);
}

BOOST_AUTO_TEST_CASE(the_key_follows_tools_settings_and_variables) {
    StepProject project;
    auto first = project.key();
    project.set_versions("v20.1.0", "9.2.0");
    BOOST_TEST(project.key() != first);
    project.set_versions("v18.19.0", "10.0.0");
    BOOST_TEST(project.key() != first);
    project.set_versions("v18.19.0", "9.2.0");
    BOOST_TEST(project.key() == first);

    project.npm.script = "export";
    BOOST_TEST(project.key() != first);
    project.npm.script = "build";

    // A variable bundlers embed, and one the config names, are inputs; others are not.
    ::setenv("NEXT_PUBLIC_API", "https://a.example", 1);
    auto with_api = project.key();
    BOOST_TEST(with_api != first);
    ::setenv("NEXT_PUBLIC_API", "https://b.example", 1);
    BOOST_TEST(project.key() != with_api);
    ::unsetenv("NEXT_PUBLIC_API");
    ::setenv("CAIRN_TEST_UNRELATED", "1", 1);
    BOOST_TEST(project.key() == first);
    project.npm.env_inputs = {"CAIRN_TEST_UNRELATED"};
    BOOST_TEST(project.key() != first);
    ::unsetenv("CAIRN_TEST_UNRELATED");
}

BOOST_AUTO_TEST_CASE(npms_version_is_read_from_its_package_json) {
    StepProject project;
    // An npm installed as Debian and nodejs.org do: bin/npm links to npm-cli.js of a package.
    ScratchDir install;
    write_file(install / "lib/node_modules/npm/package.json",
               "{\"name\": \"npm\", \"version\": \"10.2.3\"}\n");
    write_file(install / "lib/node_modules/npm/bin/npm-cli.js", "#!/bin/sh\necho 99.0.0\n", 0755);
    fs::create_directories(install / "bin");
    fs::create_symlink(install / "lib/node_modules/npm/bin/npm-cli.js", install / "bin/npm");
    write_file(install / "bin/node", "#!/bin/sh\necho v18.19.0\n", 0755);
    std::optional<assemble::StepInputs> inputs;
    {
        cairn::assemble::testing::PathPrepended path(install / "bin");
        inputs = assemble::npm_step_inputs(project.npm, {.project_dir = project / "."},
                                           cairn::oci::BlobStore((install / "cache")));
    }
    BOOST_TEST((std::find(inputs->lines.begin(), inputs->lines.end(), "npm 10.2.3") !=
                inputs->lines.end()));
}

BOOST_AUTO_TEST_CASE(a_tool_without_a_version_is_an_error) {
    StepProject project;
    project.set_versions("", "9.2.0");
    BOOST_CHECK_THROW(project.key(), cairn::Error);
}

BOOST_AUTO_TEST_CASE(records_round_trip_and_a_bad_one_is_nothing) {
    ScratchDir cache;
    cairn::oci::BlobStore store(cache.path());
    auto digest = store.put("layer bytes");
    assemble::StepRecord record{.layer = {.diff_id = cairn::oci::Digest::of("tar"),
                                          .digest = digest,
                                          .size = 11,
                                          .compression = assemble::Compression::gzip}};
    assemble::StepRecords records(cache.path(), "/src/project", "npm run build");
    BOOST_TEST(!records.find("npm-aaaa", store).has_value());
    records.remember("npm-aaaa", record);
    auto found = records.find("npm-aaaa", store);
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->layer.diff_id == record.layer.diff_id);
    BOOST_TEST(found->layer.digest == digest);
    BOOST_TEST(found->layer.size == 11);
    BOOST_TEST((found->layer.compression == assemble::Compression::gzip));

    // A record whose size disagrees with its blob, or that is not one, is nothing.
    record.layer.size = 12;
    records.remember("npm-bbbb", record);
    BOOST_TEST(!records.find("npm-bbbb", store).has_value());
    write_file(cache / "steps/npm-cccc", "\x1b[31mnot a record\n");
    BOOST_TEST(!records.find("npm-cccc", store).has_value());

    // The last run is per checkout.
    BOOST_TEST(!records.last_run_here().has_value());
    records.ran_here("npm-aaaa");
    BOOST_TEST(records.last_run_here().value_or("") == "npm-aaaa");
    assemble::StepRecords other(cache.path(), "/src/clone", "npm run build");
    BOOST_TEST(!other.last_run_here().has_value());
}

// A workspace for the cargo step's key: a fake cargo first on PATH (its version is an input).
class CargoProject {
  public:
    CargoProject() {
        write_file(project_ / "Cargo.toml", "[package]\nname = \"app\"\n");
        write_file(project_ / "Cargo.lock", "version = 3\n");
        write_file(project_ / "src/main.rs", "fn main() {}\n");
        write_file(project_ / "ui/package.json", "{}\n");
        write_file(bin_ / "cargo", "#!/bin/sh\necho 'cargo 1.63.0'\n", 0755);
        cargo.dir = project_.path();
        cargo.bins = {"app"};
    }

    std::string key(const std::string& base_key = "cargo-0123456789ab") const {
        assemble::StepContext context{.project_dir = project_.path(),
                                      .outside = {project_ / "target", project_ / "ui/out"}};
        return assemble::cargo_step_inputs(cargo, context, store_, base_key).key();
    }
    fs::path operator/(const std::string& name) const { return project_ / name; }

    assemble::CargoSection cargo;

  private:
    ScratchDir project_;
    ScratchDir bin_;
    cairn::assemble::testing::PathPrepended path_{bin_.path()};
    ScratchDir cache_;
    cairn::oci::BlobStore store_{cache_.path()};
};

BOOST_AUTO_TEST_CASE(the_cargo_key_follows_sources_settings_and_variables_not_outputs) {
    unsetenv("RUSTFLAGS");
    CargoProject project;
    auto key = project.key();
    BOOST_TEST(key.starts_with("bin-"));
    BOOST_TEST(key.size() == 4 + 24);
    BOOST_TEST(project.key() == key);
    // What cargo writes, and npm's output, are not inputs.
    write_file(project / "target/release/app", "binary");
    write_file(project / "ui/out/index.html", "<html>");
    BOOST_TEST(project.key() == key);
    write_file(project / "src/main.rs", "fn main() { println!(); }\n");
    auto edited = project.key();
    BOOST_TEST(edited != key);
    BOOST_TEST(project.key("cargo-ba5eba5eba5e") != edited);
    setenv("RUSTFLAGS", "-C opt-level=1", 1);
    BOOST_TEST(project.key() != edited);
    unsetenv("RUSTFLAGS");
    BOOST_TEST(project.key() == edited);
    project.cargo.bins.push_back("ctl");
    BOOST_TEST(project.key() != edited);
    BOOST_TEST(assemble::cargo_reads_variable("CARGO_PROFILE_RELEASE_LTO"));
    BOOST_TEST(assemble::cargo_reads_variable("RUSTC_WRAPPER"));
    BOOST_TEST(!assemble::cargo_reads_variable("CARGO_HOME"));
    BOOST_TEST(!assemble::cargo_reads_variable("HOME"));
}

BOOST_AUTO_TEST_CASE(the_variables_a_run_read_come_from_dep_info_and_build_script_output) {
    ScratchDir target;
    write_file(target / "deps/app-0123456789abcdef.d",
               "/v/src/main.rs:\n\n# env-dep:APP_GREETING\n# env-dep:CARGO_PKG_NAME=app\n");
    write_file(target / "deps/serde-0123456789abcdef.d", "# env-dep:NOT_OURS\n");
    write_file(target / "deps/app-fedcba9876543210.d", "# env-dep:\x1b[31mX\n");
    write_file(target / "build/app-0123456789abcdef/output",
               "cargo:rerun-if-env-changed=APP_MODE\ncargo::rerun-if-env-changed=APP_LEVEL\n"
               "cargo:rustc-env=IGNORED=1\n");
    assemble::WorkspaceNames workspace{.packages = {"app"}, .crates = {"app"}};
    auto names = assemble::cargo_read_variables(target.path(), workspace);
    BOOST_TEST((names == std::vector<std::string>{"APP_GREETING", "APP_LEVEL", "APP_MODE",
                                                  "CARGO_PKG_NAME"}));
}

BOOST_AUTO_TEST_CASE(a_record_holds_its_variables_and_knows_when_one_changed) {
    ScratchDir cache;
    cairn::oci::BlobStore store(cache.path());
    auto digest = store.put("layer bytes");
    setenv("CAIRN_TEST_GREETING", "hello", 1);
    unsetenv("CAIRN_TEST_UNSET");
    assemble::StepRecord record{
        .layer = {.diff_id = cairn::oci::Digest::of("tar"),
                  .digest = digest,
                  .size = 11,
                  .compression = assemble::Compression::gzip},
        .variables = assemble::variable_lines({"CAIRN_TEST_GREETING", "CAIRN_TEST_UNSET"})};
    BOOST_TEST(record.variables.back() == "CAIRN_TEST_UNSET unset");
    assemble::StepRecords records(cache.path(), "/src/project", "cargo build");
    records.remember("bin-aaaa", record);
    auto found = records.find("bin-aaaa", store);
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->variables == record.variables);
    BOOST_TEST(!found->changed_variable().has_value());
    setenv("CAIRN_TEST_GREETING", "hi", 1);
    BOOST_TEST(found->changed_variable().value_or("") == "CAIRN_TEST_GREETING");
    unsetenv("CAIRN_TEST_GREETING");

    // The registry's label: the same lines, and nothing of another form.
    auto text = assemble::join_variable_lines(record.variables);
    BOOST_TEST((assemble::parse_variable_lines(text) == record.variables));
    BOOST_TEST(assemble::parse_variable_lines("").value().empty());
    BOOST_TEST(!assemble::parse_variable_lines("\x1b[31mX unset").has_value());
    BOOST_TEST(!assemble::parse_variable_lines("X 0123").has_value());
    BOOST_TEST(!assemble::parse_variable_lines("X").has_value());
    write_file(cache / "steps/bin-bbbb", record.layer.diff_id.str() + " " + digest.str() +
                                             " 11 gzip\nenv X \x1b[31m\n");
    BOOST_TEST(!records.find("bin-bbbb", store).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
