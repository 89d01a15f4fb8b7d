#include "assemble/transport/mutate.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/media_types.hpp"

namespace assemble = cairn::assemble;
namespace oci = cairn::oci;
namespace media_type = oci::media_type;

namespace {

oci::Image docker_image() {
    auto image = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
    image.manifest.media_type = media_type::docker_manifest;
    image.manifest.layers.push_back({.media_type = std::string(media_type::docker_layer_gzip),
                                     .digest = oci::Digest::of("layer"),
                                     .size = 5});
    image.config.append_layer(oci::Digest::of("tar"), {.created = "2020-01-01T00:00:00Z"});
    image.config.set_created("2020-01-01T00:00:00Z");
    image.config.set_env("PATH", "/bin");
    return image;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mutate)

BOOST_AUTO_TEST_CASE(the_config_changes_and_the_layers_stay) {
    auto image = docker_image();
    assemble::ConfigChanges changes{.entrypoint = std::vector<std::string>{"/app"},
                                    .env = {{"MODE", "prod"}},
                                    .user = "10001",
                                    .labels = {{"team", "core"}}};
    auto mutated = assemble::mutate(image, changes);
    auto config = oci::ImageConfig::parse(mutated.config_bytes, "config");
    BOOST_TEST(mutated.parsed.media_type == media_type::docker_manifest);
    BOOST_TEST(mutated.parsed.config.media_type == media_type::docker_config);
    BOOST_TEST(mutated.parsed.layers.size() == 1u);
    BOOST_TEST(mutated.parsed.layers[0].digest == image.manifest.layers[0].digest);
    BOOST_TEST(mutated.parsed.layers[0].media_type == media_type::docker_layer_gzip);
    BOOST_TEST((config.env() == std::vector<std::string>{"PATH=/bin", "MODE=prod"}));
    BOOST_TEST((config.entrypoint() == std::vector<std::string>{"/app"}));
    BOOST_TEST(config.user() == "10001");
    BOOST_TEST(config.labels().at("team") == "core");
    // Nothing was built: the dates and the history are the image's.
    BOOST_TEST(config.created() == "2020-01-01T00:00:00Z");
    BOOST_TEST(config.history().size() == 1u);
    BOOST_TEST(config.diff_ids() == image.config.diff_ids());
    BOOST_TEST(mutated.manifest.digest == oci::Digest::of(mutated.manifest.bytes));
    BOOST_TEST(mutated.parsed.config.digest == oci::Digest::of(mutated.config_bytes));
}

BOOST_AUTO_TEST_CASE(annotations_make_a_docker_image_oci) {
    auto mutated = assemble::mutate(docker_image(), {.annotations = {{"org.example", "x"}}});
    BOOST_TEST(mutated.parsed.media_type == media_type::oci_manifest);
    BOOST_TEST(mutated.parsed.config.media_type == media_type::oci_config);
    BOOST_TEST(mutated.parsed.layers[0].media_type == media_type::oci_layer_gzip);
    BOOST_TEST(mutated.parsed.annotations.at("org.example") == "x");
}

BOOST_AUTO_TEST_CASE(the_same_changes_give_the_same_digest) {
    assemble::ConfigChanges changes{.cmd = std::vector<std::string>{"serve"}};
    BOOST_TEST(assemble::mutate(docker_image(), changes).manifest.digest ==
               assemble::mutate(docker_image(), changes).manifest.digest);
}

BOOST_AUTO_TEST_SUITE_END()
