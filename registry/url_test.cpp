// URLs: Location resolution in every form registries send, origins, queries, redaction.
#include "registry/url.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

namespace cairn::registry {

BOOST_AUTO_TEST_SUITE(registry_url)

BOOST_AUTO_TEST_CASE(parse_and_parts) {
    auto url = Url::parse("HTTPS://Reg.Example:5000/v2/app/blobs/uploads/x?_state=abc#frag");
    BOOST_TEST(url.scheme == "https");
    BOOST_TEST(url.authority == "Reg.Example:5000");
    BOOST_TEST(url.host() == "Reg.Example");
    BOOST_TEST(url.target == "/v2/app/blobs/uploads/x?_state=abc");
    BOOST_TEST(Url::parse("http://[::1]:5000").host() == "[::1]");
    BOOST_TEST(Url::parse("http://[::1]:5000").target == "/");
    BOOST_TEST(Url::parse("http://h?q=1").target == "/?q=1");
    BOOST_CHECK_THROW(Url::parse("ftp://h/x"), Error);
    BOOST_CHECK_THROW(Url::parse("/relative"), Error);
    BOOST_CHECK_THROW(Url::parse("https://user:secret@h/x"), Error);
}

BOOST_AUTO_TEST_CASE(locations_resolve_against_the_request) {
    const std::string base = "https://reg.example/v2/app/blobs/uploads/?mount=x";
    BOOST_TEST(resolve_url(base, "https://storage.example/b?sig=1") ==
               "https://storage.example/b?sig=1");
    BOOST_TEST(resolve_url(base, "//cdn.example/x") == "https://cdn.example/x");
    BOOST_TEST(resolve_url(base, "/v2/app/blobs/uploads/uuid?_state=s") ==
               "https://reg.example/v2/app/blobs/uploads/uuid?_state=s");
    BOOST_TEST(resolve_url(base, "uuid") == "https://reg.example/v2/app/blobs/uploads/uuid");
    BOOST_TEST(resolve_url(base, "../manifests/x") ==
               "https://reg.example/v2/app/blobs/manifests/x");
    BOOST_TEST(resolve_url(base, "/a/./b/../c") == "https://reg.example/a/c");
    BOOST_TEST(resolve_url(base, "?page=2") == "https://reg.example/v2/app/blobs/uploads/?page=2");
}

BOOST_AUTO_TEST_CASE(origins) {
    BOOST_TEST(
        Url::parse("https://r.example/a").same_origin(Url::parse("https://R.EXAMPLE:443/b")));
    BOOST_TEST(!Url::parse("https://r.example/a").same_origin(Url::parse("http://r.example/a")));
    BOOST_TEST(
        !Url::parse("https://r.example/a").same_origin(Url::parse("https://r.example:5000/a")));
    BOOST_TEST(
        !Url::parse("https://r.example/a").same_origin(Url::parse("https://blob.example/a")));
    BOOST_TEST(
        Url::parse("http://127.0.0.1:5000/").same_origin(Url::parse("http://127.0.0.1:5000/v2/")));
}

BOOST_AUTO_TEST_CASE(queries_and_redaction) {
    BOOST_TEST(url_encode("repository:a/b:pull,push") == "repository%3Aa%2Fb%3Apull%2Cpush");
    BOOST_TEST(url_encode("A-z_0.9~") == "A-z_0.9~");
    BOOST_TEST(with_query("https://h/t", "service", "h") == "https://h/t?service=h");
    BOOST_TEST(with_query("https://h/t?a=1", "b", "x y") == "https://h/t?a=1&b=x%20y");
    BOOST_TEST(with_query("https://h/t?", "b", "2") == "https://h/t?b=2");
    BOOST_TEST(redact_url("https://blob.example/c/d?sv=2020&sig=SECRET") ==
               "https://blob.example/c/d");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
