// Host policy: loopback over HTTP, HTTPS elsewhere, --insecure-registry, --ca-file and certs.d.
#include "registry/host_policy.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>

#include "temp_dir.hpp"

namespace cairn::registry {

namespace {

void touch(const std::filesystem::path& path) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << "-----BEGIN CERTIFICATE-----\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_host_policy)

BOOST_AUTO_TEST_CASE(defaults) {
    HostPolicy policy({}, "", {});
    BOOST_TEST((policy.scheme("127.0.0.1:5000") == Scheme::http));
    BOOST_TEST((policy.scheme("localhost:5000") == Scheme::http));
    BOOST_TEST((policy.scheme("[::1]:5000") == Scheme::http));
    BOOST_TEST((policy.scheme("myacr.azurecr.io") == Scheme::https));
    BOOST_TEST((policy.scheme("10.1.2.3:5000") == Scheme::https));
    BOOST_TEST(policy.tls("myacr.azurecr.io").verify);
    BOOST_TEST(policy.tls("myacr.azurecr.io").ca_file.empty());
}

BOOST_AUTO_TEST_CASE(insecure_registries_by_host_or_host_and_port) {
    HostPolicy policy({"10.1.2.3:5000", "http://Build.Local", "127.0.0.1:6000"}, "", {});
    BOOST_TEST((policy.scheme("10.1.2.3:5000") == Scheme::insecure));
    BOOST_TEST((policy.scheme("10.1.2.3:5001") == Scheme::https));
    BOOST_TEST((policy.scheme("build.local:443") == Scheme::insecure));
    BOOST_TEST((policy.scheme("build.local") == Scheme::insecure));
    BOOST_TEST((policy.scheme("127.0.0.1:6000") == Scheme::insecure));
    BOOST_TEST(!policy.tls("10.1.2.3:5000").verify);
    BOOST_TEST(policy.tls("10.1.2.3:5001").verify);
    BOOST_TEST(!policy.is_insecure("other.example"));
}

BOOST_AUTO_TEST_CASE(a_ca_file_turns_loopback_to_https) {
    HostPolicy policy({}, "/tmp/ca.pem", {});
    BOOST_TEST((policy.scheme("127.0.0.1:5000") == Scheme::https));
    BOOST_TEST(policy.tls("127.0.0.1:5000").ca_file == "/tmp/ca.pem");
    BOOST_TEST(policy.tls("elsewhere.example").verify);
}

BOOST_AUTO_TEST_CASE(certs_d_directories) {
    cairn::test::TempDir first;
    cairn::test::TempDir second;
    touch(first / "127.0.0.1:5443/ca.crt");
    touch(second / "reg.example/extra.crt");
    touch(second / "reg.example/client.cert");
    touch(second / "reg.example/client.key");
    touch(second / "127.0.0.1:5443/ca.crt");  // the first root wins
    HostPolicy policy({}, "/fallback.pem", {first.path(), second.path()});

    BOOST_TEST((policy.scheme("127.0.0.1:5443") == Scheme::https));
    BOOST_TEST(policy.tls("127.0.0.1:5443").ca_file == (first / "127.0.0.1:5443/ca.crt").string());
    auto tls = policy.tls("reg.example:443");
    BOOST_TEST(tls.ca_file == (second / "reg.example/extra.crt").string());
    BOOST_TEST(tls.client_cert == (second / "reg.example/client.cert").string());
    BOOST_TEST(tls.client_key == (second / "reg.example/client.key").string());
    BOOST_TEST(policy.tls("other.example").ca_file == "/fallback.pem");

    HostPolicy without_ca({}, "", {first.path()});
    BOOST_TEST((without_ca.scheme("127.0.0.1:5443") == Scheme::https));
    BOOST_TEST((without_ca.scheme("127.0.0.1:5000") == Scheme::http));
}

BOOST_AUTO_TEST_CASE(certs_dir_from_the_environment) {
    const char* before = std::getenv("CAIRN_CERTS_DIR");
    std::string saved = before ? before : "";
    ::setenv("CAIRN_CERTS_DIR", "/somewhere/certs.d", 1);
    auto dirs = default_certs_dirs();
    ::unsetenv("CAIRN_CERTS_DIR");
    auto system_dirs = default_certs_dirs();
    if (before) ::setenv("CAIRN_CERTS_DIR", saved.c_str(), 1);
    BOOST_TEST_REQUIRE(dirs.size() == 1u);
    BOOST_TEST(dirs[0] == "/somewhere/certs.d");
    BOOST_TEST_REQUIRE(system_dirs.size() == 2u);
    BOOST_TEST(system_dirs[0] == "/etc/containers/certs.d");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
