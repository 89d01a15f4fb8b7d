#include "assemble/transport/rebase.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"
#include "oci/media_types.hpp"

namespace assemble = cairn::assemble;
namespace oci = cairn::oci;
namespace media_type = oci::media_type;

namespace {

assemble::NewLayer layer(const std::string& name) {
    return {.digests = {.diff_id = oci::Digest::of("tar " + name),
                        .digest = oci::Digest::of("blob " + name),
                        .size = 10,
                        .compression = assemble::Compression::gzip},
            .description = "/" + name};
}

oci::Image image_of(const assemble::StackedImage& stacked) {
    return {.manifest_blob = stacked.manifest,
            .manifest = stacked.parsed,
            .config = oci::ImageConfig::parse(stacked.config_bytes, "config")};
}

oci::Image built(const oci::Image& base, const std::vector<std::string>& layers,
                 const assemble::ConfigChanges& changes = {}) {
    std::vector<assemble::NewLayer> news;
    for (const auto& name : layers) news.push_back(layer(name));
    return image_of(assemble::stack(base, news, changes, 0));
}

const assemble::RebaseNames kNames{.image = "app", .old_base = "old", .new_base = "new:2"};

}  // namespace

BOOST_AUTO_TEST_SUITE(rebase)

BOOST_AUTO_TEST_CASE(the_new_base_goes_under_the_image_s_own_layers) {
    auto scratch = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
    auto old_base = built(scratch, {"old-1"}, {.env = {{"PATH", "/bin"}}});
    auto new_base = built(scratch, {"new-1", "new-2"});
    auto app = built(old_base, {"app-1", "app-2"}, {.entrypoint = std::vector<std::string>{"/app"}});

    auto rebased = assemble::rebase(app, old_base, new_base, kNames);
    const auto& manifest = rebased.image.parsed;
    auto config = oci::ImageConfig::parse(rebased.image.config_bytes, "config");
    BOOST_TEST(rebased.base_layers == 2u);
    BOOST_TEST(rebased.own_layers == 2u);
    std::vector<oci::Digest> digests;
    for (const auto& descriptor : manifest.layers) digests.push_back(descriptor.digest);
    BOOST_TEST((digests == std::vector{oci::Digest::of("blob new-1"), oci::Digest::of("blob new-2"),
                                       oci::Digest::of("blob app-1"), oci::Digest::of("blob app-2")}));
    BOOST_TEST((config.diff_ids() == std::vector{oci::Digest::of("tar new-1"), oci::Digest::of("tar new-2"),
                                                 oci::Digest::of("tar app-1"), oci::Digest::of("tar app-2")}));
    auto history = config.history();
    BOOST_REQUIRE(history.size() == 4u);
    BOOST_TEST(history[1].created_by == "cairn: layer /new-2");
    BOOST_TEST(history[2].created_by == "cairn: layer /app-1");
    // The image's own runtime config stays.
    BOOST_TEST((config.entrypoint() == std::vector<std::string>{"/app"}));
    BOOST_TEST((config.env() == std::vector<std::string>{"PATH=/bin"}));
    BOOST_TEST(manifest.annotations.at("org.opencontainers.image.base.name") == "new:2");
    BOOST_TEST(manifest.annotations.at("org.opencontainers.image.base.digest") ==
               new_base.manifest_blob.digest.str());
    BOOST_TEST(manifest.config.digest == oci::Digest::of(rebased.image.config_bytes));
}

BOOST_AUTO_TEST_CASE(an_image_not_built_on_the_old_base_is_refused) {
    auto scratch = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
    auto old_base = built(scratch, {"old-1"});
    auto other = built(scratch, {"other-1"});
    auto app = built(other, {"app-1"});
    BOOST_CHECK_EXCEPTION(assemble::rebase(app, old_base, built(scratch, {"new-1"}), kNames),
                          cairn::Error, [](const cairn::Error& e) {
                              return std::string(e.what()).find("does not start with the layers "
                                                                "of old") != std::string::npos;
                          });
}

BOOST_AUTO_TEST_CASE(a_new_base_of_another_platform_is_refused) {
    auto amd64 = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
    auto arm64 = assemble::scratch_image(oci::Platform::parse("linux/arm64"));
    auto old_base = built(amd64, {"old-1"});
    auto app = built(old_base, {"app-1"});
    BOOST_CHECK_THROW(assemble::rebase(app, old_base, built(arm64, {"new-1"}), kNames),
                      cairn::Error);
}

BOOST_AUTO_TEST_CASE(empty_history_entries_of_the_old_base_are_left_with_it) {
    auto scratch = assemble::scratch_image(oci::Platform::parse("linux/amd64"));
    auto old_base = built(scratch, {"old-1"});
    old_base.config.set_layers(old_base.config.diff_ids(),
                               {{.created_by = "old layer"}, {.created_by = "ENV", .empty_layer = true}});
    auto app = built(old_base, {"app-1"});
    auto rebased = assemble::rebase(app, old_base, built(scratch, {"new-1"}), kNames);
    auto history = oci::ImageConfig::parse(rebased.image.config_bytes, "c").history();
    BOOST_REQUIRE(history.size() == 2u);
    BOOST_TEST(history[0].created_by == "cairn: layer /new-1");
    BOOST_TEST(history[1].created_by == "cairn: layer /app-1");
}

BOOST_AUTO_TEST_SUITE_END()
