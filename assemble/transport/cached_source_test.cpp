#include "assemble/transport/cached_source.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/image.hpp"
#include "oci/layout.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace oci = cairn::oci;
using cairn::assemble::testing::ScratchDir;

namespace {

// A layout source that counts the reads of configs (its manifests come through read_blob too).
class CountingSource : public oci::LayoutSource {
  public:
    using LayoutSource::LayoutSource;
    std::string read_blob(const oci::Descriptor& descriptor, std::size_t max_size) override {
        if (descriptor.media_type.find("config") != std::string::npos) ++reads;
        return LayoutSource::read_blob(descriptor, max_size);
    }
    int reads = 0;
};

// A one-layer image in a layout: a config and a manifest naming a layer that is not there
// (load_image reads only the manifest and the config).
void write_image(const std::filesystem::path& directory) {
    auto layout = oci::ImageLayout::open_or_create(directory);
    std::string config = R"({"architecture":")" + oci::Platform::host().architecture +
                         R"(","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:)" +
                         std::string(64, 'a') + R"("]}})";
    auto config_digest = layout.blobs().put(config);
    std::string manifest =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
        config_digest.str() + R"(","size":)" + std::to_string(config.size()) +
        R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:)" +
        std::string(64, 'b') + R"(","size":1}]})";
    auto manifest_digest = layout.blobs().put(manifest);
    layout.tag({.media_type = "application/vnd.oci.image.manifest.v1+json",
                .digest = manifest_digest,
                .size = static_cast<std::int64_t>(manifest.size())},
               "v1");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cached_source)

BOOST_AUTO_TEST_CASE(the_config_is_fetched_once_then_read_from_the_cache) {
    ScratchDir image;
    ScratchDir cache_dir;
    write_image(image.path());
    oci::BlobStore cache(cache_dir.path());
    CountingSource source(image.path(), "v1");
    assemble::CachedSource cached(source, cache);
    auto first = oci::load_image(cached, oci::Platform::host());
    BOOST_TEST(source.reads == 1);
    auto second = oci::load_image(cached, oci::Platform::host());
    BOOST_TEST(source.reads == 1);
    BOOST_TEST(second.manifest.config.digest.str() == first.manifest.config.digest.str());

    // A damaged cached copy is dropped and fetched again, not trusted and not fatal.
    auto cached_config = cache.path_of(first.manifest.config.digest);
    std::filesystem::permissions(cached_config, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::ofstream(cached_config, std::ios::trunc) << "{}";
    auto third = oci::load_image(cached, oci::Platform::host());
    BOOST_TEST(source.reads == 2);
    BOOST_TEST(cache.read(first.manifest.config.digest, 1 << 20).size() > 2u);
}

BOOST_AUTO_TEST_SUITE_END()
