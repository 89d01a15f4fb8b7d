#include "assemble/layer/layer.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "oci/error.hpp"
#include "temp_dir.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
namespace oci = cairn::oci;
using cairn::assemble::testing::MemorySink;
using cairn::assemble::testing::write_file;
using cairn::test::TempDir;

BOOST_AUTO_TEST_SUITE(layer)

BOOST_AUTO_TEST_CASE(parses_source_and_dest) {
    TempDir dir;
    write_file(dir / "tree/a.txt", "a");
    write_file(dir / "layer.tar.gz", "x");
    auto tree = assemble::LayerSource::parse((dir / "tree").string() + ":/app");
    BOOST_REQUIRE(tree.trees.size() == 1u);
    BOOST_TEST(tree.trees[0].dest == "/app");
    BOOST_TEST(tree.describe() == "/app");
    BOOST_TEST(assemble::LayerSource::parse((dir / "tree").string()).trees[0].dest == "/");
    BOOST_TEST(assemble::LayerSource::parse((dir / "layer.tar.gz").string()).tarball ==
               dir / "layer.tar.gz");
    BOOST_CHECK_THROW(assemble::LayerSource::parse((dir / "layer.tar.gz").string() + ":/x"),
                      cairn::UsageError);
    BOOST_CHECK_THROW(assemble::LayerSource::parse((dir / "missing").string()), cairn::Error);
    BOOST_CHECK_THROW(assemble::LayerSource::parse(""), cairn::UsageError);
}

BOOST_AUTO_TEST_CASE(one_pass_digests_match_the_bytes) {
    TempDir dir;
    write_file(dir / "tree/bin/app", std::string(300000, 'x'));
    write_file(dir / "tree/etc/conf", "key=value\n");
    auto source = assemble::LayerSource::parse((dir / "tree").string() + ":/app");
    for (auto compression :
         {assemble::Compression::gzip, assemble::Compression::zstd, assemble::Compression::none}) {
        MemorySink out;
        auto digests =
            assemble::write_layer(source, {.compression = compression, .threads = 2}, out);
        BOOST_TEST(digests.digest == oci::Digest::of(out.bytes));
        BOOST_TEST(digests.size == static_cast<std::int64_t>(out.bytes.size()));
        if (compression == assemble::Compression::none)
            BOOST_TEST(digests.diff_id == digests.digest);
        else
            BOOST_TEST(digests.diff_id != digests.digest);
    }
}

BOOST_AUTO_TEST_CASE(compressed_tarballs_pass_through_byte_for_byte) {
    TempDir dir;
    write_file(dir / "tree/file", "content");
    auto tree = assemble::LayerSource::parse((dir / "tree").string());
    MemorySink made;
    auto original = assemble::write_layer(
        tree, {.compression = assemble::Compression::zstd, .threads = 1}, made);
    write_file(dir / "given.tar.zst", made.bytes);

    MemorySink again;
    auto passed =
        assemble::write_layer(assemble::LayerSource::parse((dir / "given.tar.zst").string()),
                              {.compression = assemble::Compression::gzip}, again);
    BOOST_TEST(again.bytes == made.bytes);
    BOOST_TEST(passed.digest == original.digest);
    BOOST_TEST(passed.diff_id == original.diff_id);
    BOOST_TEST((passed.compression == assemble::Compression::zstd));

    // A plain tarball is compressed as asked, and keeps its diff_id.
    MemorySink plain;
    auto uncompressed =
        assemble::write_layer(tree, {.compression = assemble::Compression::none}, plain);
    write_file(dir / "plain.tar", plain.bytes);
    MemorySink gz;
    auto compressed =
        assemble::write_layer(assemble::LayerSource::parse((dir / "plain.tar").string()),
                              {.compression = assemble::Compression::gzip}, gz);
    BOOST_TEST(compressed.diff_id == uncompressed.digest);
    BOOST_TEST(compressed.digest == oci::Digest::of(gz.bytes));
}

BOOST_AUTO_TEST_CASE(corrupt_tarball_is_an_error) {
    TempDir dir;
    write_file(dir / "bad.tar.gz", std::string("\x1f\x8b\x08\x00garbage-not-deflate", 23));
    MemorySink out;
    BOOST_CHECK_THROW(
        assemble::write_layer(assemble::LayerSource::parse((dir / "bad.tar.gz").string()), {}, out),
        cairn::Error);
}

BOOST_AUTO_TEST_CASE(files_that_are_not_tar_are_refused) {
    TempDir dir;
    write_file(dir / "junk.tar", "junk\n");
    MemorySink out;
    BOOST_CHECK_EXCEPTION(
        assemble::write_layer(assemble::LayerSource::parse((dir / "junk.tar").string()), {}, out),
        cairn::Error, [](const cairn::Error& e) {
            return std::string(e.what()).find("tar archive") != std::string::npos;
        });
    // The same junk, compressed: the gzip is fine, what it holds is not.
    MemorySink gz;
    auto junk = assemble::LayerSource::parse((dir / "junk.tar").string());
    auto compressor = assemble::make_compressor(assemble::Compression::gzip, gz, 1);
    compressor->write("junk\n");
    compressor->finish();
    write_file(dir / "junk.tar.gz", gz.bytes);
    BOOST_CHECK_THROW(assemble::write_layer(
                          assemble::LayerSource::parse((dir / "junk.tar.gz").string()), {}, out),
                      cairn::Error);
}

BOOST_AUTO_TEST_SUITE_END()
