// Reference parsing: Docker Hub defaults, registries, tags, digests, and what the grammar refuses.
#include "registry/reference.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

namespace cairn::registry {

namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Expected {
    std::string text;
    std::string registry;
    std::string repository;
    std::string tag;
    std::string canonical;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_reference)

BOOST_AUTO_TEST_CASE(valid_references_parse_to_their_parts) {
    const Expected cases[] = {
        {"ubuntu", "docker.io", "library/ubuntu", "latest", "docker.io/library/ubuntu:latest"},
        {"ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", "docker.io/library/ubuntu:22.04"},
        {"docker://ubuntu", "docker.io", "library/ubuntu", "latest",
         "docker.io/library/ubuntu:latest"},
        {"library/ubuntu", "docker.io", "library/ubuntu", "latest",
         "docker.io/library/ubuntu:latest"},
        {"bitnami/redis:7", "docker.io", "bitnami/redis", "7", "docker.io/bitnami/redis:7"},
        {"docker.io/ubuntu", "docker.io", "library/ubuntu", "latest",
         "docker.io/library/ubuntu:latest"},
        {"index.docker.io/foo/bar", "docker.io", "foo/bar", "latest", "docker.io/foo/bar:latest"},
        {"localhost/app", "localhost", "app", "latest", "localhost/app:latest"},
        {"localhost:5000/app:v1", "localhost:5000", "app", "v1", "localhost:5000/app:v1"},
        {"127.0.0.1:5000/a/b/c:tag", "127.0.0.1:5000", "a/b/c", "tag", "127.0.0.1:5000/a/b/c:tag"},
        {"[::1]:5000/app", "[::1]:5000", "app", "latest", "[::1]:5000/app:latest"},
        {"myacr.azurecr.io/team/app:dev-1a2b3c4", "myacr.azurecr.io", "team/app", "dev-1a2b3c4",
         "myacr.azurecr.io/team/app:dev-1a2b3c4"},
        {"Registry.Example.com/app", "Registry.Example.com", "app", "latest",
         "Registry.Example.com/app:latest"},
        {"quay.io/a_b/c__d/e-f/g--h/i.j", "quay.io", "a_b/c__d/e-f/g--h/i.j", "latest",
         "quay.io/a_b/c__d/e-f/g--h/i.j:latest"},
        {"ghcr.io/o/r:_underscore", "ghcr.io", "o/r", "_underscore", "ghcr.io/o/r:_underscore"},
        {"reg:443/x:Tag.With-Mixed_Case", "reg:443", "x", "Tag.With-Mixed_Case",
         "reg:443/x:Tag.With-Mixed_Case"},
        {"foo:5000", "docker.io", "library/foo", "5000", "docker.io/library/foo:5000"},
    };
    for (const auto& expected : cases) {
        BOOST_TEST_CONTEXT(expected.text) {
            auto reference = Reference::parse(expected.text);
            BOOST_TEST(reference.registry() == expected.registry);
            BOOST_TEST(reference.repository() == expected.repository);
            BOOST_TEST(reference.tag() == expected.tag);
            BOOST_TEST(!reference.digest());
            BOOST_TEST(reference.str() == expected.canonical);
            BOOST_TEST(Reference::parse(reference.str()) == reference);
        }
    }
}

BOOST_AUTO_TEST_CASE(digests_name_the_manifest_and_win_over_tags) {
    auto by_digest = Reference::parse("reg.example/app@sha256:" + kHex);
    BOOST_TEST(by_digest.tag().empty());
    BOOST_TEST(by_digest.digest()->str() == "sha256:" + kHex);
    BOOST_TEST(by_digest.manifest_reference() == "sha256:" + kHex);
    BOOST_TEST(by_digest.str() == "reg.example/app@sha256:" + kHex);

    auto both = Reference::parse("localhost:5000/app:v2@sha256:" + kHex);
    BOOST_TEST(both.tag() == "v2");
    BOOST_TEST(both.manifest_reference() == "sha256:" + kHex);
    BOOST_TEST(both.str() == "localhost:5000/app:v2@sha256:" + kHex);
    BOOST_TEST(both.with_tag("v3").str() == "localhost:5000/app:v3");

    auto tagged = Reference::parse("localhost:5000/app:v2");
    BOOST_TEST(tagged.manifest_reference() == "v2");
}

BOOST_AUTO_TEST_CASE(docker_hub_uses_its_api_host) {
    BOOST_TEST(Reference::parse("ubuntu").api_host() == "registry-1.docker.io");
    BOOST_TEST(Reference::parse("localhost:5000/u").api_host() == "localhost:5000");
}

BOOST_AUTO_TEST_CASE(invalid_references_are_usage_errors_naming_the_text) {
    const std::string cases[] = {
        "",
        "docker://",
        "Ubuntu",                // uppercase repository on Docker Hub
        "reg.example/App",       // uppercase repository
        "reg.example/app:",      // empty tag
        "reg.example/app:-tag",  // tag starts with '-'
        "reg.example/app:.tag",  // tag starts with '.'
        "reg.example/app:" + std::string(129, 'a'),
        "reg.example/app:ta/g",
        "reg.example/app@sha256:abc",   // short digest
        "reg.example/app@md5:" + kHex,  // other algorithm
        "reg.example/app@",
        "reg.example/",  // no repository
        "reg.example//app",
        "reg.example/app/",
        "reg.example/-app",
        "reg.example/app-",
        "reg.example/a..b",
        "reg.example/a___b",
        "reg.example/a_.b",
        "-reg.example/app",  // bad domain component
        "reg-.example/app",
        "reg..example/app",
        "reg.example:/app",  // empty port
        "reg.example:99999999/app",
        "reg.example:port/app",
        "[::1/app",
        "[zz]:5000/app",
        "reg example/app",
        "app name",
        kHex,  // looks like an image ID
        ":tag",
        "@sha256:" + kHex,
        "reg.example/" + std::string(250, 'a'),
    };
    for (const auto& text : cases) {
        BOOST_TEST_CONTEXT("\"" << text << "\"") {
            try {
                Reference::parse(text);
                BOOST_ERROR("accepted");
            } catch (const UsageError& error) {
                std::string message = error.what();
                BOOST_TEST(message.find("invalid image reference") != std::string::npos);
                BOOST_TEST(message.find(text.substr(0, 60)) != std::string::npos);
            }
        }
    }
}

// A port past 65535 (or 0) is a usage error naming the port, not a URL error from libcurl later.
BOOST_AUTO_TEST_CASE(ports_outside_the_tcp_range_are_usage_errors_naming_the_port) {
    for (const auto& [text, port] : {std::pair{"localhost:70000/x", "70000"},
                                     {"reg.example:65536/app:v1", "65536"},
                                     {"127.0.0.1:99999/a/b", "99999"},
                                     {"[::1]:123456/app", "123456"},
                                     {"reg.example:0/app", "0"},
                                     {"reg.example:00000/app", "00000"},
                                     {"reg.example:9999999999999999999999/app", "9999999999"}}) {
        BOOST_TEST_CONTEXT(text) {
            try {
                Reference::parse(text);
                BOOST_ERROR("accepted");
            } catch (const UsageError& error) {
                std::string message = error.what();
                BOOST_TEST(message.find("port " + std::string(port)) != std::string::npos,
                           message);
                BOOST_TEST(message.find("1 to 65535") != std::string::npos, message);
            }
        }
    }
    BOOST_TEST(Reference::parse("reg.example:65535/app").registry() == "reg.example:65535");
    BOOST_TEST(Reference::parse("reg.example:1/app").registry() == "reg.example:1");
    BOOST_TEST(Reference::parse("reg.example:05000/app").registry() == "reg.example:05000");
}

BOOST_AUTO_TEST_CASE(loopback_hosts) {
    for (const char* host : {"localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:5000",
                             "127.1.2.3:80", "[::1]:5000", "[::1]"}) {
        BOOST_TEST_CONTEXT(host) {
            BOOST_TEST(is_loopback_host(host));
        }
    }
    for (const char* host : {"docker.io", "10.0.0.1:5000", "127.0.0.1.example.com", "127.0.0.256",
                             "localhost.example", "[::2]:5000", "128.0.0.1"}) {
        BOOST_TEST_CONTEXT(host) {
            BOOST_TEST(!is_loopback_host(host));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
