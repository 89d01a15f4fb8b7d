// Auth flows against the fake registry: anonymous and credentialed bearer tokens, their cache,
// Basic, refresh tokens (POST, and GET when POST is refused), registry tokens, Entra ID tokens,
// a token that expires part-way, and error messages that name the source but never a secret.
#include <boost/test/unit_test.hpp>

#include "registry/fake_registry_test_support.hpp"
#include "registry/manifest_requests.hpp"

namespace cairn::registry {

namespace {

using test::FakeRegistryFixture;

const std::string kManifest =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]})";

Scopes pull_scope(const std::string& repository = "team/app") {
    return {repository_scope(repository, Access::pull)};
}

struct AuthFixture : FakeRegistryFixture {
    AuthFixture() {
        registry.manifests["team/app"]["v1"] = {"application/vnd.oci.image.manifest.v1+json",
                                                kManifest};
    }
    oci::ManifestBlob pull(RegistryClient& client, const std::string& repository = "team/app") {
        return fetch_manifest(client, repository, "v1", pull_scope(repository),
                              "registry.test/" + repository + ":v1");
    }
};

std::string message_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_authenticator)

BOOST_FIXTURE_TEST_CASE(anonymous_registry_needs_no_credentials, AuthFixture) {
    auto client = this->client();
    BOOST_TEST(pull(*client).bytes == kManifest);
    BOOST_TEST(keychain.lookups == 0);  // never asked: nothing was challenged
}

BOOST_FIXTURE_TEST_CASE(anonymous_bearer_tokens_are_fetched_once_per_scope, AuthFixture) {
    registry.bearer = true;
    auto client = this->client();
    pull(*client);
    pull(*client);
    BOOST_TEST_REQUIRE(registry.token_requests.size() == 1u);
    BOOST_TEST(registry.token_requests[0] ==
               "GET /token?service=registry.test&scope=repository%3Ateam%2Fapp%3Apull");
    // The ping learned the challenge: the manifest GET carried a token the first time.
    auto requests = sent_to("registry.test");
    BOOST_TEST(requests.size() == 3u);

    registry.manifests["other/app"]["v1"] = registry.manifests["team/app"]["v1"];
    pull(*client, "other/app");
    BOOST_TEST(registry.token_requests.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(credentials_go_to_the_token_service_as_basic, AuthFixture) {
    registry.bearer = true;
    registry.username = "alice";
    registry.password = "s3cret-pass";
    keychain.credential = Credential{
        .username = "alice", .password = "s3cret-pass", .source = "/root/.docker/config.json"};
    auto client = this->client();
    BOOST_TEST(pull(*client).bytes == kManifest);
    BOOST_TEST_REQUIRE(registry.token_requests.size() == 1u);
    BOOST_TEST(registry.token_requests[0].ends_with("with Basic"));
    BOOST_TEST(keychain.lookups == 1);
}

BOOST_FIXTURE_TEST_CASE(refused_credentials_name_the_source_and_never_the_secret, AuthFixture) {
    registry.bearer = true;
    registry.username = "alice";
    registry.password = "right";
    keychain.credential = Credential{
        .username = "alice", .password = "wrong-s3cret", .source = "/root/.docker/config.json"};
    auto client = this->client();
    auto message = message_of([&] { pull(*client); });
    BOOST_TEST(message.find("registry.test") != std::string::npos);
    BOOST_TEST(message.find("/root/.docker/config.json") != std::string::npos);
    BOOST_TEST(message.find("cairn login registry.test") != std::string::npos);
    BOOST_TEST(message.find("wrong-s3cret") == std::string::npos);
    BOOST_TEST(message.find(base64_encode("alice:wrong-s3cret")) == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(missing_credentials_say_where_cairn_looked, AuthFixture) {
    registry.bearer = true;
    registry.username = "alice";
    registry.password = "right";
    auto client = this->client();
    auto message = message_of([&] { pull(*client); });
    BOOST_TEST(message.find("requires authentication") != std::string::npos);
    BOOST_TEST(message.find("the fake keychain") != std::string::npos);
    BOOST_TEST(message.find("cairn login registry.test") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(basic_auth_registries, AuthFixture) {
    registry.username = "bob";
    registry.password = "pw";
    keychain.credential = Credential{.username = "bob", .password = "pw", .source = "auth.json"};
    auto client = this->client();
    BOOST_TEST(pull(*client).bytes == kManifest);
    // Learned at the ping: later requests carry Basic from the start.
    auto requests = transport->requests();
    BOOST_TEST(requests.back().header("Authorization") == "Basic " + base64_encode("bob:pw"));
    BOOST_TEST(sent_to("registry.test").size() == 2u);

    keychain.credential->password = "nope";
    AuthFixture other;
    other.registry.username = "bob";
    other.registry.password = "pw";
    other.keychain.credential =
        Credential{.username = "bob", .password = "nope", .source = "auth.json"};
    auto refused = other.client();
    auto message = message_of([&] { other.pull(*refused); });
    BOOST_TEST(message.find("auth.json") != std::string::npos);
    BOOST_TEST(message.find("nope") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(identity_tokens_use_the_oauth2_refresh_grant, AuthFixture) {
    registry.bearer = true;
    registry.refresh_token = "refresh-123";
    keychain.credential =
        Credential{.username = "<token>", .identity_token = "refresh-123", .source = "config.json"};
    auto client = this->client();
    BOOST_TEST(pull(*client).bytes == kManifest);
    BOOST_TEST_REQUIRE(registry.token_requests.size() == 1u);
    auto& post = registry.token_requests[0];
    BOOST_TEST(post.starts_with("POST grant_type=refresh_token"));
    BOOST_TEST(post.find("service=registry.test") != std::string::npos);
    BOOST_TEST(post.find("scope=repository%3Ateam%2Fapp%3Apull") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_realm_that_refuses_post_gets_a_get_with_basic, AuthFixture) {
    registry.bearer = true;
    registry.refresh_token = "refresh-123";
    registry.token_post_refused = true;
    keychain.credential = Credential{.identity_token = "refresh-123", .source = "config.json"};
    auto client = this->client();
    BOOST_TEST(pull(*client).bytes == kManifest);
    BOOST_TEST_REQUIRE(registry.token_requests.size() == 1u);
    BOOST_TEST(registry.token_requests[0].ends_with("with Basic"));
}

BOOST_FIXTURE_TEST_CASE(registry_tokens_are_sent_as_they_are, AuthFixture) {
    registry.bearer = true;
    registry.valid_tokens.insert("given-token");
    keychain.credential = Credential{.registry_token = "given-token", .source = "config.json"};
    auto client = this->client();
    BOOST_TEST(pull(*client).bytes == kManifest);
    BOOST_TEST(registry.token_requests.empty());
}

BOOST_FIXTURE_TEST_CASE(a_token_that_expires_mid_way_is_refreshed_once, AuthFixture) {
    registry.bearer = true;
    auto client = this->client();
    pull(*client);
    registry.valid_tokens.clear();  // the registry no longer takes it
    BOOST_TEST(pull(*client).bytes == kManifest);
    BOOST_TEST(registry.token_requests.size() == 2u);
}

BOOST_AUTO_TEST_CASE(entra_id_tokens_are_exchanged_for_a_refresh_token) {
    // ACR's shape: the realm is https://HOST/oauth2/token; the exchange is at /oauth2/exchange.
    std::vector<std::string> calls;
    auto handler = [&](const test::Recorded& request) -> test::FakeResponse {
        Url url = Url::parse(request.url);
        calls.push_back(request.method + " " + url.target.substr(0, url.target.find('?')));
        if (url.target == "/oauth2/exchange") {
            BOOST_TEST(request.body.find("grant_type=access_token") != std::string::npos);
            BOOST_TEST(request.body.find("service=myacr.azurecr.io") != std::string::npos);
            BOOST_TEST(request.body.find("access_token=aad-jwt") != std::string::npos);
            return {.status = 200, .body = R"({"refresh_token":"acr-refresh"})"};
        }
        if (url.target == "/oauth2/token") {
            BOOST_TEST(request.body.find("refresh_token=acr-refresh") != std::string::npos);
            return {.status = 200, .body = R"({"access_token":"acr-access","expires_in":3600})"};
        }
        if (request.header("Authorization") == "Bearer acr-access") {
            return {.status = 200,
                    .headers = {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}},
                    .body = kManifest};
        }
        return {
            .status = 401,
            .headers = {
                {"WWW-Authenticate",
                 R"(Bearer realm="https://myacr.azurecr.io/oauth2/token",service="myacr.azurecr.io")"}}};
    };
    auto transport = std::make_shared<test::FakeTransport>(handler);
    auto policy = std::make_shared<const HostPolicy>(std::vector<std::string>{}, "",
                                                     std::vector<std::filesystem::path>{});
    test::FakeKeychain keychain;
    keychain.credential =
        Credential{.username = "stale", .password = "stale", .source = "config.json"};
    RegistryClient client("myacr.azurecr.io", "myacr.azurecr.io", transport, policy,
                          {.auth = {.keychain = &keychain, .aad_access_token = "aad-jwt"}});
    auto manifest =
        fetch_manifest(client, "app", "v1", pull_scope("app"), "myacr.azurecr.io/app:v1");
    BOOST_TEST(manifest.bytes == kManifest);
    std::vector<std::string> expected{"GET /v2/", "POST /oauth2/exchange", "POST /oauth2/token",
                                      "GET /v2/app/manifests/v1"};
    BOOST_TEST(calls == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(entra_id_tokens_never_go_to_other_registries) {
    std::vector<std::string> bodies;
    auto handler = [&](const test::Recorded& request) -> test::FakeResponse {
        bodies.push_back(request.body);
        if (Url::parse(request.url).authority == "auth.example")
            return {.status = 200, .body = R"({"token":"t"})"};
        if (request.header("Authorization") == "Bearer t") return {.status = 404};
        return {.status = 401,
                .headers = {{"WWW-Authenticate", R"(Bearer realm="https://auth.example/token")"}}};
    };
    auto transport = std::make_shared<test::FakeTransport>(handler);
    auto policy = std::make_shared<const HostPolicy>(std::vector<std::string>{}, "",
                                                     std::vector<std::filesystem::path>{});
    RegistryClient client("reg.example", "reg.example", transport, policy,
                          {.auth = {.aad_access_token = "aad-jwt"}});
    BOOST_CHECK_THROW(fetch_manifest(client, "app", "v1", pull_scope("app"), "reg.example/app:v1"),
                      Error);
    for (const auto& body : bodies) BOOST_TEST(body.find("aad-jwt") == std::string::npos);
    for (const auto& request : transport->requests()) {
        for (const auto& header : request.headers)
            BOOST_TEST(header.find("aad-jwt") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(credentials_are_not_sent_to_a_plain_http_realm) {
    auto handler = [&](const test::Recorded& request) -> test::FakeResponse {
        if (Url::parse(request.url).authority == "auth.example")
            return {.status = 200, .body = R"({"token":"t"})"};
        return {.status = 401,
                .headers = {{"WWW-Authenticate", R"(Bearer realm="http://auth.example/token")"}}};
    };
    auto transport = std::make_shared<test::FakeTransport>(handler);
    auto policy = std::make_shared<const HostPolicy>(std::vector<std::string>{}, "",
                                                     std::vector<std::filesystem::path>{});
    test::FakeKeychain keychain;
    keychain.credential = Credential{.username = "u", .password = "p", .source = "config.json"};
    RegistryClient client("reg.example", "reg.example", transport, policy,
                          {.auth = {.keychain = &keychain}});
    auto message = message_of(
        [&] { fetch_manifest(client, "app", "v1", pull_scope("app"), "reg.example/app:v1"); });
    BOOST_TEST(message.find("plain-HTTP token service") != std::string::npos);
    for (const auto& request : transport->requests())
        BOOST_TEST(Url::parse(request.url).authority != "auth.example");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
