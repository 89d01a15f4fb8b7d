#include "assemble/layer/layer_cache.hpp"

#include <libdeflate.h>

#include <boost/test/unit_test.hpp>

#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::MemorySink;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

BOOST_AUTO_TEST_SUITE(layer_cache)

BOOST_AUTO_TEST_CASE(unchanged_content_reuses_the_blob_and_changed_content_does_not) {
    ScratchDir tree;
    ScratchDir cache;
    write_file(tree / "app/index.html", "<html>v1</html>\n");
    write_file(tree / "app/app.js", std::string(300000, 'x'));
    cairn::oci::BlobStore store(cache.path());
    assemble::LayerSource source{.trees = {{tree / "app", "/app/ui"}}};
    assemble::LayerOptions options{.compression = assemble::Compression::gzip, .threads = 2};

    auto first = assemble::store_layer(source, options, store);
    BOOST_TEST(!first.reused);
    BOOST_TEST(store.has(first.digests.digest));

    // The same content again (its files rewritten, new mtimes: layers keep none of that).
    write_file(tree / "app/index.html", "<html>v1</html>\n");
    auto second = assemble::store_layer(source, options, store);
    BOOST_TEST(second.reused);
    BOOST_TEST(second.digests.digest.str() == first.digests.digest.str());
    BOOST_TEST(second.digests.diff_id.str() == first.digests.diff_id.str());
    BOOST_TEST(second.digests.size == first.digests.size);

    // What is reused is what a fresh write makes.
    MemorySink fresh;
    auto made = assemble::write_layer(source, options, fresh);
    BOOST_TEST(made.digest.str() == second.digests.digest.str());

    // zstd has a recipe of its own: nothing to reuse from gzip.
    auto zstd_options = options;
    zstd_options.compression = assemble::Compression::zstd;
    BOOST_TEST(!assemble::store_layer(source, zstd_options, store).reused);

    write_file(tree / "app/index.html", "<html>v2</html>\n");
    auto changed = assemble::store_layer(source, options, store);
    BOOST_TEST(!changed.reused);
    BOOST_TEST(changed.digests.digest.str() != first.digests.digest.str());
}

BOOST_AUTO_TEST_CASE(a_record_whose_blob_is_gone_is_made_again) {
    ScratchDir tree;
    ScratchDir cache;
    write_file(tree / "f", "content\n");
    cairn::oci::BlobStore store(cache.path());
    assemble::LayerSource source{.trees = {{tree / "f", "/f"}}};
    auto first = assemble::store_layer(source, {}, store);
    fs::remove(store.path_of(first.digests.digest));
    auto again = assemble::store_layer(source, {}, store);
    BOOST_TEST(!again.reused);
    BOOST_TEST(store.has(first.digests.digest));
    BOOST_TEST(again.digests.digest.str() == first.digests.digest.str());
}

BOOST_AUTO_TEST_CASE(the_layer_format_is_pinned) {
    // These bytes are what records of "cairn layer format 2" stand for. If this digest changes
    // while libdeflate does not, cairn's gzip output changed: bump kLayerFormat, or warm caches
    // will keep serving the old bytes. (libdeflate's own version is in the recipe.)
    ScratchDir tree;
    write_file(tree / "a.txt", "cairn\n");
    cairn::assemble::testing::make_dir(tree / "b", 0755);
    write_file(tree / "b/c.bin", std::string(70000, 'x'));
    assemble::LayerSource source{.trees = {{tree.path(), "/"}}};
    MemorySink sink;
    auto digests = assemble::write_layer(
        source, {.compression = assemble::Compression::gzip, .threads = 1}, sink);
    BOOST_TEST(std::string(assemble::kLayerFormat) == "cairn layer format 2");
    if (std::string(LIBDEFLATE_VERSION_STRING) != "1.14") {
        BOOST_TEST_MESSAGE("libdeflate " LIBDEFLATE_VERSION_STRING
                           ", not 1.14: digest not compared");
        return;
    }
    BOOST_TEST(digests.digest.str() ==
               "sha256:f40e23f5f419095281d81e3be4f4fcc01d86e39d5203df4cbd3d682c348eb2cb");
}

BOOST_AUTO_TEST_SUITE_END()
