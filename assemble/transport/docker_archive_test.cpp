#include "assemble/transport/docker_archive.hpp"

#include <boost/test/unit_test.hpp>

#include "archive_test_support.hpp"
#include "assemble/transport/copy.hpp"
#include "error_test_support.hpp"
#include "oci/error.hpp"
#include "oci/image.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace oci = cairn::oci;
using namespace cairn::assemble;
using namespace cairn::assemble::testing;
using cairn::test::message_has;
using cairn::test::TempDir;

namespace {

bool peer_tarballs_present() {
    if (fs::is_directory(peer_testdata("tarball"))) return true;
    BOOST_TEST_MESSAGE("skipped: go-containerregistry tarballs are absent at "
                       << peer_testdata("tarball"));
    return false;
}

fs::path peer(const std::string& name) {
    return peer_testdata("tarball") / name;
}

// Copies `source` to a fresh layout and returns the loaded copy (every blob verified on the way).
oci::Image copied(oci::ImageSource& source, const fs::path& directory,
                  const oci::Platform& platform) {
    oci::LayoutTarget target(directory, "t");
    copy_image(source, target, {.platform = platform});
    oci::LayoutSource back(directory, "t");
    return oci::load_image(back, platform);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docker_archive)

BOOST_AUTO_TEST_CASE(classic_docker_save_output_is_read) {
    if (!peer_tarballs_present()) return;
    TempDir dir;
    DockerArchiveSource source(peer("test_image_1.tar"), "");
    auto image = oci::load_image(source, linux_platform("amd64"));
    BOOST_TEST(image.manifest.media_type == oci::media_type::docker_manifest);
    BOOST_TEST(image.manifest.config.digest.str() ==
               "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e");
    BOOST_REQUIRE(image.manifest.layers.size() == 1u);
    const auto& layer = image.manifest.layers.front();
    BOOST_TEST(layer.media_type == oci::media_type::docker_layer);
    BOOST_TEST(layer.digest ==
               image.config.diff_ids().front());  // an uncompressed layer is its diff_id
    BOOST_TEST(layer.size == 10240);
    auto copy = copied(source, dir / "copy", linux_platform("amd64"));
    // A layout holds OCI types: the manifest is converted, its config and layer bytes are not.
    BOOST_TEST(copy.manifest.media_type == oci::media_type::oci_manifest);
    BOOST_TEST(copy.manifest.config.digest == image.manifest.config.digest);
    BOOST_TEST(copy.manifest.layers.front().digest == layer.digest);
    // The manifest made is the same every time.
    BOOST_TEST(DockerArchiveSource(peer("test_image_1.tar"), "").top().digest ==
               image.manifest_blob.digest);
}

BOOST_AUTO_TEST_CASE(images_are_picked_by_tag_or_position) {
    if (!peer_tarballs_present()) return;
    BOOST_CHECK_EXCEPTION(
        DockerArchiveSource(peer("test_bundle.tar"), ""), cairn::Error, [](const cairn::Error& e) {
            return message_has(e, {"test_bundle.tar", "2 images", "test_image_1", "test_image_2"});
        });
    auto config_of = [](const std::string& file, const std::string& reference) {
        DockerArchiveSource source(peer(file), reference);
        return oci::Manifest::parse(source.top().bytes, "test").config.digest.str();
    };
    const std::string one =
        "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e";
    const std::string two =
        "sha256:930705ce23e3b6ed4c08746b6fe880089c864fbaf62482702ae3fdd66b8c7fe9";
    BOOST_TEST(config_of("test_bundle.tar", "test_image_2") == two);
    BOOST_TEST(config_of("test_bundle.tar", "docker.io/library/test_image_1:latest") == one);
    BOOST_TEST(config_of("test_bundle.tar", "@0") == two);
    BOOST_TEST(config_of("test_bundle.tar", "@1") == one);
    BOOST_TEST(config_of("test_image_1.tar", "bazel/v1/tarball:test_image_1") == one);
    BOOST_CHECK_EXCEPTION(DockerArchiveSource(peer("test_bundle.tar"), "@2"), cairn::Error,
                          [](const cairn::Error& e) { return message_has(e, {"@2"}); });
    BOOST_CHECK_EXCEPTION(DockerArchiveSource(peer("test_image_1.tar"), "nope:1"), cairn::Error,
                          [](const cairn::Error& e) {
                              return message_has(e, {"nope:1", "bazel/v1/tarball:test_image_1"});
                          });
}

BOOST_AUTO_TEST_CASE(layers_reached_through_symlinks_are_read) {
    if (!peer_tarballs_present()) return;
    TempDir dir;
    DockerArchiveSource source(peer("test_link.tar"), "bazel/v1/tarball:test_image_3");
    auto copy = copied(source, dir / "copy", linux_platform("amd64"));
    BOOST_REQUIRE(copy.manifest.layers.size() == 2u);
    BOOST_TEST(copy.manifest.layers[0].digest.str() ==
               "sha256:8897395fd26dc44ad0e2a834335b33198cb41ac4d98dfddf58eced3853fa7b17");
    BOOST_TEST(copy.manifest.layers[1].digest.str() ==
               "sha256:6b617a2706576ed038acdc3aa668cac62010386a5a3d227d83aada32085c9f29");
}

BOOST_AUTO_TEST_CASE(docker_25_oci_style_save_is_read) {
    if (!peer_tarballs_present()) return;
    TempDir dir;
    DockerArchiveSource source(peer("hello-world-v25.tar"), "");
    auto copy = copied(source, dir / "copy", linux_platform("arm64"));
    BOOST_TEST(copy.config.platform().architecture == "arm64");
    BOOST_REQUIRE(copy.manifest.layers.size() == 1u);
    BOOST_TEST(copy.manifest.layers[0].digest.str() ==
               "sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43");
    BOOST_TEST(copy.manifest.layers[0].digest == copy.config.diff_ids()[0]);
}

BOOST_AUTO_TEST_CASE(broken_tarballs_are_clear_errors) {
    if (!peer_tarballs_present()) return;
    BOOST_CHECK_EXCEPTION(DockerArchiveSource(peer("no_manifest.tar"), ""), cairn::Error,
                          [](const cairn::Error& e) {
                              return message_has(e, {"no_manifest.tar", "no manifest.json"});
                          });
    BOOST_CHECK_EXCEPTION(DockerArchiveSource(peer("null_manifest.tar"), ""), cairn::Error,
                          [](const cairn::Error& e) {
                              return message_has(e, {"null_manifest.tar", "null"});
                          });
    // Not a tar at all.
    BOOST_CHECK_EXCEPTION(DockerArchiveSource(peer("foo"), ""), cairn::Error,
                          [](const cairn::Error& e) { return message_has(e, {"foo"}); });
}

BOOST_AUTO_TEST_CASE(written_archives_are_what_docker_load_reads_and_read_back_the_same) {
    TempDir dir;
    auto layout = oci::ImageLayout::open_or_create(dir / "layout");
    auto image = add_sample_image(layout, "hello\n");
    layout.tag(image.manifest, "v1");
    auto write = [&](const fs::path& file) {
        oci::LayoutSource source(dir / "layout", "v1");
        DockerArchiveTarget target(file, "example.com/app:1.0");
        copy_image(source, target, {});
        return read_bytes(file);
    };
    auto bytes = write(dir / "a.tar");
    BOOST_TEST(write(dir / "b.tar") == bytes);

    ArchiveReader archive(dir / "a.tar", "a.tar");
    auto config_name = std::string(image.config.digest.hex()) + ".json";
    auto layer_name = std::string(image.layer.digest.hex()) + ".tar.gz";
    BOOST_TEST(archive.read_small("manifest.json", 1 << 20) ==
               R"([{"Config":")" + config_name +
                   R"(","RepoTags":["example.com/app:1.0"],"Layers":[")" + layer_name + "\"]}]\n");
    BOOST_TEST(archive.read_small(layer_name, 1 << 20) ==
               read_bytes(layout.blobs().path_of(image.layer.digest)));
    BOOST_TEST(archive.read_small(config_name, 1 << 20) ==
               read_bytes(layout.blobs().path_of(image.config.digest)));

    DockerArchiveSource back(dir / "a.tar", "example.com/app:1.0");
    auto loaded = oci::load_image(back, linux_platform("amd64"));
    BOOST_TEST(loaded.manifest.layers.front().digest == image.layer.digest);
    BOOST_TEST(loaded.manifest.layers.front().media_type == oci::media_type::docker_layer_gzip);
    BOOST_TEST(loaded.manifest.config.digest == image.config.digest);
    BOOST_TEST(loaded.config.diff_ids().front() == image.diff_id);
}

BOOST_AUTO_TEST_CASE(target_references_must_be_name_and_tag) {
    TempDir dir;
    for (const char* bad : {"app", "App:1", "app:", "app@sha256:00", "app:1/x", "a b:1"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_CHECK_THROW(DockerArchiveTarget(dir / "a.tar", bad), cairn::UsageError);
        }
    }
    for (const char* good :
         {"app:1", "localhost:5000/team/app:v1.2_3", "docker.io/library/busybox:latest"}) {
        BOOST_TEST_CONTEXT(good) {
            BOOST_CHECK_NO_THROW(DockerArchiveTarget(dir / "a.tar", good));
        }
    }
    BOOST_TEST(fs::is_empty(dir.path()));  // no scratch directory left behind
}

BOOST_AUTO_TEST_CASE(an_index_cannot_be_written) {
    TempDir dir;
    DockerArchiveTarget target(dir / "a.tar", "");
    oci::ManifestBlob index{.bytes = R"({"schemaVersion":2,"manifests":[]})",
                            .media_type = std::string(oci::media_type::oci_index),
                            .digest = oci::Digest::of(R"({"schemaVersion":2,"manifests":[]})")};
    BOOST_CHECK_THROW(target.put_manifest(index), cairn::Error);
    BOOST_CHECK_THROW(target.put_child_manifest(index), cairn::Error);
    BOOST_TEST(!fs::exists(dir / "a.tar"));
}

BOOST_AUTO_TEST_CASE(a_damaged_uncompressed_layer_fails_the_copy) {
    TempDir dir;
    auto layer = tar_of({{.name = "f", .bytes = "data"}});
    auto diff_id = oci::Digest::of(layer);
    std::string config =
        R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
        diff_id.str() + R"("]}})";
    auto damaged = layer;
    damaged[512] ^= 1;  // the content of "f"
    write_bytes(
        dir / "bad.tar",
        tar_of({{.name = "cfg.json", .bytes = config},
                {.name = "x/layer.tar", .bytes = damaged},
                {.name = "manifest.json",
                 .bytes = R"([{"Config":"cfg.json","RepoTags":null,"Layers":["x/layer.tar"]}])"}}));
    DockerArchiveSource source(dir / "bad.tar", "");
    DockerArchiveTarget target(dir / "out.tar", "");
    BOOST_CHECK_EXCEPTION(copy_image(source, target, {}), cairn::Error, [](const cairn::Error& e) {
        return message_has(e, {"x/layer.tar", "bad.tar", "corrupt"});
    });
    BOOST_TEST(!fs::exists(dir / "out.tar"));
}

BOOST_AUTO_TEST_CASE(a_docker_25_archive_keeps_its_own_manifest) {
    TempDir dir;
    auto layout = oci::ImageLayout::open_or_create(dir / "layout");
    auto image = add_sample_image(layout, "hello\n");
    layout.tag(image.manifest, "app:1");
    // What Docker 25 saves: the layout, plus manifest.json pointing into blobs/.
    auto members = members_of_tree(dir / "layout");
    auto blob = [](const oci::Descriptor& d) {
        return "blobs/sha256/" + std::string(d.digest.hex());
    };
    members.push_back({.name = "manifest.json",
                       .bytes = R"([{"Config":")" + blob(image.config) +
                                R"(","RepoTags":["app:1"],"Layers":[")" + blob(image.layer) +
                                "\"]}]"});
    write_bytes(dir / "v25.tar", tar_of(members));
    DockerArchiveSource source(dir / "v25.tar", "app:1");
    BOOST_TEST(source.top().digest == image.manifest.digest);
    BOOST_TEST(source.top().media_type == oci::media_type::oci_manifest);
    auto copy = copied(source, dir / "copy", linux_platform("amd64"));
    BOOST_TEST(copy.manifest_blob.digest == image.manifest.digest);
}

BOOST_AUTO_TEST_CASE(a_compressed_layer_must_decompress_to_its_diff_id) {
    TempDir dir;
    auto layer = tar_of({{.name = "f", .bytes = "data"}});
    std::string config =
        R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
        oci::Digest::of(layer).str() + R"("]}})";
    auto archive_with = [&](const std::string& name, const std::string& layer_bytes) {
        write_bytes(dir / name,
                    tar_of({{.name = "cfg.json", .bytes = config},
                            {.name = "l.tar.gz", .bytes = layer_bytes},
                            {.name = "manifest.json",
                             .bytes = R"([{"Config":"cfg.json","Layers":["l.tar.gz"]}])"}}));
        return dir / name;
    };
    DockerArchiveSource good(archive_with("good.tar", gzip_of(layer)), "");
    BOOST_TEST(oci::Manifest::parse(good.top().bytes, "m").layers.front().digest ==
               oci::Digest::of(gzip_of(layer)));
    auto other = gzip_of(tar_of({{.name = "f", .bytes = "DATA"}}));
    BOOST_CHECK_EXCEPTION(DockerArchiveSource(archive_with("other.tar", other), ""), cairn::Error,
                          [](const cairn::Error& e) {
                              return message_has(e, {"l.tar.gz", "other.tar", "diff_id"});
                          });
    auto truncated = gzip_of(layer);
    truncated.resize(truncated.size() - 6);
    BOOST_CHECK_EXCEPTION(DockerArchiveSource(archive_with("truncated.tar", truncated), ""),
                          cairn::Error, [](const cairn::Error& e) {
                              return message_has(e, {"l.tar.gz", "truncated.tar", "damaged"});
                          });
}

BOOST_AUTO_TEST_SUITE_END()
