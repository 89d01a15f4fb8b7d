#include "assemble/layer/stat_index.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <ctime>
#include <thread>
#include <vector>

#include "assemble/layer/layer_cache.hpp"
#include "oci/file.hpp"
#include "tree_test_support.hpp"

namespace assemble = cairn::assemble;
namespace fs = std::filesystem;
using cairn::assemble::testing::MemorySink;
using cairn::assemble::testing::ScratchDir;
using cairn::assemble::testing::write_file;

namespace {

// A clock far enough ahead that every file of the test is past the racy window.
std::int64_t later() {
    return std::time(nullptr) + 100;
}

struct Tree {
    ScratchDir dir;
    ScratchDir cache;
    assemble::LayerSource source;
    assemble::LayerOptions options{.compression = assemble::Compression::gzip, .threads = 2};
    Tree() {
        write_file(dir / "ui/index.html", "<html>v1</html>\n");
        write_file(dir / "ui/app.js", std::string(200000, 'j'));
        fs::create_symlink("index.html", dir / "ui/home.html");
        source.trees = {{dir / "ui", "/app/ui"}};
    }
    assemble::StoredLayer store(std::int64_t now) {
        cairn::oci::BlobStore blobs(cache.path());
        return assemble::store_layer(source, options, blobs, now);
    }
    std::string fresh_digest() {
        MemorySink sink;
        return assemble::write_layer(source, options, sink).digest.str();
    }
};

void set_mtime(const fs::path& path, const struct timespec& when) {
    struct timespec times[2] = {when, when};
    BOOST_REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}
struct timespec mtime_of(const fs::path& path) {
    struct stat st {};
    BOOST_REQUIRE(lstat(path.c_str(), &st) == 0);
    return st.st_mtim;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stat_index)

BOOST_AUTO_TEST_CASE(an_unchanged_tree_is_known_from_its_stats) {
    Tree tree;
    auto first = tree.store(later());
    BOOST_TEST(!first.from_stats);
    auto second = tree.store(later());
    BOOST_TEST(second.from_stats);
    BOOST_TEST(second.reused);
    BOOST_TEST(second.digests.digest.str() == first.digests.digest.str());
    BOOST_TEST(second.digests.diff_id.str() == first.digests.diff_id.str());
    BOOST_TEST(second.digests.digest.str() == tree.fresh_digest());
}

BOOST_AUTO_TEST_CASE(a_change_of_any_stat_is_seen) {
    Tree tree;
    tree.store(later());
    // Same content, new mtime: the stats miss, the tar pass finds the same bytes.
    set_mtime(tree.dir / "ui/app.js", {.tv_sec = 1000, .tv_nsec = 0});
    auto touched = tree.store(later());
    BOOST_TEST(!touched.from_stats);
    BOOST_TEST(touched.reused);
    BOOST_TEST(tree.store(later()).from_stats, "the touched tree is recorded again");
    // A mode, a symlink's target, a new file: each is a new tree.
    fs::permissions(tree.dir / "ui/index.html", fs::perms(0600));
    auto chmodded = tree.store(later());
    BOOST_TEST(!chmodded.from_stats);
    BOOST_TEST(chmodded.digests.digest.str() != touched.digests.digest.str());
    fs::remove(tree.dir / "ui/home.html");
    fs::create_symlink("app.js", tree.dir / "ui/home.html");
    BOOST_TEST(!tree.store(later()).from_stats);
    write_file(tree.dir / "ui/new.txt", "new\n");
    auto added = tree.store(later());
    BOOST_TEST(!added.from_stats);
    BOOST_TEST(added.digests.digest.str() == tree.fresh_digest());
}

BOOST_AUTO_TEST_CASE(a_racily_clean_file_is_read_again) {
    // A file changed in the same second as the walk, to the same size, its mtime put back:
    // with whole-second stats nothing differs, so no record may have been written.
    Tree tree;
    auto before = mtime_of(tree.dir / "ui/index.html");
    auto first = tree.store(std::time(nullptr));
    write_file(tree.dir / "ui/index.html", "<html>v2</html>\n");
    set_mtime(tree.dir / "ui/index.html", before);
    auto second = tree.store(std::time(nullptr));
    BOOST_TEST(!second.from_stats);
    BOOST_TEST(second.digests.digest.str() != first.digests.digest.str());
    BOOST_TEST(second.digests.digest.str() == tree.fresh_digest());
    auto stats = tree.cache / assemble::kStatRecordsDirectory;
    BOOST_TEST((!fs::exists(stats) || fs::is_empty(stats)),
               "records were written for racily clean trees");
}

BOOST_AUTO_TEST_CASE(corrupt_and_foreign_records_are_ignored) {
    Tree tree;
    auto good = tree.store(later());
    auto stats = tree.cache / assemble::kStatRecordsDirectory;
    std::vector<fs::path> records{fs::directory_iterator(stats), fs::directory_iterator()};
    BOOST_REQUIRE(records.size() == 1u);
    const fs::path record = records[0];
    const std::string text = cairn::oci::read_small_file(record, 512);
    for (std::string bad : {std::string(), std::string("garbage"), text.substr(0, text.size() / 2),
                            text.substr(0, text.rfind("sha256:")) + "sha256:zz\n"}) {
        write_file(record, bad);
        auto again = tree.store(later());
        BOOST_TEST(!again.from_stats, "a corrupt record was trusted: " << bad);
        BOOST_TEST(again.digests.digest.str() == good.digests.digest.str());
    }
    // A valid record under another key's name (copied from elsewhere) names no tree.
    BOOST_TEST(tree.store(later()).from_stats);
    std::string other = std::string(64, 'a');
    fs::rename(record, stats / other);
    BOOST_TEST(!assemble::read_stat_record(stats / other));
    BOOST_TEST(!tree.store(later()).from_stats);
}

BOOST_AUTO_TEST_CASE(concurrent_builds_keep_the_index_whole) {
    Tree tree;
    std::vector<std::string> seen[2];
    auto build = [&](int who) {
        for (int i = 0; i < 15; ++i) seen[who].push_back(tree.store(later()).digests.digest.str());
    };
    std::thread a(build, 0), b(build, 1);
    a.join();
    b.join();
    const std::string expected = tree.fresh_digest();
    for (const auto& digests : seen) {
        for (const auto& digest : digests) BOOST_TEST(digest == expected);
    }
    for (const auto& record :
         fs::directory_iterator(tree.cache / assemble::kStatRecordsDirectory)) {
        BOOST_TEST(assemble::read_stat_record(record.path()).has_value(),
                   "a torn or stray record: " << record.path());
    }
    BOOST_TEST(tree.store(later()).from_stats);
}

BOOST_AUTO_TEST_SUITE_END()
