#include "assemble/build/base_index.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/digest.hpp"

namespace assemble = cairn::assemble;
using cairn::oci::Digest;

namespace {

assemble::BaseIndex two_layer_index() {
    assemble::BaseIndex index{.shift = 42};
    index.layers.push_back(
        {.digests = {.diff_id = Digest::of("tar one"),
                     .digest = Digest::of("blob one"),
                     .size = 8,
                     .compression = cairn::assemble::Compression::zstd},
         .entries = {
             {.name = "cargo/deps", .stamp = {.device = 1, .inode = 2, .mode = 040755, .size = 0}},
             {.name = "cargo/deps/libserde-0a1b.rlib",
              .stamp = {.device = 1,
                        .inode = 3,
                        .mode = 0100644,
                        .size = 1234,
                        .mtime_ns = 1700000000123456789,
                        .ctime_ns = 1700000000223456789}}}});
    index.layers.push_back({.digests = {.diff_id = Digest::of("tar two"),
                                        .digest = Digest::of("blob two"),
                                        .size = 9,
                                        .compression = cairn::assemble::Compression::zstd},
                            .entries = {{.name = "npm/node_modules/a b",
                                         .stamp = {.device = 1, .inode = 4, .mode = 0120777}}}});
    return index;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base_index)

BOOST_AUTO_TEST_CASE(an_index_reads_back_as_written) {
    auto index = two_layer_index();
    auto read = assemble::BaseIndex::parse(index.to_text());
    BOOST_REQUIRE(read.has_value());
    BOOST_TEST(read->shift == 42);
    BOOST_REQUIRE(read->layers.size() == 2u);
    BOOST_TEST(read->layers[0].digests.digest == index.layers[0].digests.digest);
    BOOST_TEST(read->layers[0].digests.diff_id == index.layers[0].digests.diff_id);
    BOOST_TEST(read->layers[0].digests.size == 8);
    BOOST_REQUIRE(read->layers[0].entries.size() == 2u);
    BOOST_TEST(read->layers[0].entries[1].name == "cargo/deps/libserde-0a1b.rlib");
    BOOST_TEST((read->layers[0].entries[1].stamp == index.layers[0].entries[1].stamp));
    // A name keeps its spaces.
    BOOST_TEST(read->layers[1].entries[0].name == "npm/node_modules/a b");
}

BOOST_AUTO_TEST_CASE(a_damaged_index_is_refused_whole) {
    auto text = two_layer_index().to_text();
    BOOST_TEST(!assemble::BaseIndex::parse(text.substr(0, text.size() - 4)).has_value());
    BOOST_TEST(!assemble::BaseIndex::parse(text.substr(0, text.size() - 1)).has_value());
    BOOST_TEST(!assemble::BaseIndex::parse(text + "x\n").has_value());
    BOOST_TEST(!assemble::BaseIndex::parse("cairn base index 2" + text.substr(18)).has_value());
    BOOST_TEST(!assemble::BaseIndex::parse("").has_value());
    auto replaced = [&text](const std::string& from, const std::string& to) {
        auto copy = text;
        copy.replace(copy.find(from), from.size(), to);
        return copy;
    };
    // A count of entries beyond what follows, a number that is not one, a digest that is not.
    BOOST_TEST(!assemble::BaseIndex::parse(replaced(" 2\n", " 3\n")).has_value());
    BOOST_TEST(!assemble::BaseIndex::parse(replaced(" 2\n", " 99999999999\n")).has_value());
    BOOST_TEST(!assemble::BaseIndex::parse(replaced(" 1234 ", " 12x4 ")).has_value());
    BOOST_TEST(!assemble::BaseIndex::parse(replaced("sha256:", "sha257:")).has_value());
    BOOST_TEST(!assemble::BaseIndex::parse(replaced("shift 42", "shift -")).has_value());
}

// A file whose stamp is the same is unchanged, unless its stamp is as new as the index: then
// an edit in the same clock tick would not show (git's racy case).
BOOST_AUTO_TEST_CASE(a_stamp_as_new_as_the_index_proves_nothing) {
    auto index = two_layer_index();
    const auto& file = index.layers[0].entries[1].stamp;
    index.written_ns = file.ctime_ns + 1;
    BOOST_TEST(index.unchanged(file, file));
    auto other = file;
    other.inode += 1;
    BOOST_TEST(!index.unchanged(file, other));
    other = file;
    other.ctime_ns += 1;
    BOOST_TEST(!index.unchanged(file, other));
    index.written_ns = file.ctime_ns;
    BOOST_TEST(!index.unchanged(file, file));
    // A directory: its mode is all a base keeps of it.
    const auto& directory = index.layers[0].entries[0].stamp;
    auto moved = directory;
    moved.ctime_ns = index.written_ns + 5;
    moved.mtime_ns = 7;
    BOOST_TEST(index.unchanged(directory, moved));
    moved.mode = 040700;
    BOOST_TEST(!index.unchanged(directory, moved));
}

BOOST_AUTO_TEST_SUITE_END()
