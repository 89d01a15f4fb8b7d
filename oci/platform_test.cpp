#include "oci/platform.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

using cairn::oci::Platform;

BOOST_AUTO_TEST_SUITE(platform)

BOOST_AUTO_TEST_CASE(parse_forms) {
    auto p = Platform::parse("linux/arm/v7");
    BOOST_TEST(p.os == "linux");
    BOOST_TEST(p.architecture == "arm");
    BOOST_TEST(p.variant == "v7");
    BOOST_TEST(Platform::parse("linux/amd64").str() == "linux/amd64");
    for (const char* bad : {"", "linux", "linux/", "/amd64", "a/b/c/d", "linux//v7"}) {
        BOOST_CHECK_THROW(Platform::parse(bad), cairn::UsageError);
    }
}

BOOST_AUTO_TEST_CASE(matching) {
    auto arm64 = Platform::parse("linux/arm64/v8");
    BOOST_TEST(arm64.satisfies(Platform::parse("linux/arm64")));
    BOOST_TEST(Platform::parse("linux/arm64").satisfies(Platform::parse("linux/arm64/v8")));
    BOOST_TEST(!Platform::parse("linux/arm/v6").satisfies(Platform::parse("linux/arm/v7")));
    BOOST_TEST(!Platform::parse("linux/amd64").satisfies(Platform::parse("linux/arm64")));
    BOOST_TEST(!Platform::parse("windows/amd64").satisfies(Platform::parse("linux/amd64")));
}

BOOST_AUTO_TEST_CASE(host_is_plausible) {
    auto host = Platform::host();
    BOOST_TEST(host.os == "linux");
    BOOST_TEST(!host.architecture.empty());
    BOOST_TEST(host.architecture != "x86_64");  // Go's words, not uname's
}

BOOST_AUTO_TEST_SUITE_END()
