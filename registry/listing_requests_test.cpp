#include "registry/listing_requests.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"
#include "registry/fake_transport_test_support.hpp"
#include "registry/url.hpp"

namespace cairn::registry {

namespace {

using test::FakeResponse;
using test::FakeTransport;
using test::Recorded;

std::shared_ptr<RegistryClient> client_on(std::shared_ptr<FakeTransport> transport) {
    auto policy = std::make_shared<const HostPolicy>(std::vector<std::string>{}, std::string(),
                                                     std::vector<std::filesystem::path>{});
    return std::make_shared<RegistryClient>("registry.test", "registry.test", transport, policy,
                                            ClientSettings{});
}

std::vector<std::string> targets(FakeTransport& transport) {
    std::vector<std::string> out;
    for (const auto& request : transport.requests()) out.push_back(Url::parse(request.url).target);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(listing_requests)

BOOST_AUTO_TEST_CASE(tags_come_from_every_page_the_links_lead_to) {
    auto transport = std::make_shared<FakeTransport>([](const Recorded& request) -> FakeResponse {
        auto target = Url::parse(request.url).target;
        if (target == "/v2/") return {.status = 200};
        if (target == "/v2/team/app/tags/list?n=100") {
            return {.headers = {{"Link", "</v2/team/app/tags/list?n=100&last=b>; rel=\"next\""}},
                    .body = R"({"name":"team/app","tags":["a","b"]})"};
        }
        if (target == "/v2/team/app/tags/list?n=100&last=b") {
            return {.body = R"({"name":"team/app","tags":["c"]})"};
        }
        return {.status = 404};
    });
    auto client = client_on(transport);
    BOOST_TEST((list_tags(*client, "team/app", "registry.test/team/app") ==
                std::vector<std::string>{"a", "b", "c"}));
    BOOST_TEST((targets(*transport) ==
                std::vector<std::string>{"/v2/", "/v2/team/app/tags/list?n=100",
                                         "/v2/team/app/tags/list?n=100&last=b"}));
}

BOOST_AUTO_TEST_CASE(a_missing_repository_is_not_found_and_a_link_loop_an_error) {
    auto transport = std::make_shared<FakeTransport>([](const Recorded& request) -> FakeResponse {
        auto target = Url::parse(request.url).target;
        if (target == "/v2/") return {.status = 200};
        if (target.starts_with("/v2/_catalog")) {
            return {.headers = {{"Link", "<" + request.url + ">; rel=\"next\""}},
                    .body = R"({"repositories":["x"]})"};
        }
        return {.status = 404, .body = R"({"errors":[{"code":"NAME_UNKNOWN"}]})"};
    });
    auto client = client_on(transport);
    BOOST_CHECK_THROW(list_tags(*client, "nope", "registry.test/nope"), NotFound);
    BOOST_CHECK_THROW(list_repositories(*client), Error);
}

BOOST_AUTO_TEST_CASE(a_next_page_on_another_host_is_refused_unasked) {
    auto transport = std::make_shared<FakeTransport>([](const Recorded& request) -> FakeResponse {
        auto target = Url::parse(request.url).target;
        if (target == "/v2/") return {.status = 200};
        return {.headers = {{"Link", "<https://elsewhere.test/v2/app/tags/list?last=a>; rel=\"next\""}},
                .body = R"({"name":"app","tags":["a"]})"};
    });
    auto client = client_on(transport);
    BOOST_CHECK_THROW(list_tags(*client, "app", "registry.test/app"), Error);
    for (const auto& request : transport->requests())
        BOOST_TEST(request.url.find("elsewhere.test") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_next_link_is_found_among_others_and_resolved) {
    std::string base = "https://r.test/v2/_catalog?n=100";
    BOOST_TEST(next_page_url("", base) == "");
    BOOST_TEST(next_page_url("</v2/_catalog?last=x&n=100>; rel=\"next\"", base) ==
               "https://r.test/v2/_catalog?last=x&n=100");
    BOOST_TEST(next_page_url("</a>; rel=\"prev\", <https://r.test/b>; rel=\"next\"", base) ==
               "https://r.test/b");
    BOOST_TEST(next_page_url("</a>; rel=\"prev\"", base) == "");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
