#include "assemble/transport/oci_archive.hpp"

#include <stdlib.h>

#include <boost/test/unit_test.hpp>

#include "archive_test_support.hpp"
#include "assemble/transport/copy.hpp"
#include "oci/error.hpp"
#include "oci/image.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace oci = cairn::oci;
using namespace cairn::assemble;
using namespace cairn::assemble::testing;
using cairn::test::TempDir;

namespace {

std::vector<std::string> names_in(const fs::path& directory) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// $TMPDIR pointed at a directory of the test for as long as it lives.
class TmpdirOverride {
  public:
    explicit TmpdirOverride(const fs::path& path) {
        if (const char* old = std::getenv("TMPDIR")) old_ = old;
        ::setenv("TMPDIR", path.c_str(), 1);
    }
    ~TmpdirOverride() {
        if (old_) {
            ::setenv("TMPDIR", old_->c_str(), 1);
        } else {
            ::unsetenv("TMPDIR");
        }
    }

  private:
    std::optional<std::string> old_;
};

struct Fixture {
    TempDir dir;
    oci::ImageLayout layout = oci::ImageLayout::open_or_create(dir / "layout");
    SampleImage image = add_sample_image(layout, "hello\n");
    Fixture() { layout.tag(image.manifest, "v1"); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(oci_archive)

BOOST_FIXTURE_TEST_CASE(round_trip_keeps_every_digest_and_leaves_nothing_behind, Fixture) {
    fs::create_directories(dir / "out");
    auto file = dir / "out/image.tar";
    {
        oci::LayoutSource source(dir / "layout", "v1");
        OciArchiveTarget target(file, "v1");
        auto result = copy_image(source, target, {});
        BOOST_TEST(result.manifest.digest == image.manifest.digest);
        BOOST_TEST(result.blobs_copied == 2u);
    }
    // Only the archive: no scratch layout, no temporary file.
    BOOST_TEST((names_in(dir / "out") == std::vector<std::string>{"image.tar"}));

    TempDir tmp;
    TmpdirOverride override(tmp.path());
    {
        OciArchiveSource source(file, "v1");
        BOOST_TEST(source.name() == "oci-archive:" + file.string() + ":v1");
        auto loaded = oci::load_image(source, linux_platform("amd64"));
        BOOST_TEST(loaded.manifest_blob.digest == image.manifest.digest);
        BOOST_TEST(loaded.config.diff_ids().front() == image.diff_id);
        oci::LayoutTarget back(dir / "back", "t");
        copy_image(source, back, {});
        BOOST_TEST(back.layout().find("t").digest == image.manifest.digest);
        BOOST_TEST(back.layout().blobs().has(image.layer.digest));
        BOOST_TEST(names_in(tmp.path()).empty());  // read in place: nothing extracted
    }
    BOOST_TEST(names_in(tmp.path()).empty());
}

BOOST_FIXTURE_TEST_CASE(archives_are_reproducible_and_replace_an_existing_file, Fixture) {
    auto write = [&](const fs::path& file, const std::string& tag) {
        oci::LayoutSource source(dir / "layout", "v1");
        OciArchiveTarget target(file, tag);
        copy_image(source, target, {});
        return read_bytes(file);
    };
    auto first = write(dir / "a.tar", "v1");
    BOOST_TEST(write(dir / "b.tar", "v1") == first);
    BOOST_TEST(write(dir / "a.tar", "other") != first);
    // Replaced, as skopeo does: the old tag is gone.
    OciArchiveSource source(dir / "a.tar", "");
    BOOST_CHECK_EXCEPTION(
        OciArchiveSource(dir / "a.tar", "v1").top(), cairn::Error, [&](const cairn::Error& e) {
            std::string message = e.what();
            return message.find("oci-archive:" + (dir / "a.tar").string()) != std::string::npos &&
                   message.find("other") != std::string::npos &&
                   message.find("cairn-archive-") == std::string::npos;
        });
    BOOST_TEST(source.top().digest == image.manifest.digest);
}

BOOST_FIXTURE_TEST_CASE(a_failed_copy_leaves_the_old_archive, Fixture) {
    auto file = dir / "a.tar";
    write_bytes(file, "old content");
    // The layer blob, damaged in place (same size).
    auto blob = layout.blobs().path_of(image.layer.digest);
    auto bytes = read_bytes(blob);
    bytes[bytes.size() / 2] ^= 0x55;
    write_bytes(blob, bytes);
    {
        oci::LayoutSource source(dir / "layout", "v1");
        OciArchiveTarget target(file, "v1");
        BOOST_CHECK_EXCEPTION(
            copy_image(source, target, {}), cairn::Error, [&](const cairn::Error& e) {
                return std::string(e.what()).find(image.layer.digest.str()) != std::string::npos;
            });
    }
    BOOST_TEST(read_bytes(file) == "old content");
    BOOST_TEST((names_in(dir.path()) == std::vector<std::string>{"a.tar", "layout"}));
}

BOOST_FIXTURE_TEST_CASE(damaged_archives_are_errors_naming_the_archive, Fixture) {
    {
        oci::LayoutSource source(dir / "layout", "v1");
        OciArchiveTarget target(dir / "a.tar", "v1");
        copy_image(source, target, {});
    }
    // A blob member damaged inside the archive (the tar stays well formed).
    auto tar = read_bytes(dir / "a.tar");
    auto gzip_at = tar.find("\x1f\x8b\x08");
    BOOST_REQUIRE(gzip_at != std::string::npos);
    tar[gzip_at + 20] ^= 0x55;
    write_bytes(dir / "bad.tar", tar);
    OciArchiveSource source(dir / "bad.tar", "v1");
    oci::LayoutTarget target(dir / "copy", "v1");
    BOOST_CHECK_EXCEPTION(copy_image(source, target, {}), cairn::Error, [&](const cairn::Error& e) {
        std::string message = e.what();
        return message.find("oci-archive:" + (dir / "bad.tar").string()) != std::string::npos &&
               message.find("corrupt") != std::string::npos &&
               message.find("cairn-archive-") == std::string::npos;
    });
    BOOST_CHECK_THROW(target.layout().find("v1"), cairn::Error);  // nothing was tagged

    // Not an OCI archive at all.
    write_bytes(dir / "docker.tar", tar_of({{.name = "manifest.json", .bytes = "[]"}}));
    BOOST_CHECK_EXCEPTION(
        OciArchiveSource(dir / "docker.tar", ""), cairn::Error, [](const cairn::Error& e) {
            return std::string(e.what()).find("docker-archive:") != std::string::npos;
        });
    BOOST_CHECK_THROW(OciArchiveSource(dir / "missing.tar", ""), cairn::Error);
}

BOOST_FIXTURE_TEST_CASE(a_target_in_a_missing_directory_is_an_error, Fixture) {
    BOOST_CHECK_EXCEPTION(
        OciArchiveTarget(dir / "no/such/a.tar", "v1"), cairn::Error, [&](const cairn::Error& e) {
            return std::string(e.what()).find((dir / "no/such").string()) != std::string::npos;
        });
}

BOOST_AUTO_TEST_SUITE_END()
