// Pulling from the fake registry: content negotiation, digest checks, verified blobs, redirects
// without credentials, downloads that resume with Range (or restart when Range is ignored).
#include "registry/registry_source.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/media_types.hpp"
#include "registry/fake_registry_test_support.hpp"
#include "registry/manifest_requests.hpp"

namespace cairn::registry {

namespace {

using test::describe;
using test::drain;
using test::FakeRegistryFixture;

std::string pattern(std::size_t size) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7919) >> 3);
    return bytes;
}

struct SourceFixture : FakeRegistryFixture {
    std::string layer = pattern(10'000);
    std::string manifest_bytes =
        R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"})";

    SourceFixture() {
        registry.put_blob("team/app", layer);
        registry.manifests["team/app"]["v1"] = {
            "application/vnd.docker.distribution.manifest.v2+json", manifest_bytes};
        registry.manifests["team/app"][oci::Digest::of(manifest_bytes).str()] =
            registry.manifests["team/app"]["v1"];
    }
    RegistrySource source(const std::string& text = "registry.test/team/app:v1") {
        return RegistrySource(Reference::parse(text), client());
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_source)

BOOST_FIXTURE_TEST_CASE(manifests_by_tag_with_content_negotiation, SourceFixture) {
    auto source = this->source();
    auto top = source.top();
    BOOST_TEST(top.bytes == manifest_bytes);
    BOOST_TEST(top.media_type == std::string(oci::media_type::docker_manifest));
    BOOST_TEST(top.digest == oci::Digest::of(manifest_bytes));
    auto accept = transport->requests().back().header("Accept");
    for (auto type : {oci::media_type::oci_manifest, oci::media_type::oci_index,
                      oci::media_type::docker_manifest, oci::media_type::docker_manifest_list}) {
        BOOST_TEST(accept.find(type) != std::string::npos);
    }
    BOOST_TEST(source.name() == "registry.test/team/app:v1");
}

BOOST_FIXTURE_TEST_CASE(manifests_by_digest_are_checked, SourceFixture) {
    auto digest = oci::Digest::of(manifest_bytes).str();
    BOOST_TEST(this->source("registry.test/team/app@" + digest).top().bytes == manifest_bytes);

    // A registry that serves other bytes under that digest is caught.
    std::string wrong = std::string(64, 'b');
    registry.manifests["team/app"]["sha256:" + wrong] = {
        "application/vnd.oci.image.manifest.v1+json", manifest_bytes};
    auto bad = this->source("registry.test/team/app@sha256:" + wrong);
    BOOST_CHECK_THROW(bad.top(), Error);

    auto missing = this->source("registry.test/team/app:nope");
    try {
        missing.top();
        BOOST_ERROR("no error");
    } catch (const Error& error) {
        BOOST_TEST(std::string(error.what()).find("registry.test/team/app:nope was not found") !=
                   std::string::npos);
    }
}

BOOST_FIXTURE_TEST_CASE(blobs_stream_verified, SourceFixture) {
    auto source = this->source();
    auto blob = source.open_blob(describe(layer));
    BOOST_TEST(transport->requests().empty());  // nothing until the first read
    BOOST_TEST(drain(*blob, 333) == layer);

    std::string config = "{\"a\":1}";
    registry.put_blob("team/app", config);
    BOOST_TEST(source.read_blob(describe(config), 1000) == config);
    BOOST_CHECK_THROW(source.read_blob(describe(config), 3), Error);
}

BOOST_FIXTURE_TEST_CASE(corrupt_blobs_fail_at_their_end, SourceFixture) {
    auto digest = oci::Digest::of(layer).str();
    registry.blobs["team/app"][digest][5000] ^= 1;
    auto source = this->source();
    auto blob = source.open_blob(describe(layer));
    BOOST_CHECK_THROW(drain(*blob, 333), Error);
}

BOOST_FIXTURE_TEST_CASE(redirected_blobs_do_not_carry_credentials, SourceFixture) {
    registry.bearer = true;
    registry.redirect_blob_gets = true;
    auto source = this->source();
    auto blob = source.open_blob(describe(layer));
    BOOST_TEST(drain(*blob, 333) == layer);  // storage.test answers 400 to any Authorization header
    bool reached_storage = false;
    for (const auto& request : transport->requests()) {
        if (Url::parse(request.url).authority == "storage.test") {
            reached_storage = true;
            BOOST_TEST(request.header("Authorization").empty());
        }
    }
    BOOST_TEST(reached_storage);
}

BOOST_FIXTURE_TEST_CASE(a_cut_download_resumes_with_range, SourceFixture) {
    registry.drop_blob_get_after = 4000;
    auto source = this->source();
    auto blob = source.open_blob(describe(layer));
    BOOST_TEST(drain(*blob, 333) == layer);
    auto requests = transport->requests();
    BOOST_TEST(requests.back().header("Range") == "bytes=4000-");
}

BOOST_FIXTURE_TEST_CASE(a_registry_that_ignores_range_is_read_again_from_the_start, SourceFixture) {
    registry.drop_blob_get_after = 4000;
    registry.ignore_range = true;
    auto source = this->source();
    auto blob = source.open_blob(describe(layer));
    BOOST_TEST(drain(*blob, 333) == layer);
}

// A peer that gives a few bytes per try and then stalls must not earn a fresh budget of tries
// each time: the download gives up after the policy's attempts.
BOOST_FIXTURE_TEST_CASE(a_peer_dripping_a_few_bytes_per_try_is_given_up_on, SourceFixture) {
    registry.drop_every_blob_get_after = 10;
    auto source = this->source();
    auto blob = source.open_blob(describe(layer));
    try {
        drain(*blob, 333);
        BOOST_ERROR("no error");
    } catch (const Error& error) {
        BOOST_TEST(std::string(error.what()).find("failed after") != std::string::npos);
    }
    std::size_t gets = 0;
    for (const auto& request : transport->requests())
        if (request.method == "GET" && request.url.find("/blobs/") != std::string::npos) ++gets;
    BOOST_TEST(gets <= 5u);
}

BOOST_FIXTURE_TEST_CASE(missing_blobs_say_so, SourceFixture) {
    auto source = this->source();
    auto blob = source.open_blob(describe("not there"));
    try {
        drain(*blob, 333);
        BOOST_ERROR("no error");
    } catch (const Error& error) {
        BOOST_TEST(std::string(error.what()).find("is missing from registry.test") !=
                   std::string::npos);
    }
}

BOOST_FIXTURE_TEST_CASE(a_registry_that_is_not_one, SourceFixture) {
    auto transport = std::make_shared<test::FakeTransport>([](const test::Recorded&) {
        return test::FakeResponse{.status = 404, .body = "<html>not found</html>"};
    });
    RegistryClient client("web.example", "web.example", transport, policy, {});
    try {
        client.ping();
        BOOST_ERROR("no error");
    } catch (const Error& error) {
        BOOST_TEST(std::string(error.what()).find("does not serve the registry v2 API") !=
                   std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
