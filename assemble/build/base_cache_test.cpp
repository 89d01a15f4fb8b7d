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

// A base made after a Cargo.lock change keeps the earlier base's npm layers without unpacking
// them: the restore leaves them unread (their blobs may even be gone), and the new base is the
// one a whole restore and pack would give, layer for layer.
BOOST_AUTO_TEST_CASE(a_base_keeps_an_earlier_bases_npm_layers_unread) {
    ScratchDir cache;
    ScratchDir from;
    write_file(from / "deps/libbig-0123abcd.rlib", std::string(2 << 20, 'b'));
    write_file(from / "deps/libsmall-4567cdef.rlib", "s");
    write_file(from / "node_modules/next/index.js", std::string(2 << 20, 'n'));
    write_file(from / "node_modules/tiny/index.js", "t");
    assemble::BaseRecord record{.toolchain = "sha256:aa", .npm = "sha256:bb"};
    assemble::BaseCache earlier(cache.path(), "app", "cargo-000000000001");
    earlier.store({{"cargo/deps", from / "deps"}, {"npm/node_modules", from / "node_modules"}}, 1,
                  record);
    auto layers = earlier.layers();
    BOOST_TEST_REQUIRE(layers.size() >= 3u);
    std::vector<assemble::BaseLayer> npm;
    for (const auto& layer : layers) {
        if (assemble::base_layer_tool(layer.group) == "npm") npm.push_back(layer);
    }
    BOOST_TEST_REQUIRE(npm.size() >= 2u);

    ScratchDir to;
    std::vector<assemble::BasePart> cargo_part{{"cargo/deps", to / "deps"}};
    std::vector<assemble::BasePart> both{{"cargo/deps", to / "deps"},
                                         {"npm/node_modules", to / "node_modules"}};
    earlier.restore(both, nullptr, 1, {"npm/node_modules"});
    BOOST_TEST(read_file(to / "deps/libsmall-4567cdef.rlib") == "s");
    BOOST_TEST(!fs::exists(to / "node_modules"));

    assemble::BaseCache later(cache.path(), "app", "cargo-000000000002");
    auto made = later.store(cargo_part, 1, record, npm);
    BOOST_REQUIRE(made.size() == layers.size());
    for (std::size_t i = 0; i < made.size(); ++i) {
        BOOST_TEST(made[i].group == layers[i].group);
        BOOST_TEST(made[i].digests.digest == layers[i].digests.digest, made[i].group);
    }
    // Its node_modules is whole.
    ScratchDir again;
    later.restore({{"cargo/deps", again / "deps"}, {"npm/node_modules", again / "node_modules"}});
    BOOST_TEST(read_file(again / "node_modules/tiny/index.js") == "t");
    BOOST_TEST(fs::file_size(again / "node_modules/next/index.js") == std::uintmax_t{2 << 20});

    // The npm layers are not even opened by a restore that leaves node_modules alone; a base
    // cannot keep a layer whose blob is gone.
    for (const auto& layer : npm)
        fs::remove(cache / "bases/blobs/sha256" / std::string(layer.digests.digest.hex()));
    ScratchDir third;
    earlier.restore({{"cargo/deps", third / "deps"}, {"npm/node_modules", third / "node_modules"}},
                    nullptr, 1, {"npm/node_modules"});
    BOOST_TEST(read_file(third / "deps/libsmall-4567cdef.rlib") == "s");
    BOOST_CHECK_THROW(assemble::BaseCache(cache.path(), "app", "cargo-000000000003")
                          .store({{"cargo/deps", third / "deps"}}, 1, record, npm),
                      cairn::Error);
}

BOOST_AUTO_TEST_SUITE_END()
