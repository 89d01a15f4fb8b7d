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

}  // namespace

BOOST_AUTO_TEST_SUITE(archive_tar)

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

BOOST_AUTO_TEST_SUITE_END()
