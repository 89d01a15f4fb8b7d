// Against a real registry when CAIRN_TEST_REGISTRY names one (e.g. 127.0.0.1:5000, served by
// `docker-registry serve`): push blobs in chunks and a manifest, mount into another repository,
// pull everything back verified. Skipped otherwise.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <ctime>

#include "oci/manifest.hpp"
#include "oci/media_types.hpp"
#include "registry/fake_registry_test_support.hpp"
#include "registry/registry_session.hpp"

namespace cairn::registry {

namespace {

using test::describe;
using test::drain;
using test::pattern;

std::string registry_under_test() {
    const char* value = std::getenv("CAIRN_TEST_REGISTRY");
    return value ? value : "";
}

boost::test_tools::assertion_result registry_given(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result result(!registry_under_test().empty());
    result.message() << "CAIRN_TEST_REGISTRY is not set";
    return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_roundtrip)

BOOST_AUTO_TEST_CASE(push_mount_and_pull_back, *boost::unit_test::precondition(registry_given)) {
    auto host = registry_under_test();
    RegistrySession session({.chunk_size = 1 << 20});
    auto seed = static_cast<unsigned>(std::time(nullptr));
    std::string config = R"({"architecture":"amd64","os":"linux","config":{"Labels":{"run":")" +
                         std::to_string(seed) + R"("}},"rootfs":{"type":"layers","diff_ids":[]}})";
    std::string layer = pattern((3 << 20) + 12345, seed);
    auto config_descriptor = describe(config, oci::media_type::oci_config);
    auto layer_descriptor = describe(layer, oci::media_type::oci_layer_gzip);
    oci::Manifest manifest{.media_type = std::string(oci::media_type::oci_manifest),
                           .config = config_descriptor,
                           .layers = {layer_descriptor}};
    auto bytes = manifest.to_json();
    oci::ManifestBlob blob{
        .bytes = bytes, .media_type = manifest.media_type, .digest = oci::Digest::of(bytes)};

    auto target = session.target(Reference::parse(host + "/cairn-test/app:v1"));
    for (const auto& [descriptor, content] :
         {std::pair{config_descriptor, config}, std::pair{layer_descriptor, layer}}) {
        if (!target->has_blob(descriptor)) {
            MemorySource source(content);
            target->put_blob(descriptor, source);
        }
    }
    target->put_manifest(blob);
    BOOST_TEST(target->bytes_uploaded() == config.size() + layer.size());

    // Another repository of the same registry mounts instead of uploading.
    auto copy = session.target(Reference::parse(host + "/cairn-test/copy:v1"));
    copy->add_mount_source("cairn-test/app");
    BOOST_TEST(copy->has_blob(layer_descriptor));
    BOOST_TEST(copy->has_blob(config_descriptor));
    copy->put_manifest(blob);
    BOOST_TEST(copy->bytes_uploaded() == 0u);
    BOOST_TEST(copy->bytes_skipped() == config.size() + layer.size());

    auto source = session.source(Reference::parse(host + "/cairn-test/copy:v1"));
    auto top = source->top();
    BOOST_TEST(top.bytes == bytes);
    BOOST_TEST(top.media_type == std::string(oci::media_type::oci_manifest));
    auto pulled = source->open_blob(layer_descriptor);
    BOOST_TEST(drain(*pulled) == layer);
    BOOST_TEST(source->read_blob(config_descriptor, 4096) == config);

    auto by_digest =
        session.source(Reference::parse(host + "/cairn-test/app@" + blob.digest.str()));
    BOOST_TEST(by_digest->top().digest == blob.digest);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
