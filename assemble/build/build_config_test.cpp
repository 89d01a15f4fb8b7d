// cairn.toml read into a BuildConfig: the SPEC's example, defaults, and each kind of mistake.
#include "assemble/build/build_config.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "oci/error.hpp"
#include "temp_dir.hpp"

using namespace cairn::assemble;

namespace {

const std::string kFile = "/proj/cairn.toml";

// A complete config, as docs/config.md shows one.
const std::string kSpecExample = R"(
[image]
name = "unitone-agentgateway"            # repository name
base = "debian:bookworm-slim"            # runtime base: any transport
entrypoint = ["/app/agentgateway"]
cmd = ["-f", "/etc/agentgateway/config.yaml"]
workdir = "/app"
user = "10001:10001"
env = { RUST_LOG = "info" }
ports = ["8080/tcp"]
labels = { "org.opencontainers.image.source" = "https://example.invalid/repo" }

[cargo]                                  # optional
dir = "."                                # where Cargo.toml is
profile = "release"
bins = ["agentgateway"]                  # installed to /app/<bin>
features = []

[npm]                                    # optional
dir = "ui"
script = "build"                         # npm run <script>
output = "out"                           # copied to /app/ui

[[files]]                                # optional extra files
src = "config/default.yaml"
dest = "/etc/agentgateway/config.yaml"

[profiles.dev]
registry = "unitoneacrdev.azurecr.io"
tag = "dev-{git_short}"                  # {git_short} {git_sha} {date} {env}
                                         # {git_short}: `git rev-parse --short HEAD`
deploy = "az containerapp update -n agw-dev -g rg-dev --image {image}@{digest}"

[profiles.prod]
registry = "unitoneacr.azurecr.io"
tag = "{git_sha}"
)";

const std::string kMinimal = "[image]\nname = \"app\"\nbase = \"scratch\"\n";

BuildConfig parse(const std::string& text, const std::string& file = kFile) {
    return parse_build_config(text, file);
}

std::string error_of(const std::string& text, const std::string& file = kFile) {
    try {
        parse(text, file);
    } catch (const cairn::Error& error) {
        return error.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(build_config)

BOOST_AUTO_TEST_CASE(spec_example_parses) {
    auto config = parse(kSpecExample);
    BOOST_TEST(config.project_dir == "/proj");
    const auto& image = config.image;
    BOOST_TEST(image.name == "unitone-agentgateway");
    BOOST_TEST(image.base.text == "debian:bookworm-slim");
    BOOST_TEST((image.base.transport == ImageReference::Transport::registry));
    BOOST_TEST((image.entrypoint == std::vector<std::string>{"/app/agentgateway"}));
    BOOST_TEST((image.cmd == std::vector<std::string>{"-f", "/etc/agentgateway/config.yaml"}));
    BOOST_TEST(*image.workdir == "/app");
    BOOST_TEST(*image.user == "10001:10001");
    BOOST_TEST(
        (image.env == std::vector<std::pair<std::string, std::string>>{{"RUST_LOG", "info"}}));
    BOOST_TEST(image.ports == std::vector<std::string>{"8080/tcp"});
    BOOST_TEST(image.labels.at("org.opencontainers.image.source") ==
               "https://example.invalid/repo");

    BOOST_REQUIRE(config.cargo);
    BOOST_TEST(config.cargo->dir == "/proj");
    BOOST_TEST(config.cargo->profile == "release");
    BOOST_TEST(config.cargo->bins == std::vector<std::string>{"agentgateway"});
    BOOST_TEST(config.cargo->features.empty());

    BOOST_REQUIRE(config.npm);
    BOOST_TEST(config.npm->dir == "/proj/ui");
    BOOST_TEST(config.npm->script == "build");
    BOOST_TEST(config.npm->output == "/proj/ui/out");

    BOOST_REQUIRE(config.files.size() == 1u);
    BOOST_TEST(config.files[0].src == "/proj/config/default.yaml");
    BOOST_TEST(config.files[0].dest == "/etc/agentgateway/config.yaml");

    BOOST_REQUIRE(config.profiles.size() == 2u);
    const auto& dev = config.profile("dev");
    BOOST_TEST(dev.env == "dev");
    BOOST_TEST(dev.registry == "unitoneacrdev.azurecr.io");
    BOOST_TEST(dev.tag == "dev-{git_short}");
    BOOST_TEST(*dev.deploy ==
               "az containerapp update -n agw-dev -g rg-dev --image {image}@{digest}");
    BOOST_TEST(config.profile("prod").tag == "{git_sha}");
    BOOST_TEST(!config.profile("prod").deploy);
}

BOOST_AUTO_TEST_CASE(defaults_apply) {
    auto minimal = parse(kMinimal);
    BOOST_TEST(!minimal.cargo);
    BOOST_TEST(!minimal.npm);
    BOOST_TEST(minimal.files.empty());
    BOOST_TEST(minimal.profiles.empty());
    BOOST_TEST(!minimal.image.entrypoint);
    BOOST_TEST(!minimal.image.cmd);
    BOOST_TEST(!minimal.image.workdir);
    BOOST_TEST(minimal.image.env.empty());
    BOOST_TEST((minimal.image.base.transport == ImageReference::Transport::scratch));

    auto built =
        parse(kMinimal + "[cargo]\nbins = [\"app\"]\n[npm]\ndir = \"web\"\noutput = \"dist\"\n");
    BOOST_TEST(built.cargo->dir == "/proj");
    BOOST_TEST(built.cargo->profile == "release");
    BOOST_TEST(built.cargo->features.empty());
    BOOST_TEST(built.npm->script == "build");
    BOOST_TEST(built.npm->output == "/proj/web/dist");
}

BOOST_AUTO_TEST_CASE(relative_paths_start_at_the_config_directory) {
    auto config = parse(
        "[image]\nname = \"team/app\"\nbase = \"oci:./bases/debian:12\"\n"
        "[cargo]\ndir = \"../rust\"\nbins = [\"a\"]\n"
        "[npm]\ndir = \"./ui/\"\noutput = \"../dist\"\n"
        "[[files]]\nsrc = \"conf/../etc/a.yaml\"\ndest = \"/etc/a.yaml\"\n"
        "[[files]]\nsrc = \"static\"\ndest = \"/srv/\"\n",
        "/work/proj/sub/cairn.toml");
    BOOST_TEST(config.project_dir == "/work/proj/sub");
    BOOST_TEST(config.image.base.path == "/work/proj/sub/bases/debian");
    BOOST_TEST(config.image.base.tag == "12");
    BOOST_TEST(config.image.base.text == "oci:./bases/debian:12");
    BOOST_TEST(config.cargo->dir == "/work/proj/rust");
    BOOST_TEST(config.npm->dir == "/work/proj/sub/ui");
    BOOST_TEST(config.npm->output == "/work/proj/sub/dist");
    BOOST_TEST(config.files[0].src == "/work/proj/sub/etc/a.yaml");
    BOOST_TEST(config.files[1].dest == "/srv/");
}

BOOST_AUTO_TEST_CASE(unknown_keys_name_file_line_and_key) {
    BOOST_TEST(error_of("[image]\nname = \"app\"\nnmae = \"x\"\nbase = \"scratch\"\n") ==
               "/proj/cairn.toml:3: unknown key \"image.nmae\" (did you mean \"name\"?)");
    BOOST_TEST(error_of(kMinimal + "[cargo]\nbins = [\"a\"]\ncolour = \"blue\"\n") ==
               "/proj/cairn.toml:6: unknown key \"cargo.colour\"; [cargo] takes dir, profile, "
               "bins, features");
    BOOST_TEST(error_of(kMinimal + "[profiles.dev]\nregsitry = \"r.io\"\ntag = \"x\"\n") ==
               "/proj/cairn.toml:5: unknown key \"profiles.dev.regsitry\" (did you mean "
               "\"registry\"?)");
    BOOST_TEST(error_of(kMinimal + "[[files]]\nsrc = \"a\"\ndest = \"/a\"\nmode = \"0644\"\n") ==
               "/proj/cairn.toml:7: unknown key \"files.mode\"; [files] takes src, dest");
    BOOST_TEST(error_of(kMinimal + "\n[deploy]\nx = 1\n") ==
               "/proj/cairn.toml:5: unknown key \"deploy\"; the file takes image, cargo, npm, "
               "files, profiles");
}

BOOST_AUTO_TEST_CASE(wrong_types_name_file_line_and_key) {
    auto with = [](const std::string& line) {
        return error_of("[image]\nname = \"app\"\nbase = \"scratch\"\n" + line + "\n");
    };
    BOOST_TEST(with("entrypoint = \"/app\"") ==
               "/proj/cairn.toml:4: image.entrypoint must be an array of strings");
    BOOST_TEST(with("cmd = [\"-f\",\n 2]") ==
               "/proj/cairn.toml:5: image.cmd must be an array of strings");
    BOOST_TEST(with("user = 10001") == "/proj/cairn.toml:4: image.user must be a string");
    BOOST_TEST(with("env = { A = 1 }") ==
               "/proj/cairn.toml:4: image.env must be a table of strings (image.env.A is not)");
    BOOST_TEST(with("labels = [\"a=b\"]") ==
               "/proj/cairn.toml:4: image.labels must be a table of strings");
    BOOST_TEST(error_of("image = 1\n") == "/proj/cairn.toml:1: image must be a table ([image])");
    BOOST_TEST(error_of(kMinimal + "files = \"x\"\n") != "no error");  // files is a key of [image]
    BOOST_TEST(error_of("files = \"x\"\n" + kMinimal) ==
               "/proj/cairn.toml:1: files must be an array of tables ([[files]])");
    BOOST_TEST(error_of(kMinimal + "[profiles]\ndev = \"x\"\n") ==
               "/proj/cairn.toml:5: profiles.dev must be a table ([profiles.dev])");
}

BOOST_AUTO_TEST_CASE(missing_required_keys_are_named) {
    BOOST_TEST(error_of("[image]\nbase = \"scratch\"\n") ==
               "/proj/cairn.toml:1: missing required key \"image.name\"");
    BOOST_TEST(error_of("\n[image]\nname = \"app\"\n") ==
               "/proj/cairn.toml:2: missing required key \"image.base\"");
    BOOST_TEST(error_of("[cargo]\nbins = [\"a\"]\n") ==
               "/proj/cairn.toml: missing required table [image]");
    BOOST_TEST(error_of(kMinimal + "[cargo]\nprofile = \"dev\"\n") ==
               "/proj/cairn.toml:4: missing required key \"cargo.bins\" (the binaries to install)");
    BOOST_TEST(error_of(kMinimal + "[npm]\ndir = \"ui\"\n") ==
               "/proj/cairn.toml:4: missing required key \"npm.output\"");
    BOOST_TEST(error_of(kMinimal + "[profiles.dev]\nregistry = \"r.io\"\n") ==
               "/proj/cairn.toml:4: missing required key \"profiles.dev.tag\"");
    BOOST_TEST(error_of(kMinimal + "[[files]]\ndest = \"/a\"\n") ==
               "/proj/cairn.toml:4: missing required key \"files.src\"");
}

BOOST_AUTO_TEST_CASE(syntax_errors_name_line_and_column) {
    auto message = error_of("[image]\nname = \"app\nbase = \"scratch\"\n");
    BOOST_TEST(message.starts_with("/proj/cairn.toml:2:"));
    BOOST_TEST(message.find(": TOML syntax error: ") != std::string::npos);
    BOOST_TEST(
        error_of("[image]\nname = \"a\"\nname = \"b\"\n").starts_with("/proj/cairn.toml:3:"));
}

BOOST_AUTO_TEST_CASE(bad_values_are_named) {
    auto image = [](const std::string& name, const std::string& base) {
        return error_of("[image]\nname = \"" + name + "\"\nbase = \"" + base + "\"\n");
    };
    BOOST_TEST(image("App", "scratch") ==
               "/proj/cairn.toml:2: image.name \"App\" is not a repository name: lowercase letters "
               "and digits, separated by '.', '_', '__', '-' or '/'");
    BOOST_TEST(image("a..b", "scratch") != "no error");
    BOOST_TEST(image("team/my-app_1", "scratch") == "no error");
    BOOST_TEST(image("", "scratch") == "/proj/cairn.toml:2: image.name must not be empty");
    BOOST_TEST(image("app", "oci:").starts_with("/proj/cairn.toml:3: image.base: "));
    BOOST_TEST(error_of(kMinimal + "ports = [\"http\"]\n") ==
               "/proj/cairn.toml:4: image.ports entry \"http\" must be PORT/PROTOCOL (tcp, udp or "
               "sctp), e.g. \"8080/tcp\"");
    BOOST_TEST(error_of(kMinimal + "ports = [\"70000/tcp\"]\n") != "no error");
    BOOST_TEST(error_of(kMinimal + "ports = [\"53/udp\", \"80\"]\n") == "no error");
    BOOST_TEST(error_of(kMinimal + "[cargo]\nbins = []\n") ==
               "/proj/cairn.toml:5: cargo.bins must name at least one binary");
    BOOST_TEST(error_of(kMinimal + "[npm]\ndir = \"ui\"\noutput = \"/abs\"\n") ==
               "/proj/cairn.toml:6: npm.output \"/abs\" must be a path relative to npm.dir");
    auto npm = kMinimal + "[npm]\ndir = \"ui\"\noutput = \"out\"\n";
    BOOST_TEST(error_of(npm + "env_inputs = [\"API_URL\", \"_X1\"]\n") == "no error");
    BOOST_TEST(error_of(npm + "env_inputs = [\"API-URL\"]\n") ==
               "/proj/cairn.toml:7: npm.env_inputs holds \"API-URL\", which is not a variable name");
    BOOST_TEST(error_of(npm + "env_inputs = [\"1X\"]\n") != "no error");
    BOOST_TEST(error_of(npm + "env_inputs = \"API_URL\"\n") ==
               "/proj/cairn.toml:7: npm.env_inputs must be an array of strings");
}

BOOST_AUTO_TEST_CASE(extra_files_stay_in_the_project_and_land_at_absolute_paths) {
    auto files = [](const std::string& src, const std::string& dest) {
        return error_of(kMinimal + "[[files]]\nsrc = \"" + src + "\"\ndest = \"" + dest + "\"\n");
    };
    BOOST_TEST(files("../secret", "/x") ==
               "/proj/cairn.toml:5: files.src \"../secret\" is outside the project directory "
               "/proj; copy it into the project");
    BOOST_TEST(files("a/../../b", "/x") != "no error");
    BOOST_TEST(files("/etc/passwd", "/x") != "no error");
    BOOST_TEST(files("/proj/inside", "/x") == "no error");
    BOOST_TEST(files("a", "etc/a") ==
               "/proj/cairn.toml:6: files.dest \"etc/a\" must be an absolute path in the image, "
               "e.g. /etc/a");
}

// The check is on the resolved path: a link committed in the project (`root -> /`) must not
// let a layer take the host's files; a link as the last name is fine (stored as a link).
BOOST_AUTO_TEST_CASE(sources_that_leave_the_project_through_a_link_are_refused) {
    cairn::test::TempDir dir;
    auto project = dir / "proj";
    std::filesystem::create_directories(project / "real/sub");
    std::filesystem::create_directories(dir / "outside");
    std::filesystem::create_directory_symlink("/", project / "root");
    std::filesystem::create_directory_symlink("../outside", project / "up");
    std::filesystem::create_directory_symlink("real", project / "alias");
    std::ofstream(project / "real/sub/f") << "x";
    auto file = (project / "cairn.toml").string();
    auto files = [&](const std::string& src) {
        return error_of(kMinimal + "[[files]]\nsrc = \"" + src + "\"\ndest = \"/x\"\n", file);
    };
    auto shadow = files("root/etc/shadow");
    BOOST_TEST(shadow.find("files.src \"root/etc/shadow\" is outside the project directory") !=
                   std::string::npos,
               shadow);
    BOOST_TEST(shadow.find("(through a symbolic link it is /etc/shadow)") != std::string::npos,
               shadow);
    BOOST_TEST(files("root/etc") != "no error");
    BOOST_TEST(files("up/anything") != "no error");
    BOOST_TEST(files("up/") == "no error");  // the link itself: a layer stores it as a link
    BOOST_TEST(files("alias/sub/f") == "no error");  // a link that stays inside
    BOOST_TEST(files("root") == "no error");
    auto npm = [&](const std::string& dir_key, const std::string& output) {
        return error_of(kMinimal + "[npm]\ndir = \"" + dir_key + "\"\noutput = \"" + output + "\"\n",
                        file);
    };
    BOOST_TEST(npm("real", "../root/etc").find("npm.output") != std::string::npos);
    BOOST_TEST(npm("real", "../../elsewhere").find("outside the project directory") !=
               std::string::npos);
    BOOST_TEST(npm("real", "../up/dist").find("through a symbolic link") != std::string::npos);
    BOOST_TEST(npm("real", "sub") == "no error");
    BOOST_TEST(npm("real", "../alias/sub") == "no error");
}

BOOST_AUTO_TEST_CASE(profile_templates_and_registry_are_checked_when_read) {
    auto profile = [](const std::string& body) {
        return error_of(kMinimal + "[profiles.dev]\n" + body);
    };
    BOOST_TEST(profile("registry = \"r.io\"\ntag = \"dev-{branch}\"\n") ==
               "/proj/cairn.toml:6: profiles.dev.tag: unknown placeholder {branch} in tag "
               "template \"dev-{branch}\"; use {git_short}, {git_sha}, {date} or {env}, and {{ or "
               "}} for a literal brace");
    BOOST_TEST(
        profile("registry = \"r.io\"\ntag = \"x\"\ndeploy = \"echo ${HOME}\"\n")
            .starts_with("/proj/cairn.toml:7: profiles.dev.deploy: unknown placeholder {HOME}"));
    BOOST_TEST(profile("registry = \"https://r.io\"\ntag = \"x\"\n")
                   .starts_with("/proj/cairn.toml:5: profiles.dev.registry \"https://r.io\""));
    BOOST_TEST(profile("registry = \"localhost:5000/team\"\ntag = \"x\"\n") == "no error");
    BOOST_TEST(error_of(kMinimal + "[profiles.\"my env\"]\nregistry = \"r.io\"\ntag = \"x\"\n")
                   .starts_with("/proj/cairn.toml:4: profile name \"my env\""));
}

BOOST_AUTO_TEST_CASE(absent_profile_lists_the_defined_ones) {
    auto config = parse(kSpecExample);
    try {
        config.profile("staging");
        BOOST_FAIL("no error");
    } catch (const cairn::Error& error) {
        BOOST_TEST(std::string(error.what()) ==
                   "no profile \"staging\" in /proj/cairn.toml; it defines dev, prod");
    }
    BOOST_CHECK_THROW(parse(kMinimal).profile("dev"), cairn::Error);
}

BOOST_AUTO_TEST_CASE(load_reads_the_file_and_names_a_missing_one) {
    cairn::test::TempDir dir;
    std::ofstream(dir / "cairn.toml") << kSpecExample;
    auto config = load_build_config(dir / "cairn.toml");
    BOOST_TEST(config.project_dir == dir.path());
    BOOST_TEST(config.npm->dir == dir / "ui");
    BOOST_TEST(config.file == dir / "cairn.toml");
    try {
        load_build_config(dir / "missing.toml");
        BOOST_FAIL("no error");
    } catch (const cairn::Error& error) {
        BOOST_TEST(
            std::string(error.what())
                .starts_with("config file " + (dir / "missing.toml").string() + " does not exist"));
    }
}

BOOST_AUTO_TEST_CASE(image_section_becomes_config_changes) {
    auto changes = config_changes(parse(kSpecExample).image);
    BOOST_TEST((changes.entrypoint == std::vector<std::string>{"/app/agentgateway"}));
    BOOST_TEST(changes.cmd->size() == 2u);
    BOOST_TEST(
        (changes.env == std::vector<std::pair<std::string, std::string>>{{"RUST_LOG", "info"}}));
    BOOST_TEST(*changes.workdir == "/app");
    BOOST_TEST(*changes.user == "10001:10001");
    BOOST_TEST(changes.ports == std::vector<std::string>{"8080/tcp"});
    BOOST_TEST(changes.labels.size() == 1u);
    BOOST_TEST(changes.annotations.empty());
}

BOOST_AUTO_TEST_CASE(the_sample_project_config_is_valid) {
    const char* source = std::getenv("CAIRN_SOURCE_DIR");
    // The tree this test was compiled from, when ctest does not say.
    std::filesystem::path root = source ? std::filesystem::path(source)
                                        : std::filesystem::path(__FILE__).parent_path() / "../..";
    auto config = cairn::assemble::load_build_config(root / "testdata/sample/cairn.toml");
    BOOST_TEST(config.image.name == "sample");
    BOOST_REQUIRE(config.cargo.has_value());
    BOOST_TEST((config.cargo->bins == std::vector<std::string>{"sample-server"}));
    BOOST_REQUIRE(config.npm.has_value());
    BOOST_TEST(config.files.size() == 1u);
    for (const char* env : {"dev", "staging", "prod"})
        BOOST_TEST(!config.profile(env).registry.empty());
}

// The reference a user's clone has: every key the parser accepts is described there, in the
// table of its section (a new key without a line in docs/config.md fails here).
BOOST_AUTO_TEST_CASE(every_accepted_key_is_in_the_reference) {
    std::ifstream file(std::string(CAIRN_SOURCE_DIR) + "/docs/config.md");
    BOOST_REQUIRE_MESSAGE(file, "docs/config.md is missing");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    auto keys = accepted_config_keys();
    BOOST_TEST(keys.size() >= 20u);
    for (const auto& key : keys) {
        BOOST_TEST_CONTEXT(key) {
            BOOST_TEST(text.find("| `" + key + "` |") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
