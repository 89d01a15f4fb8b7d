#include "assemble/base_layer.hpp"

#include <boost/test/unit_test.hpp>

#include "assemble/native_build.hpp"
#include "oci/error.hpp"
#include "oci/stream.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::MemorySink;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base_layer)

BOOST_AUTO_TEST_CASE(restore_puts_parts_back_with_their_mtimes) {
    ScratchDir from;
    write_file(from / "deps/libfnv.rlib", "rlib bytes");
    write_file(from / "node_modules/pkg/index.js", "module.exports = 1;\n");
    auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(48);
    fs::last_write_time(from / "deps/libfnv.rlib", old_time);
    std::vector<assemble::BasePart> parts{{"cargo/deps", from / "deps"},
                                          {"npm/node_modules", from / "node_modules"}};
    BOOST_TEST(assemble::base_is_warm(parts));
    MemorySink blob;
    auto digests = assemble::write_base_layer(parts, 1, blob);
    BOOST_TEST(digests.size == static_cast<std::int64_t>(blob.bytes.size()));

    ScratchDir to;
    std::vector<assemble::BasePart> targets{{"cargo/deps", to / "t/release/deps"},
                                            {"npm/node_modules", to / "ui/node_modules"}};
    BOOST_TEST(!assemble::base_is_warm(targets));
    cairn::MemorySource source(blob.bytes);
    auto restored = assemble::restore_base_layer(source, targets);
    BOOST_TEST(restored == 10u + 20u);
    BOOST_TEST(read_text(to / "t/release/deps/libfnv.rlib") == "rlib bytes");
    BOOST_TEST(read_text(to / "ui/node_modules/pkg/index.js") == "module.exports = 1;\n");
    auto kept = std::chrono::duration_cast<std::chrono::seconds>(
        fs::last_write_time(to / "t/release/deps/libfnv.rlib") - old_time);
    BOOST_TEST(std::abs(kept.count()) <= 1);
    BOOST_TEST(assemble::base_is_warm(targets));
}

BOOST_AUTO_TEST_CASE(a_member_outside_every_part_is_refused) {
    ScratchDir from;
    write_file(from / "deps/a", "a");
    MemorySink blob;
    assemble::write_base_layer({{"cargo/deps", from / "deps"}}, 1, blob);
    ScratchDir to;
    cairn::MemorySource source(blob.bytes);
    BOOST_CHECK_THROW(assemble::restore_base_layer(source, {{"npm/node_modules", to / "nm"}}),
                      cairn::Error);
    BOOST_TEST(!fs::exists(to / "nm"));
}

BOOST_AUTO_TEST_CASE(the_workspace_output_stays_out_of_the_base) {
    ScratchDir from;
    write_file(from / "deps/libfnv-1a2b3c.rlib", "third party");
    write_file(from / "deps/sample_server-4d5e6f", "the app");
    write_file(from / "fingerprint/fnv-1a2b3c/lib-fnv", "f");
    write_file(from / "fingerprint/sample-4d5e6f/bin-sample-server", "f");
    assemble::WorkspaceNames workspace{.packages = {"sample"}, .crates = {"sample_server"}};
    auto leave_out = [&](std::string_view entry) { return workspace.owns(entry); };
    MemorySink blob;
    assemble::write_base_layer({{"cargo/deps", from / "deps", leave_out},
                                {"cargo/.fingerprint", from / "fingerprint", leave_out}},
                               1, blob);
    ScratchDir to;
    cairn::MemorySource source(blob.bytes);
    assemble::restore_base_layer(
        source, {{"cargo/deps", to / "deps"}, {"cargo/.fingerprint", to / "fingerprint"}});
    BOOST_TEST(read_text(to / "deps/libfnv-1a2b3c.rlib") == "third party");
    BOOST_TEST(fs::exists(to / "fingerprint/fnv-1a2b3c/lib-fnv"));
    BOOST_TEST(!fs::exists(to / "deps/sample_server-4d5e6f"));
    BOOST_TEST(!fs::exists(to / "fingerprint/sample-4d5e6f"));
}

BOOST_AUTO_TEST_CASE(the_base_cache_stores_and_restores_by_tag) {
    ScratchDir cache;
    ScratchDir from;
    write_file(from / "deps/x.rlib", "x");
    assemble::BaseCache base(cache.path(), "app", "cargo-0123456789ab");
    BOOST_TEST(base.tag() == "app-base-cargo-0123456789ab");
    BOOST_TEST(!base.has());
    base.store({{"cargo/deps", from / "deps"}}, 1);
    BOOST_TEST(base.has());
    BOOST_TEST(!assemble::BaseCache(cache.path(), "app", "cargo-ffffffffffff").has());
    ScratchDir to;
    BOOST_TEST(base.restore({{"cargo/deps", to / "deps"}}) == 1u);
    BOOST_TEST(read_text(to / "deps/x.rlib") == "x");
}

BOOST_AUTO_TEST_SUITE_END()
