// The registry's error bodies, read into short messages.
#include "registry/registry_errors.hpp"

#include <boost/test/unit_test.hpp>

namespace cairn::registry {

BOOST_AUTO_TEST_SUITE(registry_errors)

BOOST_AUTO_TEST_CASE(distribution_error_bodies) {
    auto errors = parse_registry_errors(
        R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}},)"
        R"({"code":"DENIED","message":"requested access to the resource is denied"}]})");
    BOOST_TEST_REQUIRE(errors.size() == 2u);
    BOOST_TEST(errors[0].code == "MANIFEST_UNKNOWN");
    BOOST_TEST(has_error_code(errors, "DENIED"));
    BOOST_TEST(!has_error_code(errors, "BLOB_UNKNOWN"));
    BOOST_TEST(
        describe_response(
            404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})") ==
        "HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)");
}

BOOST_AUTO_TEST_CASE(other_bodies) {
    BOOST_TEST(parse_registry_errors("not json").empty());
    BOOST_TEST(parse_registry_errors(R"({"errors":"x"})").empty());
    BOOST_TEST(describe_response(502, "") == "HTTP 502");
    BOOST_TEST(describe_response(502, "<html><body>Bad Gateway</body></html>") == "HTTP 502");
    BOOST_TEST(describe_response(400, "Client sent an HTTP request to an HTTPS server.\n") ==
               "HTTP 400 (Client sent an HTTP request to an HTTPS server.)");
    auto long_text = describe_response(500, std::string(1000, 'x'));
    BOOST_TEST(long_text.size() < 350u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
