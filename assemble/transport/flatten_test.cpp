#include "assemble/transport/flatten.hpp"

#include <boost/test/unit_test.hpp>

#include "archive_test_support.hpp"
#include "oci/error.hpp"
#include "temp_dir.hpp"
#include "tree_test_support.hpp"

namespace oci = cairn::oci;
using namespace cairn::assemble;
using namespace cairn::assemble::testing;
using cairn::test::TempDir;

namespace {

// A manifest of gzip layers made of `tars` (bottom first), blobs in a layout.
oci::Manifest layered(oci::ImageLayout& layout, const std::vector<std::string>& tars) {
    std::string empty_config = "{}";
    oci::Manifest manifest{
        .media_type = std::string(oci::media_type::oci_manifest),
        .config = {.media_type = std::string(oci::media_type::oci_config),
                   .digest = layout.blobs().put(empty_config),
                   .size = static_cast<std::int64_t>(empty_config.size())}};
    for (const auto& tar : tars) {
        auto blob = gzip_of(tar);
        manifest.layers.push_back({.media_type = std::string(oci::media_type::oci_layer_gzip),
                                   .digest = layout.blobs().put(blob),
                                   .size = static_cast<std::int64_t>(blob.size())});
    }
    return manifest;
}

std::string flattened(const TempDir& dir, const oci::Manifest& manifest) {
    oci::LayoutSource source(dir / "layout", "");
    StringSink out;
    flatten(source, manifest, out);
    return out.text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(flatten_layers)

BOOST_AUTO_TEST_CASE(upper_layers_win_and_whiteouts_delete) {
    TempDir dir;
    auto layout = oci::ImageLayout::open_or_create(dir / "layout");
    auto lower = tar_of({{.name = "a/"},
                         {.name = "a/1.txt", .bytes = "one"},
                         {.name = "a/2.txt", .bytes = "two"},
                         {.name = "b/"},
                         {.name = "b/x", .bytes = "x"},
                         {.name = "c.txt", .bytes = "c"},
                         {.name = "e/"},
                         {.name = "e/f", .bytes = "f"}});
    auto upper = tar_of({{.name = "a/.wh.1.txt"},
                         {.name = "b/"},
                         {.name = "b/.wh..wh..opq"},
                         {.name = "b/y", .bytes = "y"},
                         {.name = "c.txt", .bytes = "c2"},
                         {.name = "e", .bytes = "now a file"}});
    auto entries = read_tar(flattened(dir, layered(layout, {lower, upper})));
    BOOST_TEST((paths_of(entries) ==
                std::vector<std::string>{"b/", "b/y", "c.txt", "e", "a/", "a/2.txt"}));
    BOOST_TEST(find_entry(entries, "c.txt")->data == "c2");
    BOOST_TEST(find_entry(entries, "e")->data == "now a file");
}

BOOST_AUTO_TEST_CASE(a_whiteout_hides_only_lower_layers) {
    TempDir dir;
    auto layout = oci::ImageLayout::open_or_create(dir / "layout");
    auto lower = tar_of({{.name = "gone", .bytes = "old"}, {.name = "keep", .bytes = "k"}});
    // The same layer deletes the lower file and makes a new one of that name.
    auto upper = tar_of({{.name = ".wh.gone"}, {.name = "gone", .bytes = "new"}});
    auto entries = read_tar(flattened(dir, layered(layout, {lower, upper})));
    BOOST_TEST((paths_of(entries) == std::vector<std::string>{"gone", "keep"}));
    BOOST_TEST(find_entry(entries, "gone")->data == "new");
}

BOOST_AUTO_TEST_CASE(a_blob_that_does_not_match_its_digest_fails) {
    TempDir dir;
    auto layout = oci::ImageLayout::open_or_create(dir / "layout");
    auto manifest = layered(layout, {tar_of({{.name = "f", .bytes = "x"}})});
    manifest.layers[0].size += 1;  // the descriptor promises more than the blob has
    oci::LayoutSource source(dir / "layout", "");
    StringSink out;
    BOOST_CHECK_THROW(flatten(source, manifest, out), cairn::Error);
}

BOOST_AUTO_TEST_SUITE_END()
