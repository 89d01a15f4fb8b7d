#include "assemble/transport/stack.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/media_types.hpp"

namespace assemble = cairn::assemble;
namespace oci = cairn::oci;
namespace media_type = oci::media_type;

namespace {

assemble::NewLayer layer(const std::string& name, assemble::Compression compression) {
    return {.digests = {.diff_id = oci::Digest::of("tar " + name),
                        .digest = oci::Digest::of("blob " + name),
                        .size = 10,
                        .compression = compression},
            .description = "/" + name};
}

oci::Image docker_base() {
    auto image = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
    image.manifest.media_type = media_type::docker_manifest;
    image.manifest.layers.push_back({.media_type = std::string(media_type::docker_layer_gzip),
                                     .digest = oci::Digest::of("base"),
                                     .size = 5});
    image.config.append_layer(oci::Digest::of("base tar"), {.created_by = "base"});
    image.config.set_cmd({"base-arg"});
    return image;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stack)

BOOST_AUTO_TEST_CASE(layers_extend_manifest_diff_ids_and_history_together) {
    auto base = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
    auto image = assemble::stack(
        base, {layer("a", assemble::Compression::gzip), layer("b", assemble::Compression::gzip)},
        {}, 1700000000);
    auto manifest = oci::Manifest::parse(image.manifest.bytes, "stacked");
    auto config = oci::ImageConfig::parse(image.config_bytes, "config");
    BOOST_TEST(image.manifest.digest == oci::Digest::of(image.manifest.bytes));
    BOOST_TEST(manifest.config.digest == oci::Digest::of(image.config_bytes));
    BOOST_REQUIRE(manifest.layers.size() == 2u);
    BOOST_TEST(manifest.layers[1].digest == oci::Digest::of("blob b"));
    BOOST_TEST(manifest.layers[0].media_type == media_type::oci_layer_gzip);
    BOOST_TEST(
        (config.diff_ids() == std::vector{oci::Digest::of("tar a"), oci::Digest::of("tar b")}));
    BOOST_REQUIRE(config.history().size() == 2u);
    BOOST_TEST(config.history()[1].created_by == "cairn: layer /b");
    BOOST_TEST(config.created() == "2023-11-14T22:13:20Z");
}

BOOST_AUTO_TEST_CASE(same_inputs_same_digest) {
    auto base = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
    assemble::ConfigChanges changes{.entrypoint = std::vector<std::string>{"/app"},
                                    .labels = {{"b", "2"}, {"a", "1"}}};
    auto one = assemble::stack(base, {layer("a", assemble::Compression::gzip)}, changes, 0);
    auto two = assemble::stack(base, {layer("a", assemble::Compression::gzip)}, changes, 0);
    auto later = assemble::stack(base, {layer("a", assemble::Compression::gzip)}, changes, 1);
    BOOST_TEST(one.manifest.digest == two.manifest.digest);
    BOOST_TEST(one.manifest.digest != later.manifest.digest);
}

BOOST_AUTO_TEST_CASE(docker_base_keeps_docker_types_unless_zstd) {
    auto base = docker_base();
    auto docker = assemble::stack(base, {layer("a", assemble::Compression::gzip)}, {}, 0);
    BOOST_TEST(docker.parsed.media_type == media_type::docker_manifest);
    BOOST_TEST(docker.parsed.config.media_type == media_type::docker_config);
    BOOST_TEST(docker.parsed.layers[1].media_type == media_type::docker_layer_gzip);

    auto mixed = assemble::stack(base, {layer("z", assemble::Compression::zstd)}, {}, 0);
    BOOST_TEST(mixed.parsed.media_type == media_type::oci_manifest);
    BOOST_TEST(mixed.parsed.config.media_type == media_type::oci_config);
    BOOST_TEST(mixed.parsed.layers[0].media_type ==
               media_type::oci_layer_gzip);  // same bytes, OCI name
    BOOST_TEST(mixed.parsed.layers[1].media_type == media_type::oci_layer_zstd);
}

// History is optional: a base without it (or describing fewer layers than it has, empty_layer
// entries aside) gets an entry per undescribed layer first, so that the count of non-empty
// entries stays the count of layers and each new entry lands on its own layer.
BOOST_AUTO_TEST_CASE(history_is_filled_in_for_base_layers_that_have_none) {
    auto count_non_empty = [](const oci::ImageConfig& config) {
        std::size_t n = 0;
        for (const auto& entry : config.history()) n += entry.empty_layer ? 0 : 1;
        return n;
    };
    auto base_with = [](const std::string& history, int layers) {
        std::string ids;
        for (int i = 0; i < layers; ++i)
            ids += (i ? "," : "") + ("\"" + oci::Digest::of("layer " + std::to_string(i)).str() + "\"");
        auto image = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
        image.config = oci::ImageConfig::parse(
            R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[)" + ids +
                "]}" + (history.empty() ? "" : ",\"history\":" + history) + "}",
            "base config");
        for (int i = 0; i < layers; ++i) {
            image.manifest.layers.push_back({.media_type = std::string(media_type::oci_layer_gzip),
                                             .digest = oci::Digest::of("b" + std::to_string(i)),
                                             .size = 1});
        }
        return image;
    };
    struct Case {
        std::string history;
        int layers;
    };
    for (const auto& [history, layers] : std::vector<Case>{
             {"", 1},
             {"", 3},
             {"[]", 2},
             {R"([{"created_by":"ENV A=1","empty_layer":true}])", 1},
             {R"([{"created_by":"one"},{"created_by":"ENV","empty_layer":true}])", 3},
             {R"([{"created_by":"one"},{"created_by":"ENV","empty_layer":true},{"created_by":"two"}])", 2}}) {
        BOOST_TEST_CONTEXT(history << " with " << layers << " layers") {
            auto image = assemble::stack(base_with(history, layers),
                                         {layer("a", assemble::Compression::gzip)}, {}, 0);
            auto config = oci::ImageConfig::parse(image.config_bytes, "config");
            BOOST_TEST(count_non_empty(config) == static_cast<std::size_t>(layers) + 1);
            BOOST_TEST(config.diff_ids().size() == static_cast<std::size_t>(layers) + 1);
            BOOST_TEST(config.history().back().created_by == "cairn: layer /a");
        }
    }
}

BOOST_AUTO_TEST_CASE(config_changes) {
    auto base = docker_base();
    assemble::ConfigChanges changes{.entrypoint = std::vector<std::string>{"/app/server"},
                                    .env = {{"RUST_LOG", "info"}},
                                    .workdir = "/app",
                                    .user = "10001:10001",
                                    .labels = {{"org.opencontainers.image.source", "x"}},
                                    .annotations = {{"org.example.note", "y"}},
                                    .ports = {"8080/tcp"}};
    auto image = assemble::stack(base, {}, changes, 0);
    auto config = oci::ImageConfig::parse(image.config_bytes, "config");
    BOOST_TEST((config.entrypoint() == std::vector<std::string>{"/app/server"}));
    BOOST_TEST(config.cmd().empty());  // the base's arguments were for the base's program
    BOOST_TEST((config.env() == std::vector<std::string>{"RUST_LOG=info"}));
    BOOST_TEST(config.workdir() == "/app");
    BOOST_TEST(config.user() == "10001:10001");
    BOOST_TEST((config.exposed_ports() == std::vector<std::string>{"8080/tcp"}));
    BOOST_TEST(image.parsed.annotations.at("org.example.note") == "y");

    changes.cmd = std::vector<std::string>{"-f", "/etc/x.yaml"};
    auto with_cmd = assemble::stack(base, {}, changes, 0);
    BOOST_TEST(oci::ImageConfig::parse(with_cmd.config_bytes, "c").cmd().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
