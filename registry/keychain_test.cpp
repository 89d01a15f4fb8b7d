#include "registry/keychain.hpp"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <functional>
#include <thread>

#include "error_test_support.hpp"
#include "oci/error.hpp"
#include "oci/json.hpp"
#include "registry/auth_file.hpp"
#include "registry/base64.hpp"
#include "registry/keychain_test_support.hpp"

namespace fs = std::filesystem;
namespace registry = cairn::registry;
using cairn::test::error_of;
using cairn::test::KeychainSandbox;

namespace {

std::string auths(const std::string& key, const std::string& user_colon_password) {
    return R"({"auths":{")" + key + R"(":{"auth":")" +
           registry::base64_encode(user_colon_password) + R"("}}})";
}

std::optional<registry::Credential> find(const std::string& host, std::string* tried = nullptr) {
    registry::DefaultKeychain keychain({.helper_timeout = std::chrono::milliseconds(5000)});
    return keychain.find(host, tried);
}

unsigned mode_of(const fs::path& path) {
    struct stat info {};
    ::stat(path.c_str(), &info);
    return info.st_mode & 0777;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keychain)

BOOST_AUTO_TEST_CASE(nothing_configured_is_anonymous_and_says_where_it_looked) {
    KeychainSandbox sandbox;
    std::string tried;
    BOOST_TEST(!find("registry.example", &tried));
    BOOST_TEST(tried.find((sandbox.home() / ".config/containers/auth.json").string() +
                          " (absent)") != std::string::npos);
    BOOST_TEST(tried.find(sandbox.docker_config().string() + " (absent)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(registry_auth_file_with_a_colon_in_the_password) {
    KeychainSandbox sandbox;
    auto file = sandbox.root() / "auth.json";
    sandbox.write(file, auths("registry.example", "alice:pa:ss:word"));
    sandbox.env().set("REGISTRY_AUTH_FILE", file.string());
    std::string tried;
    auto credential = find("registry.example", &tried);
    BOOST_REQUIRE(credential);
    BOOST_TEST(credential->username == "alice");
    BOOST_TEST(credential->password == "pa:ss:word");
    BOOST_TEST(credential->source == file.string());
    BOOST_TEST(tried == "REGISTRY_AUTH_FILE=" + file.string());
    BOOST_TEST(!find("other.example"));
}

BOOST_AUTO_TEST_CASE(containers_auth_files_in_order) {
    KeychainSandbox sandbox;
    auto runtime = sandbox.root() / "run";
    auto config = sandbox.home() / ".config/containers/auth.json";
    sandbox.write(config, auths("registry.example", "from-config:x"));
    sandbox.env().set("XDG_RUNTIME_DIR", runtime.string());
    BOOST_TEST(find("registry.example")->username == "from-config");

    sandbox.write(runtime / "containers/auth.json", auths("registry.example", "from-runtime:x"));
    BOOST_TEST(find("registry.example")->username == "from-runtime");

    // REGISTRY_AUTH_FILE replaces both, even when it has nothing for the host.
    auto own = sandbox.root() / "own.json";
    sandbox.write(own, auths("other.example", "own:x"));
    sandbox.env().set("REGISTRY_AUTH_FILE", own.string());
    BOOST_TEST(!find("registry.example"));

    sandbox.env().unset("REGISTRY_AUTH_FILE");
    sandbox.env().set("XDG_CONFIG_HOME", (sandbox.root() / "xdg").string());
    sandbox.write(sandbox.root() / "xdg/containers/auth.json", auths("elsewhere.example", "xdg:x"));
    BOOST_TEST(find("elsewhere.example")->username == "xdg");
}

BOOST_AUTO_TEST_CASE(containers_auth_json_comes_before_docker_config) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.docker_config(), auths("registry.example", "docker:x"));
    BOOST_TEST(find("registry.example")->username == "docker");
    BOOST_TEST(find("registry.example")->source == sandbox.docker_config().string());
    sandbox.write(sandbox.home() / ".config/containers/auth.json",
                  auths("registry.example", "podman:x"));
    BOOST_TEST(find("registry.example")->username == "podman");
}

BOOST_AUTO_TEST_CASE(docker_config_variable_replaces_the_home_file) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.docker_config(), auths("registry.example", "home:x"));
    auto directory = sandbox.root() / "docker";
    sandbox.write(directory / "config.json", auths("registry.example", "variable:x"));
    sandbox.env().set("DOCKER_CONFIG", directory.string());
    BOOST_TEST(find("registry.example")->username == "variable");
    BOOST_TEST(registry::docker_config_file() == directory / "config.json");
}

BOOST_AUTO_TEST_CASE(auths_fields_and_tokens) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.docker_config(), R"({"auths":{
        "plain.example": {"username": "bob", "password": "b:o:b"},
        "token.example": {"auth": ")" + registry::base64_encode("<token>:") +
                                               R"(",
                          "identitytoken": "refresh-me"},
        "bearer.example": {"registrytoken": "bearer-me"},
        "empty.example": {},
        "pad1.example": {"auth": "YTpiOmM="},
        "pad2.example": {"auth": "YWI6Yw=="},
        "pad0.example": {"auth": "YWJjOmRl"}
    }})");
    BOOST_TEST(find("pad1.example")->password == "b:c");
    BOOST_TEST(find("pad2.example")->username == "ab");
    BOOST_TEST(find("pad2.example")->password == "c");
    BOOST_TEST(find("pad0.example")->password == "de");
    auto plain = find("plain.example");
    BOOST_TEST(plain->username == "bob");
    BOOST_TEST(plain->password == "b:o:b");
    auto token = find("token.example");
    BOOST_TEST(token->identity_token == "refresh-me");
    BOOST_TEST(find("bearer.example")->registry_token == "bearer-me");
    BOOST_TEST(!find("empty.example"));
}

BOOST_AUTO_TEST_CASE(host_keys_are_normalised) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.docker_config(), R"({"auths":{
        "https://secure.example": {"auth": ")" +
                                               registry::base64_encode("a:1") + R"("},
        "http://legacy.example:5000/v1/": {"auth": ")" +
                                               registry::base64_encode("b:2") + R"("},
        "Mixed.Example": {"auth": ")" + registry::base64_encode("c:3") +
                                               R"("},
        "https://both.example/v1/": {"auth": ")" +
                                               registry::base64_encode("alias:4") + R"("},
        "both.example": {"auth": ")" + registry::base64_encode("exact:5") +
                                               R"("}
    }})");
    BOOST_TEST(find("secure.example")->username == "a");
    BOOST_TEST(find("legacy.example:5000")->username == "b");
    BOOST_TEST(!find("legacy.example"));  // the port is part of the host
    BOOST_TEST(find("mixed.example")->username == "c");
    BOOST_TEST(find("both.example")->username == "exact");
}

BOOST_AUTO_TEST_CASE(repository_scoped_auth_json_keys_are_not_used_for_the_whole_host) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.home() / ".config/containers/auth.json",
                  auths("quay.io/team/app", "scoped:x"));
    BOOST_TEST(!find("quay.io"));
}

BOOST_AUTO_TEST_CASE(docker_hub_aliases) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.docker_config(), auths("https://index.docker.io/v1/", "hub:x"));
    for (const char* host : {"docker.io", "registry-1.docker.io", "index.docker.io"}) {
        BOOST_TEST_CONTEXT(host) {
            auto credential = find(host);
            BOOST_REQUIRE(credential);
            BOOST_TEST(credential->username == "hub");
        }
    }
    // podman writes the bare name
    sandbox.write(sandbox.home() / ".config/containers/auth.json", auths("docker.io", "podman:x"));
    BOOST_TEST(find("registry-1.docker.io")->username == "podman");
    BOOST_TEST(registry::docker_config_key("registry-1.docker.io") ==
               "https://index.docker.io/v1/");
    BOOST_TEST(registry::docker_config_key("Registry.Example:5000") == "registry.example:5000");
}

BOOST_AUTO_TEST_CASE(cred_helpers_come_before_auths) {
    KeychainSandbox sandbox;
    sandbox.helper_knows("registry.example",
                         R"({"ServerURL":"registry.example","Username":"helped","Secret":"s:1"})");
    sandbox.helper_knows("https://index.docker.io/v1/",
                         R"({"Username":"<token>","Secret":"hub-refresh"})");
    sandbox.write(sandbox.docker_config(), R"({
        "auths": {"registry.example": {"auth": ")" +
                                               registry::base64_encode("plain:x") + R"("},
                  "unknown.example": {"auth": ")" +
                                               registry::base64_encode("fallback:x") + R"("}},
        "credHelpers": {"registry.example": "fake", "https://index.docker.io/v1/": "fake",
                        "unknown.example": "fake"}})");
    std::string tried;
    auto credential = find("registry.example", &tried);
    BOOST_TEST(credential->username == "helped");
    BOOST_TEST(credential->password == "s:1");
    BOOST_TEST(credential->source == "docker-credential-fake");
    BOOST_TEST(tried.find("docker-credential-fake") != std::string::npos);

    auto hub = find("docker.io");
    BOOST_TEST(hub->identity_token == "hub-refresh");
    BOOST_TEST(hub->username.empty());
    BOOST_TEST(hub->password.empty());

    // The helper has nothing ("credentials not found", exit 1): the auths entry is next.
    BOOST_TEST(find("unknown.example")->username == "fallback");
}

BOOST_AUTO_TEST_CASE(creds_store_is_the_last_resort_within_a_file) {
    KeychainSandbox sandbox;
    sandbox.helper_knows("registry.example", R"({"Username":"stored","Secret":"x"})");
    sandbox.helper_knows("plain.example", R"({"Username":"stored","Secret":"x"})");
    sandbox.write(sandbox.docker_config(), R"({"credsStore": "fake", "auths": {
        "registry.example": {},
        "plain.example": {"auth": ")" + registry::base64_encode("plain:x") +
                                               R"("}}})");
    BOOST_TEST(find("registry.example")->username == "stored");  // a placeholder falls through
    BOOST_TEST(find("plain.example")->username == "plain");
    BOOST_TEST(!find("nowhere.example"));
}

BOOST_AUTO_TEST_CASE(a_missing_helper_is_skipped_and_named) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.docker_config(), R"({"credsStore": "desktop"})");
    std::string tried;
    BOOST_TEST(!find("registry.example", &tried));
    BOOST_TEST(tried.find("docker-credential-desktop (not installed)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failing_helper_is_an_error) {
    KeychainSandbox sandbox;
    sandbox.install_helper("broken",
                           "#!/bin/sh\ncat >/dev/null\necho 'keyring locked' >&2\nexit 3\n");
    sandbox.write(sandbox.docker_config(), R"({"credsStore": "broken"})");
    auto message = error_of([] { find("registry.example"); });
    BOOST_TEST(message.find("docker-credential-broken get for registry.example failed") !=
               std::string::npos);
    BOOST_TEST(message.find("keyring locked") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_files_are_errors_naming_the_file) {
    KeychainSandbox sandbox;
    auto file = sandbox.root() / "auth.json";
    sandbox.env().set("REGISTRY_AUTH_FILE", file.string());
    const std::pair<const char*, const char*> cases[] = {
        {"{\n  \"auths\": {\n    \"a.example\": {}\n    \"b.example\": {}\n  }\n}",
         ":4:5: not valid JSON"},
        {"[]", "does not hold a JSON object"},
        {R"({"auths": []})", "\"auths\" must be an object"},
        {R"({"auths": {"a.example": "x"}})", "\"a.example\" must be an object"},
        {R"({"auths": {"a.example": {"auth": "not base64!"}}})", "\"auth\" is not valid base64"},
        {R"({"auths": {"a.example": {"auth": "bm9jb2xvbg=="}}})", "does not hold user:password"},
        {R"({"auths": {"a.example": {"auth": "YTpiOmM"}}})", "\"auth\" is not valid base64"},
        {R"({"auths": {"a.example": {"auth": "YTpi-mM="}}})", "\"auth\" is not valid base64"},
        {R"({"auths": {"a.example": {"auth": "YTp=OmM="}}})", "\"auth\" is not valid base64"},
        {R"({"auths": {"a.example": {"auth": 7}}})", "\"auth\" must be a string"},
        {R"({"credHelpers": {"a.example": 1}})", "credHelpers"},
        {R"({"credsStore": {}})", "credsStore"},
    };
    for (const auto& [content, expected] : cases) {
        BOOST_TEST_CONTEXT(content) {
            sandbox.write(file, content);
            auto message = error_of([] { find("a.example"); });
            BOOST_CHECK_MESSAGE(message.find(file.string()) == 0u, message);
            BOOST_CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
        }
    }
    sandbox.write(file, "  \n");  // empty: no configuration, as for Docker
    BOOST_TEST(!find("a.example"));
}

BOOST_AUTO_TEST_CASE(store_creates_a_private_file_and_round_trips) {
    KeychainSandbox sandbox;
    registry::DefaultKeychain keychain;
    keychain.store_credential("registry.example:5000", {.username = "carol", .password = "c:a:r"});
    keychain.store_credential("docker.io", {.identity_token = "hub-refresh"});
    BOOST_TEST(mode_of(sandbox.docker_config()) == 0600u);
    BOOST_TEST(mode_of(sandbox.docker_config().parent_path()) == 0700u);
    auto credential = find("registry.example:5000");
    BOOST_TEST(credential->username == "carol");
    BOOST_TEST(credential->password == "c:a:r");
    BOOST_TEST(find("registry-1.docker.io")->identity_token == "hub-refresh");
    auto document = cairn::oci::json::parse_object(KeychainSandbox::read(sandbox.docker_config()),
                                                   "config.json", 1 << 20);
    BOOST_TEST(document["auths"].HasMember("https://index.docker.io/v1/"));
    BOOST_TEST(document["auths"]["registry.example:5000"]["auth"].GetString() ==
               registry::base64_encode("carol:c:a:r"));
}

BOOST_AUTO_TEST_CASE(store_keeps_every_other_key_and_tightens_the_mode) {
    KeychainSandbox sandbox;
    auto directory = sandbox.root() / "docker";
    sandbox.env().set("DOCKER_CONFIG", directory.string());
    auto file = directory / "config.json";
    sandbox.write(file, R"({"proxies": {"default": {"httpProxy": "http://proxy:3128"}},
        "auths": {"other.example": {"auth": ")" +
                            registry::base64_encode("o:x") + R"("},
                  "registry.example": {"auth": ")" +
                            registry::base64_encode("old:x") + R"(", "email": "c@example.com"}},
        "detachKeys": "ctrl-e,e", "number": 1.5, "list": [1, true, null]})");
    ::chmod(file.c_str(), 0644);
    registry::DefaultKeychain().store_credential("registry.example",
                                                 {.username = "new", .password = "y"});
    BOOST_TEST(mode_of(file) == 0600u);
    auto document =
        cairn::oci::json::parse_object(KeychainSandbox::read(file), "config.json", 1 << 20);
    BOOST_TEST(document["proxies"]["default"]["httpProxy"].GetString() ==
               std::string("http://proxy:3128"));
    BOOST_TEST(document["detachKeys"].GetString() == std::string("ctrl-e,e"));
    BOOST_TEST(document["number"].GetDouble() == 1.5);
    BOOST_TEST(document["list"].Size() == 3u);
    BOOST_TEST(document["auths"]["registry.example"]["email"].GetString() ==
               std::string("c@example.com"));
    BOOST_TEST(find("other.example")->username == "o");
    BOOST_TEST(find("registry.example")->username == "new");
    BOOST_TEST(!fs::exists(sandbox.docker_config()));
}

BOOST_AUTO_TEST_CASE(store_follows_a_symbolic_link) {
    KeychainSandbox sandbox;
    auto real = sandbox.root() / "dotfiles/docker-config.json";
    sandbox.write(real, "{}");
    fs::create_directories(sandbox.docker_config().parent_path());
    fs::create_symlink(real, sandbox.docker_config());
    registry::DefaultKeychain().store_credential("registry.example",
                                                 {.username = "u", .password = "p"});
    BOOST_TEST(fs::is_symlink(sandbox.docker_config()));
    BOOST_TEST(KeychainSandbox::read(real).find("registry.example") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(store_goes_through_the_helper_that_applies) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.docker_config(), R"({"credsStore": "fake", "auths": {
        "registry.example": {"auth": ")" + registry::base64_encode("stale:x") +
                                               R"("}}})");
    registry::DefaultKeychain().store_credential("registry.example",
                                                 {.username = "dave", .password = "d\"1"});
    auto stored = cairn::oci::json::parse_object(
        KeychainSandbox::read(sandbox.helper_state() / "stored"), "stored", 4096);
    BOOST_TEST(stored["ServerURL"].GetString() == std::string("registry.example"));
    BOOST_TEST(stored["Username"].GetString() == std::string("dave"));
    BOOST_TEST(stored["Secret"].GetString() == std::string("d\"1"));
    // The stale secret is gone from the file; a placeholder is left, as Docker does.
    auto text = KeychainSandbox::read(sandbox.docker_config());
    BOOST_TEST(text.find(registry::base64_encode("stale:x")) == std::string::npos);
    auto document = cairn::oci::json::parse_object(text, "config.json", 1 << 20);
    BOOST_TEST(document["auths"]["registry.example"].ObjectEmpty());

    registry::DefaultKeychain().store_credential("docker.io", {.identity_token = "tok"});
    stored = cairn::oci::json::parse_object(
        KeychainSandbox::read(sandbox.helper_state() / "stored"), "stored", 4096);
    BOOST_TEST(stored["ServerURL"].GetString() == std::string("https://index.docker.io/v1/"));
    BOOST_TEST(stored["Username"].GetString() == std::string("<token>"));
    BOOST_TEST(stored["Secret"].GetString() == std::string("tok"));
}

BOOST_AUTO_TEST_CASE(erase_removes_every_spelling_and_asks_the_helper) {
    KeychainSandbox sandbox;
    sandbox.write(sandbox.docker_config(), R"({"credHelpers": {"helped.example": "fake"}, "auths": {
        "https://registry.example": {"auth": ")" +
                                               registry::base64_encode("a:x") + R"("},
        "registry.example": {"auth": ")" + registry::base64_encode("b:x") +
                                               R"("},
        "helped.example": {},
        "other.example": {"auth": ")" + registry::base64_encode("c:x") +
                                               R"("}}})");
    registry::DefaultKeychain keychain;
    keychain.erase_credential("registry.example");
    BOOST_TEST(!find("registry.example"));
    BOOST_TEST(find("other.example")->username == "c");
    BOOST_TEST(!fs::exists(sandbox.helper_state() / "erased"));
    keychain.erase_credential("helped.example");
    BOOST_TEST(KeychainSandbox::read(sandbox.helper_state() / "erased") == "helped.example");
    auto document = cairn::oci::json::parse_object(KeychainSandbox::read(sandbox.docker_config()),
                                                   "config.json", 1 << 20);
    BOOST_TEST(!document["auths"].HasMember("helped.example"));
    BOOST_TEST(document["credHelpers"].HasMember("helped.example"));
    keychain.erase_credential("never.example");  // nothing there: not an error
}

BOOST_AUTO_TEST_SUITE_END()
