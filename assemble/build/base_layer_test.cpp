#include "assemble/build/base_layer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>

#include "assemble/build/native_build.hpp"
#include "oci/error.hpp"
#include "oci/stream.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::MemorySink;
using cairn::assemble::testing::read_file;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

namespace {

// A member of a hand-made tar: what a hostile registry could serve as a base.
struct Member {
    std::string name;
    unsigned type = AE_IFREG;
    std::string content;
    std::string link;  // symlink target, or hard link target when `hardlink`
    bool hardlink = false;
};

std::string tar_of(const std::vector<Member>& members) {
    std::string bytes(1 << 20, '\0');
    std::size_t used = 0;
    std::unique_ptr<archive, int (*)(archive*)> tar(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(tar.get());
    archive_write_open_memory(tar.get(), bytes.data(), bytes.size(), &used);
    for (const auto& member : members) {
        std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(),
                                                                       archive_entry_free);
        archive_entry_set_pathname(entry.get(), member.name.c_str());
        archive_entry_set_filetype(entry.get(), member.type);
        archive_entry_set_perm(entry.get(), 0644);
        if (member.hardlink)
            archive_entry_set_hardlink(entry.get(), member.link.c_str());
        else if (member.type == AE_IFLNK)
            archive_entry_set_symlink(entry.get(), member.link.c_str());
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member.content.size()));
        BOOST_REQUIRE(archive_write_header(tar.get(), entry.get()) == ARCHIVE_OK);
        archive_write_data(tar.get(), member.content.data(), member.content.size());
    }
    BOOST_REQUIRE(archive_write_close(tar.get()) == ARCHIVE_OK);
    bytes.resize(used);
    return bytes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base_layer)

// The layers are unpacked side by side: every file lands whole, modes as archived, mtimes in
// their order, and the process umask is what it was (libarchive's writers read it by setting
// it to 0 and back).
BOOST_AUTO_TEST_CASE(layers_restore_side_by_side_and_leave_the_umask_alone) {
    ScratchDir from;
    ScratchDir blobs;
    cairn::oci::BlobStore store(blobs.path());
    for (int i = 0; i < 12; ++i) {
        auto name = "crate" + std::to_string(i) + "-0123456789abcdef";
        write_file(from / "deps" / ("lib" + name + ".rlib"), std::string((i + 1) << 17, 'a' + i));
        write_file(from / ".fingerprint" / name / "lib", std::to_string(i));
    }
    write_file(from / "deps/tool-0123456789abcdef", "#!/bin/sh\n");
    fs::permissions(from / "deps/tool-0123456789abcdef",
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    std::vector<assemble::BasePart> parts{{"cargo/deps", from / "deps"},
                                          {"cargo/.fingerprint", from / ".fingerprint"}};
    auto layers = assemble::write_base_layers(parts, 2, store);
    BOOST_TEST_REQUIRE(layers.size() >= 4u);
    auto before = ::umask(022);
    for (int round = 0; round < 20; ++round) {
        ScratchDir to;
        std::vector<assemble::BasePart> restored{{"cargo/deps", to / "deps"},
                                                 {"cargo/.fingerprint", to / ".fingerprint"}};
        std::vector<std::unique_ptr<cairn::ByteSource>> sources;
        std::vector<cairn::ByteSource*> pointers;
        for (const auto& layer : layers) {
            sources.push_back(store.open(layer.digests.digest));
            pointers.push_back(sources.back().get());
        }
        assemble::restore_base_layers(pointers, restored, 8);
        auto now = ::umask(022);
        BOOST_TEST_REQUIRE(now == static_cast<mode_t>(022));
        for (int i = 0; i < 12; ++i) {
            auto name = "crate" + std::to_string(i) + "-0123456789abcdef";
            BOOST_TEST(fs::file_size(to / "deps" / ("lib" + name + ".rlib")) ==
                       static_cast<std::uintmax_t>((i + 1) << 17));
            BOOST_TEST(read_file(to / ".fingerprint" / name / "lib") == std::to_string(i));
        }
        auto mode = fs::status(to / "deps/tool-0123456789abcdef").permissions() & fs::perms::all;
        BOOST_TEST(static_cast<unsigned>(mode) == 0750u);
    }
    ::umask(before);
}

BOOST_AUTO_TEST_CASE(an_unchanged_crate_keeps_its_layer_through_a_restore) {
    ScratchDir from;
    ScratchDir blobs;
    cairn::oci::BlobStore store(blobs.path());
    write_file(from / "deps/libbig-0123abcd.rlib", std::string(2 << 20, 'b'));
    write_file(from / "deps/big-0123abcd.d", "deps");
    write_file(from / ".fingerprint/big-0123abcd/lib-big", "fingerprint");
    write_file(from / "deps/libsmall-4567cdef.rlib", "s");
    std::vector<assemble::BasePart> parts{{"cargo/deps", from / "deps"},
                                          {"cargo/.fingerprint", from / ".fingerprint"}};
    auto digest_of = [](const std::vector<assemble::BaseLayer>& layers, const std::string& group) {
        for (const auto& layer : layers) {
            if (layer.group == group) return layer.digests.digest.str();
        }
        return std::string("none");
    };
    auto first = assemble::write_base_layers(parts, 1, store);
    BOOST_TEST(first.size() >= 2u);
    BOOST_TEST(first.size() <= 1u + 8u);
    // All of a crate's files, from every part, are in its layer.
    BOOST_TEST(digest_of(first, "cargo:big") != "none");
    auto again = assemble::write_base_layers(parts, 1, store);
    BOOST_REQUIRE(again.size() == first.size());
    for (std::size_t i = 0; i < first.size(); ++i)
        BOOST_TEST(again[i].digests.digest == first[i].digests.digest);

    // Restored elsewhere (every mtime moved to now), a crate added, packed again: the big
    // crate's layer holds the same bytes, so a registry already has it.
    ScratchDir to;
    std::vector<assemble::BasePart> restored{{"cargo/deps", to / "deps"},
                                             {"cargo/.fingerprint", to / ".fingerprint"}};
    std::vector<std::unique_ptr<cairn::ByteSource>> sources;
    std::vector<cairn::ByteSource*> pointers;
    for (const auto& layer : first) {
        sources.push_back(store.open(layer.digests.digest));
        pointers.push_back(sources.back().get());
    }
    assemble::restore_base_layers(pointers, restored);
    BOOST_TEST(read_file(to / ".fingerprint/big-0123abcd/lib-big") == "fingerprint");
    BOOST_TEST(fs::exists(to / "deps" / assemble::kBaseShiftFile));
    BOOST_TEST((fs::last_write_time(to / "deps/libbig-0123abcd.rlib") !=
                fs::last_write_time(from / "deps/libbig-0123abcd.rlib")));
    write_file(to / "deps/libnew-89abcdef.rlib", "n");
    auto second = assemble::write_base_layers(restored, 1, store);
    BOOST_TEST(digest_of(second, "cargo:big") == digest_of(first, "cargo:big"));
    for (const auto& layer : second) {
        BOOST_TEST(layer.group.find(assemble::kBaseShiftFile) == std::string::npos);
    }
}

namespace {

// A base of two crates big enough for layers of their own and a few small ones, written into
// `store`, restored into `to` with its layers' digests (so the restore leaves its index).
struct RestoredBase {
    ScratchDir from;
    ScratchDir to;
    ScratchDir blobs;
    cairn::oci::BlobStore store{blobs.path()};
    std::vector<assemble::BaseLayer> first;
    std::vector<assemble::BasePart> restored{{"cargo/deps", to / "deps"},
                                             {"cargo/.fingerprint", to / ".fingerprint"}};

    RestoredBase() {
        write_file(from / "deps/libbig-0123abcd.rlib", std::string(2 << 20, 'b'));
        write_file(from / "deps/big-0123abcd.d", "deps");
        write_file(from / ".fingerprint/big-0123abcd/lib-big", "fingerprint");
        write_file(from / "deps/libhuge-4567abcd.rlib", std::string(3 << 20, 'h'));
        for (int i = 0; i < 6; ++i)
            write_file(from / "deps" / ("libsmall" + std::to_string(i) + "-89ab.rlib"), "s");
        std::vector<assemble::BasePart> parts{{"cargo/deps", from / "deps"},
                                              {"cargo/.fingerprint", from / ".fingerprint"}};
        first = assemble::write_base_layers(parts, 1, store);
        std::vector<std::unique_ptr<cairn::ByteSource>> sources;
        std::vector<cairn::ByteSource*> pointers;
        std::vector<assemble::LayerDigests> digests;
        for (const auto& layer : first) {
            sources.push_back(store.open(layer.digests.digest));
            pointers.push_back(sources.back().get());
            digests.push_back(layer.digests);
        }
        assemble::restore_base_layers(pointers, restored, 2, digests);
    }

    // The same base packed the slow way: with no index, every file read.
    std::vector<assemble::BaseLayer> full_pass() {
        fs::remove(to / "deps" / assemble::kBaseIndexFile);
        auto layers = assemble::write_base_layers(restored, 1, store);
        for (const auto& layer : layers) BOOST_TEST(!layer.kept);
        return layers;
    }
};

std::string digest_in(const std::vector<assemble::BaseLayer>& layers, const std::string& group) {
    for (const auto& layer : layers) {
        if (layer.group == group) return layer.digests.digest.str();
    }
    return "none";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_restored_layer_nobody_changed_is_kept_unread_as_a_full_pass_makes_it) {
    RestoredBase base;
    BOOST_TEST_REQUIRE(fs::exists(base.to / "deps" / assemble::kBaseIndexFile));
    BOOST_TEST_REQUIRE(base.first.size() >= 3u);
    auto kept = assemble::write_base_layers(base.restored, 1, base.store);
    BOOST_REQUIRE(kept.size() == base.first.size());
    for (std::size_t i = 0; i < kept.size(); ++i) {
        BOOST_TEST(kept[i].kept, kept[i].group);
        BOOST_TEST(kept[i].group == base.first[i].group);
        BOOST_TEST(kept[i].digests.digest == base.first[i].digests.digest);
        BOOST_TEST(kept[i].digests.diff_id == base.first[i].digests.diff_id);
        BOOST_TEST(kept[i].digests.size == base.first[i].digests.size);
    }
    auto full = base.full_pass();
    BOOST_REQUIRE(full.size() == kept.size());
    for (std::size_t i = 0; i < kept.size(); ++i)
        BOOST_TEST(full[i].digests.digest == kept[i].digests.digest);
}

// What git's index calls a racy edit, and its kin: the same size, the mtime put back. Only the
// ctime shows it, and the edited crate's layer is packed again; so is one a file joined.
BOOST_AUTO_TEST_CASE(an_edit_that_keeps_size_and_mtime_packs_its_layer_again) {
    RestoredBase base;
    auto rlib = base.to / "deps/libbig-0123abcd.rlib";
    auto mtime = fs::last_write_time(rlib);
    write_file(rlib, std::string(2 << 20, 'B'));
    fs::last_write_time(rlib, mtime);
    write_file(base.to / "deps/libsmall9-89ab.rlib", "new");
    auto second = assemble::write_base_layers(base.restored, 1, base.store);
    std::size_t kept = 0;
    for (const auto& layer : second) {
        kept += layer.kept ? 1 : 0;
        if (layer.group == "cargo:big") BOOST_TEST(!layer.kept);
        if (layer.group == "cargo:huge") BOOST_TEST(layer.kept);
    }
    BOOST_TEST(kept >= 1u);
    BOOST_TEST(kept < second.size() - 1);
    BOOST_TEST(digest_in(second, "cargo:big") != digest_in(base.first, "cargo:big"));
    auto full = base.full_pass();
    BOOST_REQUIRE(full.size() == second.size());
    for (std::size_t i = 0; i < full.size(); ++i)
        BOOST_TEST(full[i].digests.digest == second[i].digests.digest, full[i].group);
}

BOOST_AUTO_TEST_CASE(a_damaged_or_moved_index_is_not_trusted) {
    RestoredBase base;
    auto index = base.to / "deps" / assemble::kBaseIndexFile;
    auto text = read_file(index);
    BOOST_TEST_REQUIRE(text.ends_with("end\n"));
    // Cut short: not one layer kept.
    write_file(index, text.substr(0, text.size() - 4));
    for (const auto& layer : assemble::write_base_layers(base.restored, 1, base.store))
        BOOST_TEST(!layer.kept, layer.group);
    // Whole again, but the parts' shift is not the one it was taken with.
    write_file(index, text);
    write_file(base.to / "deps" / assemble::kBaseShiftFile, "12345\n");
    write_file(base.to / ".fingerprint" / assemble::kBaseShiftFile, "12345\n");
    for (const auto& layer : assemble::write_base_layers(base.restored, 1, base.store))
        BOOST_TEST(!layer.kept, layer.group);
}

BOOST_AUTO_TEST_CASE(a_layer_whose_blob_is_gone_is_packed_again) {
    RestoredBase base;
    ScratchDir other;
    cairn::oci::BlobStore empty(other.path());
    auto layers = assemble::write_base_layers(base.restored, 1, empty);
    BOOST_REQUIRE(layers.size() == base.first.size());
    for (std::size_t i = 0; i < layers.size(); ++i) {
        BOOST_TEST(!layers[i].kept);
        BOOST_TEST(empty.has(layers[i].digests.digest));
        BOOST_TEST(layers[i].digests.digest == base.first[i].digests.digest);
    }
}

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
    BOOST_TEST(read_file(to / "t/release/deps/libfnv.rlib") == "rlib bytes");
    BOOST_TEST(read_file(to / "ui/node_modules/pkg/index.js") == "module.exports = 1;\n");
    auto kept = std::chrono::duration_cast<std::chrono::seconds>(
        fs::last_write_time(to / "t/release/deps/libfnv.rlib") - old_time);
    BOOST_TEST(std::abs(kept.count()) <= 1);
    BOOST_TEST(assemble::base_is_warm(targets));
}

BOOST_AUTO_TEST_CASE(a_part_left_alone_is_not_touched) {
    ScratchDir from;
    write_file(from / "deps/libfnv.rlib", "rlib bytes");
    write_file(from / "node_modules/pkg/index.js", "module.exports = 1;\n");
    MemorySink blob;
    assemble::write_base_layer(
        {{"cargo/deps", from / "deps"}, {"npm/node_modules", from / "node_modules"}}, 1, blob);

    ScratchDir to;
    std::vector<assemble::BasePart> targets{{"cargo/deps", to / "deps"},
                                            {"npm/node_modules", to / "node_modules"}};
    // Not restored into an empty place...
    cairn::MemorySource first(blob.bytes);
    BOOST_TEST(assemble::restore_base_layers({&first}, targets, 1, {}, {"npm/node_modules"}) ==
               10u);
    BOOST_TEST(read_file(to / "deps/libfnv.rlib") == "rlib bytes");
    BOOST_TEST(!fs::exists(to / "node_modules"));
    // ...nor over what is there: its files, their mtimes and no shift note of the restore.
    write_file(to / "node_modules/pkg/index.js", "mine");
    auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(48);
    fs::last_write_time(to / "node_modules/pkg/index.js", old_time);
    cairn::MemorySource second(blob.bytes);
    assemble::restore_base_layers({&second}, targets, 1, {}, {"npm/node_modules"});
    BOOST_TEST(read_file(to / "node_modules/pkg/index.js") == "mine");
    BOOST_TEST((fs::last_write_time(to / "node_modules/pkg/index.js") == old_time));
    BOOST_TEST(!fs::exists(to / "node_modules" / assemble::kBaseShiftFile));
    BOOST_TEST(fs::exists(to / "deps" / assemble::kBaseShiftFile));
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

BOOST_AUTO_TEST_CASE(a_hostile_base_writes_nothing_outside_its_parts) {
    ScratchDir outside;
    ScratchDir to;
    auto victim = outside / "victim";
    std::vector<assemble::BasePart> parts{{"cargo/deps", to / "deps"}};
    auto restore = [&](const std::vector<Member>& members) {
        auto bytes = tar_of(members);
        cairn::MemorySource source(bytes);
        return assemble::restore_base_layer(source, parts);
    };
    const std::vector<std::vector<Member>> refused{
        {{.name = "cargo/deps/" + victim.string(), .content = "pwned"}},
        {{.name = "cargo/deps/../../" + victim.lexically_relative(to.path()).string(),
          .content = "pwned"}},
        {{.name = "cargo/deps/hard", .link = victim.string(), .hardlink = true}},
        {{.name = "cargo/deps/fifo", .type = AE_IFIFO}},
        {{.name = "cargo/deps", .type = AE_IFLNK, .link = outside.path().string()}},
        {{.name = "cargo/deps/link", .type = AE_IFLNK, .link = outside.path().string()},
         {.name = "cargo/deps/link/victim", .content = "pwned"}},
        {{.name = "cargo/deps/a/up", .type = AE_IFLNK, .link = "../../outside"}},
    };
    for (const auto& attack : refused) {
        BOOST_TEST_CONTEXT("member " << attack.back().name) {
            BOOST_CHECK_THROW(restore(attack), cairn::Error);
            BOOST_TEST(!fs::exists(victim));
            BOOST_TEST(!fs::exists(to / "deps/fifo"));
        }
    }
    BOOST_TEST(!fs::is_symlink(to / "deps"));
    BOOST_TEST(!fs::is_symlink(to / "deps/link"));
    // A link that stays inside its part (node_modules/.bin/x -> ../x/cli.js) is fine.
    restore({{.name = "cargo/deps/x/cli.js", .content = "js"},
             {.name = "cargo/deps/.bin/x", .type = AE_IFLNK, .link = "../x/cli.js"}});
    BOOST_TEST(read_file(to / "deps/.bin/x") == "js");
}

BOOST_AUTO_TEST_CASE(a_part_below_a_symlinked_directory_keeps_the_link) {
    // ~/src -> /data/src: the restore writes through the user's own link, never replaces it.
    ScratchDir home;
    fs::create_directories(home / "data/src");
    fs::create_directory_symlink(home / "data/src", home / "src");
    ScratchDir from;
    write_file(from / "deps/x.rlib", "x");
    MemorySink blob;
    assemble::write_base_layer({{"cargo/deps", from / "deps"}}, 1, blob);
    cairn::MemorySource source(blob.bytes);
    assemble::restore_base_layer(source, {{"cargo/deps", home / "src/target/deps"}});
    BOOST_TEST(fs::is_symlink(home / "src"));
    BOOST_TEST(read_file(home / "data/src/target/deps/x.rlib") == "x");
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
    BOOST_TEST(read_file(to / "deps/libfnv-1a2b3c.rlib") == "third party");
    BOOST_TEST(fs::exists(to / "fingerprint/fnv-1a2b3c/lib-fnv"));
    BOOST_TEST(!fs::exists(to / "deps/sample_server-4d5e6f"));
    BOOST_TEST(!fs::exists(to / "fingerprint/sample-4d5e6f"));
}

// cargo's and npm's entries never share a layer, big units and small, and the part directories
// go with their tool: each layer, unpacked alone, writes into one tool's parts only.
BOOST_AUTO_TEST_CASE(no_layer_holds_both_tools) {
    ScratchDir from;
    ScratchDir blobs;
    cairn::oci::BlobStore store(blobs.path());
    write_file(from / "deps/libbig-0123abcd.rlib", std::string(2 << 20, 'b'));
    write_file(from / "node_modules/big/index.js", std::string(2 << 20, 'n'));
    for (int i = 0; i < 12; ++i) {
        auto n = std::to_string(i);
        write_file(from / "deps" / ("libsmall" + n + "-89ab.rlib"), "s" + n);
        write_file(from / "node_modules" / ("small" + n) / "index.js", "n" + n);
    }
    std::vector<assemble::BasePart> parts{{"cargo/deps", from / "deps"},
                                          {"npm/node_modules", from / "node_modules"}};
    auto layers = assemble::write_base_layers(parts, 1, store);
    std::map<std::string, int> per_tool;
    for (const auto& layer : layers) {
        auto tool = std::string(assemble::base_layer_tool(layer.group));
        BOOST_TEST_REQUIRE(!tool.empty(), layer.group);
        ++per_tool[tool];
        ScratchDir to;
        auto blob = store.open(layer.digests.digest);
        assemble::restore_base_layers({blob.get()},
                                      {{"cargo/deps", to / "deps"},
                                       {"npm/node_modules", to / "node_modules"}});
        BOOST_TEST(fs::exists(to / "deps") == (tool == "cargo"), layer.group);
        BOOST_TEST(fs::exists(to / "node_modules") == (tool == "npm"), layer.group);
    }
    BOOST_TEST(per_tool["cargo"] >= 2);  // its own and some shared
    BOOST_TEST(per_tool["npm"] >= 2);
    BOOST_TEST(assemble::base_layer_tool("shared-3").empty());  // an earlier cairn's: both
}

BOOST_AUTO_TEST_SUITE_END()
