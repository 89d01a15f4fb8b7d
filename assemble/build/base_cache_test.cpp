#include "assemble/build/base_cache.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::read_file;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

BOOST_AUTO_TEST_SUITE(base_cache)

BOOST_AUTO_TEST_CASE(the_base_cache_stores_and_restores_by_tag) {
    ScratchDir cache;
    ScratchDir from;
    write_file(from / "deps/x.rlib", "x");
    assemble::BaseCache base(cache.path(), "app", "cargo-0123456789ab");
    BOOST_TEST(base.tag() == "app-base-cargo-0123456789ab");
    BOOST_TEST(!base.has());
    assemble::BaseRecord record{
        .toolchain = "sha256:aa", .cargo_packages = {"fnv@1.0.7/01234567"}, .npm = "none"};
    base.store({{"cargo/deps", from / "deps"}}, 1, record);
    BOOST_TEST(base.has());
    auto stored = base.record();
    BOOST_TEST(stored.toolchain == "sha256:aa");
    BOOST_TEST(stored.cargo_packages == record.cargo_packages, boost::test_tools::per_element());
    assemble::BaseCache(cache.path(), "app", "cargo-00000000000a").store(
        {{"cargo/deps", from / "deps"}}, 1, {});
    assemble::BaseCache(cache.path(), "app-other", "cargo-00000000000b").store(
        {{"cargo/deps", from / "deps"}}, 1, {});
    BOOST_TEST(assemble::BaseCache::cached_keys(cache.path(), "app") ==
                   (std::vector<std::string>{"cargo-00000000000a", "cargo-0123456789ab"}),
               boost::test_tools::per_element());
    BOOST_TEST(assemble::BaseCache::cached_keys(cache.path() / "none", "app").empty());
    BOOST_TEST(!assemble::BaseCache(cache.path(), "app", "cargo-ffffffffffff").has());
    ScratchDir to;
    BOOST_TEST(base.restore({{"cargo/deps", to / "deps"}}) == 1u);
    BOOST_TEST(read_file(to / "deps/x.rlib") == "x");
}

BOOST_AUTO_TEST_CASE(a_failed_restore_leaves_no_part_behind) {
    ScratchDir cache;
    ScratchDir from;
    write_file(from / "deps/x.rlib", std::string(100000, 'x'));
    assemble::BaseCache base(cache.path(), "app", "cargo-0123456789ab");
    auto layers = base.store({{"cargo/deps", from / "deps"}}, 1, {});
    BOOST_REQUIRE(!layers.empty());
    // The layer that holds x.rlib, the largest.
    auto layer = layers.front().digests;
    for (const auto& each : layers) {
        if (each.digests.size > layer.size) layer = each.digests;
    }
    // The layer blob, cut short: the restore fails part-way.
    auto blob = cache / "bases/blobs/sha256" / std::string(layer.digest.hex());
    fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
    fs::resize_file(blob, static_cast<std::uintmax_t>(layer.size / 2));
    ScratchDir to;
    write_file(to / "deps/partial", "from an earlier, interrupted restore");
    BOOST_CHECK_EXCEPTION(
        base.restore({{"cargo/deps", to / "deps"}}), cairn::Error, [](const cairn::Error& e) {
            return std::string(e.what()).find("--rebuild-base") != std::string::npos;
        });
    BOOST_TEST(!fs::exists(to / "deps"));
}

BOOST_AUTO_TEST_SUITE_END()
