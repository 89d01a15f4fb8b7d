#include "oci/layout.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>

#include "oci/error.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace oci = cairn::oci;
using cairn::test::TempDir;

namespace {

std::size_t files_in(const fs::path& directory) {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(directory)) ++count;
    return count;
}

fs::path peer_layouts() {
    const char* source = std::getenv("CAIRN_SOURCE_DIR");
    fs::path root = source ? fs::path(source) : fs::current_path();
    return root / ".." / "shared" / "peer-testdata" / "go-containerregistry" / "layout";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(layout)

BOOST_AUTO_TEST_CASE(blob_writes_are_verified_and_leave_no_temporaries) {
    TempDir dir;
    oci::BlobStore store(dir.path());
    auto digest = store.put("hello");
    BOOST_TEST(digest == oci::Digest::of("hello"));
    BOOST_TEST(store.has(digest));
    BOOST_TEST(store.read(digest, 100) == "hello");

    auto writer = store.writer();
    writer->write("tampered");
    BOOST_CHECK_THROW(writer->commit(oci::Digest::of("original")), cairn::Error);
    BOOST_TEST(!store.has(oci::Digest::of("tampered")));
    {
        auto abandoned = store.writer();
        abandoned->write("never committed");
    }
    BOOST_TEST(files_in(dir / "blobs/sha256") == 1u);  // only "hello"
}

BOOST_AUTO_TEST_CASE(corrupt_blobs_are_detected_on_read) {
    TempDir dir;
    oci::BlobStore store(dir.path());
    auto digest = store.put("payload");
    {
        oci::TemporaryFile overwrite(store.path_of(digest));
        overwrite.write("PAYLOAD");
        overwrite.commit();
    }
    BOOST_CHECK_THROW(store.read(digest, 100), cairn::Error);
    oci::VerifyingSource source(store.open(digest), digest, 7, "blob");
    cairn::CountingSink sink;
    BOOST_CHECK_THROW(cairn::copy_stream(source, sink), cairn::Error);
}

BOOST_AUTO_TEST_CASE(create_tag_and_find) {
    TempDir dir;
    auto layout = oci::ImageLayout::open_or_create(dir / "out");
    BOOST_TEST(fs::exists(dir / "out/oci-layout"));
    auto manifest = layout.blobs().put("{}");
    oci::Descriptor descriptor{
        .media_type = std::string(oci::media_type::oci_manifest), .digest = manifest, .size = 2};
    layout.tag(descriptor, "v1");
    layout.tag(descriptor, "v2");
    layout.tag(descriptor, "v1");  // retagging replaces, never duplicates
    auto reopened = oci::ImageLayout::open(dir / "out");
    BOOST_TEST(reopened.index().manifests.size() == 2u);
    BOOST_TEST(reopened.find("v2").digest == manifest);
    BOOST_CHECK_EXCEPTION(reopened.find("v3"), cairn::Error, [](const cairn::Error& e) {
        return std::string(e.what()).find("tags: v2, v1") != std::string::npos;
    });
    BOOST_CHECK_THROW(reopened.find(""), cairn::Error);  // two images: ambiguous
}

BOOST_AUTO_TEST_CASE(refuses_non_layouts) {
    TempDir dir;
    fs::create_directories(dir / "busy");
    {
        oci::TemporaryFile f(dir / "busy/file");
        f.write("x");
        f.commit();
    }
    BOOST_CHECK_THROW(oci::ImageLayout::open_or_create(dir / "busy"), cairn::Error);
    BOOST_CHECK_THROW(oci::ImageLayout::open(dir / "busy"), cairn::Error);
    BOOST_CHECK_THROW(oci::ImageLayout::open(dir / "missing"), cairn::Error);
}

BOOST_AUTO_TEST_CASE(concurrent_taggers_lose_nothing) {
    TempDir dir;
    auto layout = oci::ImageLayout::open_or_create(dir / "shared");
    auto manifest = layout.blobs().put("{}");
    oci::Descriptor descriptor{
        .media_type = std::string(oci::media_type::oci_manifest), .digest = manifest, .size = 2};
    constexpr int kProcesses = 4;
    constexpr int kTagsEach = 25;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        pid_t pid = fork();
        if (pid == 0) {
            try {
                auto mine = oci::ImageLayout::open(dir / "shared");
                for (int t = 0; t < kTagsEach; ++t) {
                    mine.blobs().put("same blob from every process");
                    mine.tag(descriptor, "p" + std::to_string(p) + "-" + std::to_string(t));
                }
            } catch (...) {
                _exit(1);
            }
            _exit(0);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        waitpid(pid, &status, 0);
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    BOOST_TEST(layout.index().manifests.size() == std::size_t{kProcesses * kTagsEach});
    BOOST_TEST(files_in(dir / "shared/blobs/sha256") == 2u);
}

BOOST_AUTO_TEST_CASE(reads_layouts_written_by_go_containerregistry) {
    auto root = peer_layouts();
    if (!fs::exists(root)) {
        BOOST_TEST_MESSAGE("skipped: peer test data not found at " << root);
        return;
    }
    auto host = oci::Platform::parse("linux/amd64");
    oci::LayoutSource one(root / "test_index", "1");
    auto image = oci::load_image(one, host);
    // Its index entry says OCI, the manifest itself says Docker schema 2: the document wins.
    BOOST_TEST(image.manifest.media_type == oci::media_type::docker_manifest);
    BOOST_TEST(image.manifest_blob.digest.str().ends_with(
        "eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650"));

    // Tag 2 has a media type that is no image: a clear error, not a crash.
    oci::LayoutSource odd(root / "test_index", "2");
    BOOST_CHECK_THROW(oci::load_image(odd, host), cairn::Error);
    // An index whose blobs are absent names the missing blob.
    oci::LayoutSource missing(root / "test_gc_image_unknown_mediatype", "");
    BOOST_CHECK_THROW(oci::load_image(missing, host), cairn::Error);

    oci::LayoutSource single(root / "test_index_one_image", "");
    BOOST_TEST(oci::load_image(single, host).manifest.layers.size() >= 1u);
    // Tags 3 and 4 are an OCI index and a Docker manifest list, each of one image without
    // platform data: both resolve to that image.
    for (const char* tag : {"3", "4"}) {
        oci::LayoutSource nested(root / "test_index", tag);
        auto resolved = oci::load_image(nested, host);
        BOOST_TEST(resolved.manifest_blob.digest == image.manifest_blob.digest);
    }
}

BOOST_AUTO_TEST_SUITE_END()
