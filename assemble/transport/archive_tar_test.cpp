#include "assemble/transport/archive_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <memory>

#include "archive_test_support.hpp"
#include "oci/error.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace cairn::assemble;
using namespace cairn::assemble::testing;
using cairn::test::TempDir;

namespace {

struct Header {
    std::string name;
    int type;
    int perm;
    std::int64_t uid, gid, mtime, size;
    bool named;
};

bool has_text(const char* text) {
    return text != nullptr && *text != '\0';
}

// Headers of a tar, read with libarchive (an independent reader of what we write).
std::vector<Header> headers_of(const std::string& tar) {
    std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(reader.get());
    BOOST_REQUIRE(archive_read_open_memory(reader.get(), tar.data(), tar.size()) == ARCHIVE_OK);
    std::vector<Header> out;
    archive_entry* entry = nullptr;
    while (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
        out.push_back(
            {archive_entry_pathname(entry), static_cast<int>(archive_entry_filetype(entry)),
             static_cast<int>(archive_entry_perm(entry)), archive_entry_uid(entry),
             archive_entry_gid(entry), archive_entry_mtime(entry), archive_entry_size(entry),
             has_text(archive_entry_uname(entry)) || has_text(archive_entry_gname(entry))});
    }
    return out;
}

// A tar with links and odd names, written with libarchive directly.
std::string raw_tar(const std::vector<std::tuple<std::string, int, std::string>>& entries) {
    StringSink out;
    std::unique_ptr<archive, int (*)(archive*)> writer(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(writer.get());
    archive_write_open(
        writer.get(), &out, nullptr,
        [](archive*, void* sink, const void* data, size_t size) -> la_ssize_t {
            static_cast<StringSink*>(sink)->write(static_cast<const std::uint8_t*>(data), size);
            return static_cast<la_ssize_t>(size);
        },
        nullptr);
    for (const auto& [name, type, text] : entries) {
        std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(),
                                                                       archive_entry_free);
        archive_entry_copy_pathname(entry.get(), name.c_str());
        archive_entry_set_perm(entry.get(), 0644);
        if (type == 'h') {
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            archive_entry_copy_hardlink(entry.get(), text.c_str());
        } else if (type == 'l') {
            archive_entry_set_filetype(entry.get(), AE_IFLNK);
            archive_entry_copy_symlink(entry.get(), text.c_str());
        } else {
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            archive_entry_set_size(entry.get(), static_cast<la_int64_t>(text.size()));
        }
        archive_write_header(writer.get(), entry.get());
        if (type == 'f') archive_write_data(writer.get(), text.data(), text.size());
    }
    archive_write_close(writer.get());
    return out.text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(archive_tar)

BOOST_AUTO_TEST_CASE(member_names_are_normalised_and_cannot_climb_out) {
    BOOST_TEST(*normalise_member_name("./a//b/") == "a/b");
    BOOST_TEST(*normalise_member_name("/manifest.json") == "manifest.json");
    BOOST_TEST(normalise_member_name("./")->empty());
    BOOST_TEST(!normalise_member_name("../x"));
    BOOST_TEST(!normalise_member_name("a/../../x"));
}

BOOST_AUTO_TEST_CASE(written_archives_are_sorted_owned_by_root_and_reproducible) {
    TempDir dir;
    write_bytes(dir / "big", std::string(200000, 'x'));
    std::vector<ArchiveMember> members{{.name = "z.json", .bytes = "{}"},
                                       {.name = "blobs/sha256/abc", .file = dir / "big"},
                                       {.name = "blobs/"},
                                       {.name = "blobs/sha256/"}};
    StringSink first, second;
    write_archive(members, 1700000000, first);
    write_archive(members, 1700000000, second);
    BOOST_TEST(first.text == second.text);
    auto headers = headers_of(first.text);
    BOOST_REQUIRE(headers.size() == 4u);
    std::vector<std::string> names;
    for (const auto& header : headers) {
        names.push_back(header.name);
        BOOST_TEST(header.uid == 0);
        BOOST_TEST(header.gid == 0);
        BOOST_TEST(header.mtime == 1700000000);
        BOOST_TEST(!header.named);
    }
    BOOST_TEST((names ==
                std::vector<std::string>{"blobs/", "blobs/sha256/", "blobs/sha256/abc", "z.json"}));
    BOOST_TEST(headers[0].perm == 0755);
    BOOST_TEST(headers[2].perm == 0644);
    BOOST_TEST(headers[2].size == 200000);
    // No block padding: the archive ends with the two zero blocks of the trailer.
    BOOST_TEST(first.text.size() % 512 == 0u);
    StringSink other_time;
    write_archive(members, 0, other_time);
    BOOST_TEST(other_time.text != first.text);
}

BOOST_AUTO_TEST_CASE(duplicate_members_to_write_are_an_error) {
    StringSink out;
    BOOST_CHECK_THROW(
        write_archive({{.name = "a", .bytes = "1"}, {.name = "a", .bytes = "2"}}, 0, out),
        cairn::Error);
}

BOOST_AUTO_TEST_CASE(extraction_gives_members_as_files_links_resolved) {
    TempDir dir;
    write_bytes(dir / "a.tar", raw_tar({{"./x/layer.tar", 'f', "layer"},
                                        {"y/layer.tar", 'l', "../x/layer.tar"},
                                        {"hard", 'h', "x/layer.tar"},
                                        {"dangling", 'l', "nowhere"},
                                        {"escape", 'l', "../../etc/passwd"},
                                        {"manifest.json", 'f', "[]"}}));
    fs::path root;
    {
        ExtractedArchive archive(dir / "a.tar", "test archive");
        root = archive.root();
        BOOST_TEST(fs::is_directory(root));
        BOOST_TEST(read_bytes(archive.path_of("x/layer.tar")) == "layer");
        BOOST_TEST(read_bytes(archive.path_of("./y/layer.tar")) == "layer");
        BOOST_TEST(read_bytes(archive.path_of("hard")) == "layer");
        BOOST_TEST(read_bytes(archive.path_of("manifest.json")) == "[]");
        BOOST_TEST(!archive.find("dangling"));
        BOOST_TEST(!archive.find("escape"));
        BOOST_TEST(!archive.find("../a.tar"));
        BOOST_TEST(!fs::is_symlink(root / "y/layer.tar"));
        try {
            archive.path_of("missing.json");
            BOOST_FAIL("a missing member was found");
        } catch (const cairn::Error& error) {
            BOOST_TEST(std::string(error.what()).find("test archive has no member missing.json") !=
                       std::string::npos);
        }
    }
    BOOST_TEST(!fs::exists(root));  // the scratch directory goes with the archive
}

BOOST_AUTO_TEST_CASE(gzip_compressed_archives_are_read) {
    TempDir dir;
    write_bytes(dir / "a.tar.gz", gzip_of(tar_of({{.name = "m", .bytes = "content"}})));
    ExtractedArchive archive(dir / "a.tar.gz", "gz");
    BOOST_TEST(read_bytes(archive.path_of("m")) == "content");
}

BOOST_AUTO_TEST_CASE(members_that_climb_out_are_refused) {
    TempDir dir;
    write_bytes(dir / "evil.tar", raw_tar({{"../evil", 'f', "x"}}));
    BOOST_CHECK_EXCEPTION(
        ExtractedArchive(dir / "evil.tar", "evil.tar"), cairn::Error, [](const cairn::Error& e) {
            return std::string(e.what()).find("outside the archive") != std::string::npos;
        });
    BOOST_TEST(!fs::exists(dir.path().parent_path() / "evil"));
}

BOOST_AUTO_TEST_CASE(broken_archives_are_errors_naming_them) {
    TempDir dir;
    auto tar = tar_of({{.name = "m", .bytes = std::string(5000, 'x')}});
    write_bytes(dir / "truncated.tar", tar.substr(0, 2048));
    write_bytes(dir / "not.tar", std::string(1024, 'j'));
    write_bytes(dir / "empty.tar", "");
    for (const char* name : {"truncated.tar", "not.tar", "empty.tar", "missing.tar"}) {
        BOOST_TEST_CONTEXT(name) {
            try {
                ExtractedArchive archive(dir / name, std::string("archive ") + name);
                // An empty file is an empty archive to some readers; then nothing is in it.
                BOOST_TEST(std::string(name) == "empty.tar");
                BOOST_TEST(!archive.find("m"));
            } catch (const cairn::Error& error) {
                BOOST_TEST(std::string(error.what()).find(name) != std::string::npos, error.what());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(scratch_directories_are_private_and_removed) {
    TempDir dir;
    fs::path path;
    {
        ScratchDirectory scratch(dir.path(), ".x-");
        path = scratch.path();
        BOOST_TEST(path.parent_path() == dir.path());
        BOOST_TEST(((fs::status(path).permissions() & fs::perms::all) == fs::perms::owner_all));
        write_bytes(path / "f", "1");
    }
    BOOST_TEST(!fs::exists(path));
    BOOST_CHECK_THROW(ScratchDirectory(dir / "no/such/dir", "x-"), cairn::Error);
}

BOOST_AUTO_TEST_SUITE_END()
