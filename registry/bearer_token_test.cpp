// Token responses, JWT expiry, early refresh, scope strings and Basic encoding.
#include "registry/bearer_token.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"
#include "registry/base64.hpp"
#include "registry/scope.hpp"

namespace cairn::registry {

namespace {

std::string base64url(std::string_view text) {
    auto encoded = base64_encode(text);
    for (auto& c : encoded) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    while (encoded.ends_with('=')) encoded.pop_back();
    return encoded;
}

std::string jwt(std::string_view payload) {
    return base64url(R"({"alg":"RS256","typ":"JWT"})") + "." + base64url(payload) + ".c2lnbmF0dXJl";
}

const Clock::time_point kNow = Clock::time_point(std::chrono::seconds(1'700'000'000));

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_bearer_token)

BOOST_AUTO_TEST_CASE(scope_strings) {
    BOOST_TEST(repository_scope("library/ubuntu", Access::pull) ==
               "repository:library/ubuntu:pull");
    BOOST_TEST(repository_scope("team/app", Access::push) == "repository:team/app:pull,push");
    Scopes scopes{repository_scope("b", Access::push), repository_scope("a", Access::pull)};
    scopes.add(repository_scope("a", Access::pull));
    scopes.add("");
    BOOST_TEST(scopes.items().size() == 2u);
    BOOST_TEST(scopes.joined() == "repository:a:pull repository:b:pull,push");
    BOOST_TEST((scopes == Scopes{"repository:a:pull", "repository:b:pull,push"}));
}

BOOST_AUTO_TEST_CASE(base64_round_trips) {
    BOOST_TEST(base64_encode("user:pa55") == "dXNlcjpwYTU1");
    BOOST_TEST(base64_encode("") == "");
    BOOST_TEST(base64_encode("a") == "YQ==");
    BOOST_TEST(base64_encode("ab") == "YWI=");
    BOOST_TEST(*base64_decode("YWI=") == "ab");
    BOOST_TEST(*base64_decode("YWI") == "ab");
    BOOST_TEST(*base64_decode("-_8") == "\xfb\xff");
    BOOST_TEST(!base64_decode("a*b="));
    BOOST_TEST(!base64_decode("a"));
}

BOOST_AUTO_TEST_CASE(jwt_exp_claim) {
    auto exp = jwt_expiry(jwt(R"({"iss":"x","exp":1700000600,"iat":1700000000})"));
    BOOST_TEST_REQUIRE(exp.has_value());
    BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(exp->time_since_epoch()).count() ==
               1700000600);
    BOOST_TEST(!jwt_expiry(jwt(R"({"iss":"x"})")));
    BOOST_TEST(!jwt_expiry("opaque-token"));
    BOOST_TEST(!jwt_expiry("a.!!!.c"));
    BOOST_TEST(!jwt_expiry(jwt("not json")));
    BOOST_TEST(!jwt_expiry(jwt(R"({"exp":"soon"})")));
}

BOOST_AUTO_TEST_CASE(expires_in_wins_then_jwt_then_default) {
    auto token = parse_token_response(R"({"token":"abc","expires_in":300})", kNow, "svc");
    BOOST_TEST(token.token == "abc");
    BOOST_TEST((token.expires_at == kNow + std::chrono::seconds(300)));

    auto from_jwt = parse_token_response(
        R"({"access_token":")" + jwt(R"({"exp":1700003600})") + R"("})", kNow, "svc");
    BOOST_TEST((from_jwt.expires_at == kNow + std::chrono::seconds(3600)));

    auto defaulted = parse_token_response(R"({"token":"abc"})", kNow, "svc");
    BOOST_TEST((defaulted.expires_at == kNow + std::chrono::seconds(60)));

    auto past_jwt =
        parse_token_response(R"({"token":")" + jwt(R"({"exp":1600000000})") + R"("})", kNow, "svc");
    BOOST_TEST((past_jwt.expires_at ==
                kNow + std::chrono::seconds(60)));  // clock skew: not "always expired"

    auto with_refresh = parse_token_response(R"({"refresh_token":"r1"})", kNow, "svc");
    BOOST_TEST(with_refresh.refresh_token == "r1");
}

BOOST_AUTO_TEST_CASE(tokens_are_refreshed_early) {
    auto token = parse_token_response(R"({"token":"abc","expires_in":300})", kNow, "svc");
    BOOST_TEST(token.usable_at(kNow));
    BOOST_TEST(token.usable_at(kNow + std::chrono::seconds(269)));
    BOOST_TEST(!token.usable_at(kNow + std::chrono::seconds(271)));  // 30 s margin
    auto short_lived = parse_token_response(R"({"token":"abc","expires_in":60})", kNow, "svc");
    BOOST_TEST(short_lived.usable_at(kNow + std::chrono::seconds(44)));
    BOOST_TEST(!short_lived.usable_at(kNow + std::chrono::seconds(46)));  // a quarter of 60 s
}

BOOST_AUTO_TEST_CASE(bad_responses_name_the_service_not_the_token) {
    for (std::string body : {"", "[]", "{\"token\":\"\"}", "{\"token\":5}", "<html>"}) {
        BOOST_TEST_CONTEXT(body) {
            try {
                parse_token_response(body, kNow, "the token service https://auth.example/token");
                BOOST_ERROR("accepted");
            } catch (const Error& error) {
                BOOST_TEST(std::string(error.what()).find("https://auth.example/token") !=
                           std::string::npos);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
