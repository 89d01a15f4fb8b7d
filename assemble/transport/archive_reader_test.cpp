// Archives read in place: members by offset (plain) or by decompressing again (gzip), links
// resolved inside the archive, names that climb out refused, nothing written anywhere.
#include "assemble/transport/archive_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <tuple>

#include "archive_test_support.hpp"
#include "oci/error.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace cairn::assemble;
using namespace cairn::assemble::testing;
using cairn::test::TempDir;

namespace {

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

std::string read_all(cairn::ByteSource& source) {
    std::string out;
    std::uint8_t buffer[1000];
    while (auto n = source.read(buffer, sizeof buffer)) out.append(reinterpret_cast<char*>(buffer), n);
    return out;
}

std::string member_text(const ArchiveReader& archive, const std::string& name) {
    return read_all(*archive.open(name));
}

bool names(const cairn::Error& error, const std::string& part) {
    return std::string(error.what()).find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(archive_reader)

BOOST_AUTO_TEST_CASE(member_names_are_normalised_and_cannot_climb_out) {
    BOOST_TEST(*normalise_member_name("./a//b/") == "a/b");
    BOOST_TEST(*normalise_member_name("/manifest.json") == "manifest.json");
    BOOST_TEST(normalise_member_name("./")->empty());
    BOOST_TEST(!normalise_member_name("../x"));
    BOOST_TEST(!normalise_member_name("a/../../x"));
}

BOOST_AUTO_TEST_CASE(members_are_read_in_place_links_resolved) {
    TempDir dir;
    write_bytes(dir / "a.tar", raw_tar({{"./x/layer.tar", 'f', "layer"},
                                        {"y/layer.tar", 'l', "../x/layer.tar"},
                                        {"hard", 'h', "x/layer.tar"},
                                        {"dangling", 'l', "nowhere"},
                                        {"escape", 'l', "../../etc/passwd"},
                                        {"manifest.json", 'f', "[]"}}));
    ArchiveReader archive(dir / "a.tar", "test archive");
    BOOST_TEST(member_text(archive, "x/layer.tar") == "layer");
    BOOST_TEST(member_text(archive, "./y/layer.tar") == "layer");
    BOOST_TEST(member_text(archive, "hard") == "layer");
    BOOST_TEST(archive.read_small("manifest.json", 10) == "[]");
    BOOST_TEST(archive.size_of("x/layer.tar") == 5u);
    BOOST_TEST(!archive.has("dangling"));
    BOOST_TEST(!archive.has("escape"));
    BOOST_TEST(!archive.has("../a.tar"));
    BOOST_CHECK_EXCEPTION(archive.open("missing.json"), cairn::Error, [](const cairn::Error& e) {
        return names(e, "test archive has no member missing.json");
    });
    BOOST_CHECK_EXCEPTION(archive.read_small("x/layer.tar", 4), cairn::Error,
                          [](const cairn::Error& e) { return names(e, "too large"); });
}

// Offsets past pax headers (long names), many members, a member that spans many blocks, and
// the same name twice (the later wins): what is read by offset is what libarchive reads.
BOOST_AUTO_TEST_CASE(offsets_hold_past_long_names_and_big_members) {
    TempDir dir;
    std::vector<ArchiveMember> members;
    std::string long_dir(150, 'd');
    for (int i = 0; i < 40; ++i) {
        std::string content(static_cast<std::size_t>(i * 997 + 1), static_cast<char>('a' + i % 26));
        members.push_back({.name = long_dir + "/" + std::string(120, 'n') + std::to_string(i),
                           .bytes = content});
    }
    members.push_back({.name = "big", .bytes = std::string(3 << 20, 'B') + "end"});
    write_bytes(dir / "a.tar", tar_of(members));
    write_bytes(dir / "a.tar.gz", gzip_of(tar_of(members)));
    for (const char* file : {"a.tar", "a.tar.gz"}) {
        BOOST_TEST_CONTEXT(file) {
            ArchiveReader archive(dir / file, file);
            for (const auto& member : members) BOOST_TEST(member_text(archive, member.name) == member.bytes);
        }
    }
    write_bytes(dir / "twice.tar", raw_tar({{"m", 'f', "first"}, {"m", 'f', "second"}}));
    BOOST_TEST(member_text(ArchiveReader(dir / "twice.tar", "twice"), "m") == "second");
}

// A compressed archive bigger than what is kept in memory: its large members are read by
// decompressing from the start again.
BOOST_AUTO_TEST_CASE(large_members_of_compressed_archives_are_read_again_from_the_start) {
    TempDir dir;
    std::string large(5 << 20, 'L');
    large += "tail";
    write_bytes(dir / "a.tar.gz",
                gzip_of(tar_of({{.name = "index.json", .bytes = "{}"}, {.name = "layer", .bytes = large}})));
    ArchiveReader archive(dir / "a.tar.gz", "gz");
    BOOST_TEST(archive.read_small("index.json", 10) == "{}");
    BOOST_TEST(member_text(archive, "layer") == large);
    BOOST_TEST(member_text(archive, "layer") == large);  // and again
}

BOOST_AUTO_TEST_CASE(members_that_climb_out_are_refused) {
    TempDir dir;
    write_bytes(dir / "evil.tar", raw_tar({{"../evil", 'f', "x"}}));
    BOOST_CHECK_EXCEPTION(ArchiveReader(dir / "evil.tar", "evil.tar"), cairn::Error,
                          [](const cairn::Error& e) { return names(e, "outside the archive"); });
    BOOST_TEST(!fs::exists(dir.path().parent_path() / "evil"));
}

BOOST_AUTO_TEST_CASE(broken_archives_are_errors_naming_them) {
    TempDir dir;
    auto tar = tar_of({{.name = "m", .bytes = std::string(5000, 'x')}});
    write_bytes(dir / "truncated.tar", tar.substr(0, 2048));
    write_bytes(dir / "truncated.tar.gz", gzip_of(tar.substr(0, 2048)));
    write_bytes(dir / "not.tar", std::string(1024, 'j'));
    write_bytes(dir / "empty.tar", "");
    fs::create_directories(dir / "a-directory.tar");
    for (const char* name :
         {"truncated.tar", "truncated.tar.gz", "not.tar", "empty.tar", "missing.tar", "a-directory.tar"}) {
        BOOST_TEST_CONTEXT(name) {
            try {
                ArchiveReader archive(dir / name, std::string("archive ") + name);
                // An empty file is an empty archive to some readers; then nothing is in it.
                BOOST_TEST(std::string(name) == "empty.tar");
                BOOST_TEST(!archive.has("m"));
            } catch (const cairn::Error& error) {
                BOOST_TEST(names(error, name), error.what());
            }
        }
    }
}

// Reading needs no temporary space: nothing is created in $TMPDIR, even for a compressed
// archive.
BOOST_AUTO_TEST_CASE(reading_creates_nothing_in_tmpdir) {
    TempDir dir;
    TempDir tmp;
    write_bytes(dir / "a.tar", tar_of({{.name = "m", .bytes = std::string(100000, 'x')}}));
    write_bytes(dir / "a.tar.gz", gzip_of(tar_of({{.name = "m", .bytes = std::string(100000, 'x')}})));
    const char* previous = std::getenv("TMPDIR");
    std::string saved = previous ? previous : "";
    ::setenv("TMPDIR", tmp.path().c_str(), 1);
    for (const char* file : {"a.tar", "a.tar.gz"}) {
        ArchiveReader archive(dir / file, file);
        BOOST_TEST(member_text(archive, "m").size() == 100000u);
    }
    previous ? ::setenv("TMPDIR", saved.c_str(), 1) : ::unsetenv("TMPDIR");
    BOOST_TEST(fs::is_empty(tmp.path()));
}

BOOST_AUTO_TEST_SUITE_END()
