// WWW-Authenticate parsing: schemes, quoted strings with escapes, several params and challenges.
#include "registry/challenge.hpp"

#include <boost/test/unit_test.hpp>

namespace cairn::registry {

BOOST_AUTO_TEST_SUITE(registry_challenge)

BOOST_AUTO_TEST_CASE(docker_style_bearer) {
    auto challenges = parse_challenges(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull")");
    BOOST_TEST_REQUIRE(challenges.size() == 1u);
    BOOST_TEST(challenges[0].scheme == "bearer");
    BOOST_TEST(challenges[0].param("realm") == "https://auth.docker.io/token");
    BOOST_TEST(challenges[0].param("service") == "registry.docker.io");
    BOOST_TEST(challenges[0].param("scope") == "repository:library/ubuntu:pull");
    BOOST_TEST(challenges[0].param("error") == "");
}

BOOST_AUTO_TEST_CASE(case_spaces_and_error_param) {
    auto challenges = parse_challenges(
        "BEARER  Realm = \"https://acr.example/oauth2/token\" , Service=acr.example,"
        "scope=\"repository:a:pull,push\",error=\"insufficient_scope\"");
    BOOST_TEST_REQUIRE(challenges.size() == 1u);
    BOOST_TEST(challenges[0].scheme == "bearer");
    BOOST_TEST(challenges[0].param("REALM") == "https://acr.example/oauth2/token");
    BOOST_TEST(challenges[0].param("service") == "acr.example");
    BOOST_TEST(challenges[0].param("scope") == "repository:a:pull,push");  // comma inside quotes
    BOOST_TEST(challenges[0].param("error") == "insufficient_scope");
}

BOOST_AUTO_TEST_CASE(quoted_strings_unescape) {
    auto challenges =
        parse_challenges(R"(Basic realm="a \"quoted\" realm \\ with backslash, and comma")");
    BOOST_TEST_REQUIRE(challenges.size() == 1u);
    BOOST_TEST(challenges[0].param("realm") == R"(a "quoted" realm \ with backslash, and comma)");
}

BOOST_AUTO_TEST_CASE(several_challenges_in_one_header) {
    auto challenges = parse_challenges(
        R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple", Bearer realm="https://t/x")");
    BOOST_TEST_REQUIRE(challenges.size() == 3u);
    BOOST_TEST(challenges[0].scheme == "newauth");
    BOOST_TEST(challenges[0].param("type") == "1");
    BOOST_TEST(challenges[0].param("title") == R"(Login to "apps")");
    BOOST_TEST(challenges[1].scheme == "basic");
    BOOST_TEST(challenges[1].param("realm") == "simple");
    BOOST_TEST(challenges[2].scheme == "bearer");
    BOOST_TEST(challenges[2].param("realm") == "https://t/x");
}

BOOST_AUTO_TEST_CASE(schemes_without_params_and_token68) {
    auto challenges = parse_challenges("Negotiate, Basic realm=x, Other abc+/def==");
    BOOST_TEST_REQUIRE(challenges.size() == 3u);
    BOOST_TEST(challenges[0].scheme == "negotiate");
    BOOST_TEST(challenges[0].params.empty());
    BOOST_TEST(challenges[1].param("realm") == "x");
    BOOST_TEST(challenges[2].scheme == "other");
    BOOST_TEST(challenges[2].token68 == "abc+/def==");

    auto bare = parse_challenges("Basic");
    BOOST_TEST_REQUIRE(bare.size() == 1u);
    BOOST_TEST(bare[0].scheme == "basic");
}

BOOST_AUTO_TEST_CASE(several_headers) {
    auto challenges = parse_challenges(
        std::vector<std::string>{R"(Basic realm="r")", R"(Bearer realm="https://t")"});
    BOOST_TEST_REQUIRE(challenges.size() == 2u);
    BOOST_TEST(challenges[1].scheme == "bearer");
}

BOOST_AUTO_TEST_CASE(malformed_text_stops_parsing_without_inventing_params) {
    BOOST_TEST(parse_challenges("").empty());
    BOOST_TEST(parse_challenges("   ,  ").empty());
    BOOST_TEST(parse_challenges("=oops").empty());
    auto unterminated = parse_challenges(R"(Bearer realm="https://never-closed)");
    BOOST_TEST(unterminated.empty());
    auto trailing = parse_challenges(R"(Bearer realm="https://t", Basic realm="open)");
    BOOST_TEST_REQUIRE(trailing.size() == 1u);
    BOOST_TEST(trailing[0].param("realm") == "https://t");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
