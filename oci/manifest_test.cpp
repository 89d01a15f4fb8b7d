#include "oci/manifest.hpp"

#include <boost/test/unit_test.hpp>

#include "error_test_support.hpp"
#include "oci/error.hpp"
#include "oci/media_types.hpp"

namespace oci = cairn::oci;
using cairn::test::message_has;

namespace {

const std::string kDigestA = oci::Digest::of("a").str();
const std::string kDigestB = oci::Digest::of("b").str();

std::string sample_manifest() {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
           R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
           kDigestA +
           R"(","size":7},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
           R"("digest":")" +
           kDigestB +
           R"(","size":42,"annotations":{"z":"1","a":"2"}}],)"
           R"("annotations":{"org.example":"yes"}})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest)

BOOST_AUTO_TEST_CASE(parses_and_serialises_canonically) {
    auto manifest = oci::Manifest::parse(sample_manifest(), "test");
    BOOST_TEST(manifest.media_type == oci::media_type::oci_manifest);
    BOOST_TEST(manifest.config.size == 7);
    BOOST_REQUIRE(manifest.layers.size() == 1u);
    BOOST_TEST(manifest.layers[0].digest.str() == kDigestB);
    BOOST_TEST(manifest.layers[0].annotations.at("a") == "2");
    // Map keys come out sorted, so the same model always gives the same bytes.
    auto text = manifest.to_json();
    BOOST_TEST(text.find(R"("annotations":{"a":"2","z":"1"})") != std::string::npos);
    BOOST_TEST(text.find(' ') == std::string::npos);
    BOOST_TEST(oci::Manifest::parse(text, "again").to_json() == text);
}

BOOST_AUTO_TEST_CASE(media_type_may_be_omitted_in_oci) {
    auto text = sample_manifest();
    text.replace(text.find(R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)"),
                 std::string(R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)").size(),
                 "");
    BOOST_TEST(oci::Manifest::parse(text, "test").media_type == oci::media_type::oci_manifest);
}

BOOST_AUTO_TEST_CASE(rejects_malformed_documents) {
    auto good = sample_manifest();
    std::vector<std::pair<std::string, std::string>> cases = {
        {good.substr(0, good.size() - 3), "not valid JSON"},
        {good + "x", "not valid JSON"},
        {"[]", "not a JSON object"},
        {R"({"schemaVersion":1})", "schemaVersion 1"},
        {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})",
         "config"},
        {std::string(good).replace(good.find("\"size\":7"), 8, "\"size\":-7"), "negative size"},
        {std::string(good).replace(good.find("\"size\":7"), 8, "\"size\":\"7\""), "integer"},
        {std::string(good).replace(good.find(kDigestA), kDigestA.size(), "sha256:zz"),
         "invalid digest"},
        {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})",
         "not an image manifest"},
        {"\xff\xfe{}", "not valid JSON"},
    };
    for (const auto& [text, expected] : cases) {
        BOOST_CHECK_EXCEPTION(oci::Manifest::parse(text, "test"), cairn::Error,
                              [&](const cairn::Error& e) { return message_has(e, expected); });
    }
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_an_error_not_a_crash) {
    std::string deep =
        R"({"schemaVersion":2,"x":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
    BOOST_CHECK_THROW(oci::Manifest::parse(deep, "deep"), cairn::Error);
    std::string unclosed = "{\"a\":" + std::string(500000, '[');
    BOOST_CHECK_THROW(oci::Manifest::parse(unclosed, "unclosed"), cairn::Error);
}

BOOST_AUTO_TEST_CASE(oversized_documents_are_refused) {
    std::string huge = "{\"pad\":\"" + std::string(5 << 20, 'x') + "\"}";
    BOOST_CHECK_EXCEPTION(oci::Manifest::parse(huge, "huge"), cairn::Error,
                          [](const cairn::Error& e) { return message_has(e, "too large"); });
}

BOOST_AUTO_TEST_CASE(index_with_platforms) {
    std::string text =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)"
        R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
        kDigestA +
        R"(","size":1,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},)"
        R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
        kDigestB + R"(","size":2,"platform":{"architecture":"amd64","os":"linux"}}]})";
    auto index = oci::Index::parse(text, "index");
    BOOST_REQUIRE(index.manifests.size() == 2u);
    BOOST_TEST(index.manifests[0].platform->variant == "v8");
    BOOST_TEST(oci::Index::parse(index.to_json(), "again").to_json() == index.to_json());
    BOOST_TEST(oci::sniff_media_type(text, "index") == oci::media_type::oci_index);
    BOOST_CHECK_THROW(oci::Manifest::parse(text, "index"), cairn::Error);
}

BOOST_AUTO_TEST_CASE(docker_schema_2) {
    std::string text =
        R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
        R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" +
        kDigestA + R"(","size":3},"layers":[]})";
    auto manifest = oci::Manifest::parse(text, "docker");
    BOOST_TEST(oci::media_type::is_docker(manifest.media_type));
    BOOST_TEST(manifest.layers.empty());
}

BOOST_AUTO_TEST_SUITE_END()
