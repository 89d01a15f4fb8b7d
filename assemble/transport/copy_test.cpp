#include "assemble/transport/copy.hpp"

#include <boost/test/unit_test.hpp>

#include "archive_test_support.hpp"
#include "assemble/transport/docker_archive.hpp"
#include "assemble/transport/oci_archive.hpp"
#include "oci/error.hpp"
#include "oci/image.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace oci = cairn::oci;
using namespace cairn::assemble;
using namespace cairn::assemble::testing;
using cairn::test::TempDir;

namespace {

// A layout holding an amd64 and an arm64 image and, tagged "multi", an index of both.
struct MultiPlatform {
    TempDir dir;
    oci::ImageLayout layout = oci::ImageLayout::open_or_create(dir / "src");
    SampleImage amd64 = add_sample_image(layout, "amd64\n", "amd64");
    SampleImage arm64 = add_sample_image(layout, "arm64\n", "arm64");
    oci::Descriptor index;

    MultiPlatform() : index(make_index()) {
        layout.tag(index, "multi");
        layout.tag(amd64.manifest, "single");
    }

    oci::Descriptor make_index() {
        auto with_platform = [](oci::Descriptor descriptor, const std::string& architecture) {
            descriptor.platform = linux_platform(architecture);
            return descriptor;
        };
        return add_index(layout, {with_platform(amd64.manifest, "amd64"),
                                  with_platform(arm64.manifest, "arm64")});
    }
};

// A layout target that notes the size of each blob in the order it is stored.
class RecordingTarget final : public oci::ImageTarget {
  public:
    explicit RecordingTarget(const fs::path& dir) : layout_(dir, "recorded") {}
    std::vector<std::int64_t> sizes;

    std::string name() const override { return layout_.name(); }
    bool has_blob(const oci::Descriptor& descriptor) override {
        return layout_.has_blob(descriptor);
    }
    void put_blob(const oci::Descriptor& descriptor, cairn::ByteSource& content) override {
        sizes.push_back(descriptor.size);
        layout_.put_blob(descriptor, content);
    }
    void put_manifest(const oci::ManifestBlob& manifest) override {
        layout_.put_manifest(manifest);
    }
    void put_child_manifest(const oci::ManifestBlob& manifest) override {
        layout_.put_child_manifest(manifest);
    }

  private:
    oci::LayoutTarget layout_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(copy_images)

BOOST_FIXTURE_TEST_CASE(a_whole_index_is_copied_then_skipped, MultiPlatform) {
    oci::LayoutSource source(dir / "src", "multi");
    CopyResult first = [&] {
        oci::LayoutTarget target(dir / "dst", "m");
        return copy_image(source, target, {});
    }();
    BOOST_TEST(first.manifest.digest == index.digest);
    BOOST_TEST(first.blobs_copied == 4u);  // two configs, two layers
    BOOST_TEST(first.blobs_skipped == 0u);
    auto copy = oci::ImageLayout::open(dir / "dst");
    BOOST_TEST(copy.find("m").digest == index.digest);
    for (const auto* image : {&amd64, &arm64}) {
        for (const auto& blob : {image->manifest, image->config, image->layer}) {
            BOOST_TEST(copy.blobs().has(blob.digest));
        }
    }
    // Each image can be read from the copy.
    oci::LayoutSource back(dir / "dst", "m");
    BOOST_TEST(oci::load_image(back, linux_platform("arm64")).manifest_blob.digest ==
               arm64.manifest.digest);

    oci::LayoutTarget again(dir / "dst", "m2");
    auto second = copy_image(source, again, {.all = true});
    BOOST_TEST(second.blobs_copied == 0u);
    BOOST_TEST(second.blobs_skipped == 4u);
    BOOST_TEST(second.bytes_skipped ==
               static_cast<std::uint64_t>(amd64.config.size + amd64.layer.size + arm64.config.size +
                                          arm64.layer.size));
}

BOOST_FIXTURE_TEST_CASE(a_platform_picks_one_image_of_an_index, MultiPlatform) {
    oci::LayoutSource source(dir / "src", "multi");
    oci::LayoutTarget target(dir / "dst", "one");
    auto result = copy_image(source, target, {.platform = linux_platform("arm64")});
    BOOST_TEST(result.manifest.digest == arm64.manifest.digest);
    BOOST_TEST(result.blobs_copied == 2u);
    BOOST_TEST(!target.layout().blobs().has(amd64.layer.digest));
    BOOST_CHECK_EXCEPTION(copy_image(source, target, {.platform = linux_platform("s390x")}),
                          cairn::Error, [](const cairn::Error& e) {
                              return std::string(e.what()).find("s390x") != std::string::npos;
                          });
}

BOOST_FIXTURE_TEST_CASE(a_docker_archive_gets_one_platform, MultiPlatform) {
    oci::LayoutSource source(dir / "src", "multi");
    {
        DockerArchiveTarget target(dir / "a.tar", "app:1");
        BOOST_TEST(!holds_indexes(target));
        auto result = copy_image(source, target, {.platform = linux_platform("arm64")});
        BOOST_TEST(result.manifest.digest == arm64.manifest.digest);
    }
    DockerArchiveSource written(dir / "a.tar", "app:1");
    BOOST_TEST(oci::load_image(written, linux_platform("arm64")).manifest.config.digest ==
               arm64.config.digest);

    DockerArchiveTarget target(dir / "b.tar", "");
    BOOST_CHECK_THROW(copy_image(source, target, {.all = true}), cairn::UsageError);
    BOOST_TEST(!fs::exists(dir / "b.tar"));
    // Without a platform: the host's (when the index has it).
    auto host = oci::Platform::host();
    if (host.architecture == "amd64" || host.architecture == "arm64") {
        auto result = copy_image(source, target, {});
        BOOST_TEST(result.manifest.digest ==
                   (host.architecture == "amd64" ? amd64.manifest.digest : arm64.manifest.digest));
    }
}

BOOST_FIXTURE_TEST_CASE(all_and_platform_exclude_each_other, MultiPlatform) {
    oci::LayoutSource source(dir / "src", "multi");
    oci::LayoutTarget target(dir / "dst", "x");
    BOOST_CHECK_THROW(
        copy_image(source, target, {.platform = linux_platform("amd64"), .all = true}),
        cairn::UsageError);
}

BOOST_FIXTURE_TEST_CASE(an_index_goes_into_an_oci_archive_whole, MultiPlatform) {
    oci::LayoutSource source(dir / "src", "multi");
    {
        OciArchiveTarget target(dir / "a.tar", "multi");
        BOOST_TEST(holds_indexes(target));
        copy_image(source, target, {});
    }
    OciArchiveSource archive(dir / "a.tar", "multi");
    BOOST_TEST(archive.top().digest == index.digest);
    BOOST_TEST(oci::load_image(archive, linux_platform("arm64")).manifest_blob.digest ==
               arm64.manifest.digest);
}

BOOST_FIXTURE_TEST_CASE(a_corrupt_blob_stops_the_copy_before_the_manifest, MultiPlatform) {
    auto blob = layout.blobs().path_of(arm64.layer.digest);
    auto bytes = read_bytes(blob);
    bytes[bytes.size() / 2] ^= 0x01;
    write_bytes(blob, bytes);
    oci::LayoutSource source(dir / "src", "multi");
    oci::LayoutTarget target(dir / "dst", "m");
    BOOST_CHECK_EXCEPTION(copy_image(source, target, {}), cairn::Error, [&](const cairn::Error& e) {
        return std::string(e.what()).find(arm64.layer.digest.str()) != std::string::npos;
    });
    BOOST_CHECK_THROW(target.layout().find("m"), cairn::Error);
    BOOST_TEST(!target.layout().blobs().has(arm64.layer.digest));
}

BOOST_FIXTURE_TEST_CASE(a_single_image_is_copied_as_it_is, MultiPlatform) {
    oci::LayoutSource source(dir / "src", "single");
    oci::LayoutTarget target(dir / "dst", "s");
    auto result = copy_image(source, target, {.all = true});
    BOOST_TEST(result.manifest.digest == amd64.manifest.digest);
    BOOST_TEST(
        result.bytes_copied ==
        static_cast<std::uint64_t>(amd64.config.size + amd64.layer.size + amd64.manifest.size));
}

BOOST_AUTO_TEST_CASE(docker_manifests_and_lists_are_rewritten_in_oci_types_on_request) {
    TempDir dir;
    auto layout = oci::ImageLayout::open_or_create(dir / "src");
    auto amd64 = add_sample_image(layout, "amd64\n", "amd64", true);
    auto arm64 = add_sample_image(layout, "arm64\n", "arm64", true);
    amd64.manifest.platform = linux_platform("amd64");
    arm64.manifest.platform = linux_platform("arm64");
    auto list =
        add_index(layout, {amd64.manifest, arm64.manifest}, oci::media_type::docker_manifest_list);
    layout.tag(list, "list");
    layout.tag(amd64.manifest, "one");

    oci::LayoutSource one(dir / "src", "one");
    // A layout holds OCI types only: without --format the copy into one is converted too.
    oci::LayoutTarget by_default(dir / "default", "one");
    BOOST_TEST(copy_image(one, by_default, {}).manifest.media_type ==
               oci::media_type::oci_manifest);

    oci::LayoutTarget converted(dir / "oci", "one");
    auto result = copy_image(one, converted, {.format = ManifestFormat::oci});
    BOOST_TEST(result.manifest.media_type == oci::media_type::oci_manifest);
    BOOST_TEST(result.manifest.digest != amd64.manifest.digest);
    oci::LayoutSource back(dir / "oci", "one");
    auto image = oci::load_image(back, linux_platform("amd64"));
    BOOST_TEST(image.manifest.config.media_type == oci::media_type::oci_config);
    BOOST_TEST(image.manifest.config.digest == amd64.config.digest);  // same bytes
    BOOST_TEST(image.manifest.layers.front().media_type == oci::media_type::oci_layer_gzip);
    BOOST_TEST(image.manifest.layers.front().digest == amd64.layer.digest);

    oci::LayoutSource list_source(dir / "src", "list");
    oci::LayoutTarget list_target(dir / "oci-list", "list");
    auto index_result = copy_image(list_source, list_target, {.format = ManifestFormat::oci});
    BOOST_TEST(index_result.manifest.media_type == oci::media_type::oci_index);
    oci::LayoutSource list_back(dir / "oci-list", "list");
    auto index = oci::Index::parse(list_back.top().bytes, "copied index");
    BOOST_REQUIRE(index.manifests.size() == 2u);
    for (const auto& entry : index.manifests) {
        BOOST_TEST(entry.media_type == oci::media_type::oci_manifest);
        BOOST_TEST(entry.platform.has_value());
        BOOST_TEST(list_target.layout().blobs().has(entry.digest));
    }
    auto arm = oci::load_image(list_back, linux_platform("arm64"));
    BOOST_TEST(arm.manifest.layers.front().digest == arm64.layer.digest);
    BOOST_TEST(arm.manifest.media_type == oci::media_type::oci_manifest);
}

BOOST_FIXTURE_TEST_CASE(the_largest_blobs_are_sent_first, MultiPlatform) {
    // The manifest names the layer before the config, which is the larger here.
    BOOST_REQUIRE(amd64.config.size > amd64.layer.size);
    oci::LayoutSource source(dir / "src", "single");
    RecordingTarget target(dir / "dst");
    copy_image(source, target, {});
    BOOST_TEST(target.sizes == (std::vector<std::int64_t>{amd64.config.size, amd64.layer.size}));
}

BOOST_AUTO_TEST_SUITE_END()
