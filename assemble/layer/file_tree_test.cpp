// How inputs merge into one tree: precedence of made-up directories, conflicts, links.
#include "assemble/layer/file_tree.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"
#include "tree_test_support.hpp"

using namespace cairn::assemble;
using namespace cairn::assemble::testing;

namespace {

const TreeEntry* find(const std::vector<TreeEntry>& entries, const std::string& path) {
    for (const auto& entry : entries) {
        if (entry.path == path) return &entry;
    }
    return nullptr;
}

std::vector<std::string> paths(const std::vector<TreeEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& entry : entries) out.push_back(entry.path);
    return out;
}

auto message_has(const std::string& part) {
    return [part](const cairn::Error& e) {
        return std::string(e.what()).find(part) != std::string::npos;
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_tree)

BOOST_AUTO_TEST_CASE(input_directory_wins_over_made_up_parent_in_any_order) {
    ScratchDir dir;
    write_file(dir / "bin/server", "s");
    make_dir(dir / "root/app", 0700);
    write_file(dir / "root/app/readme", "r");
    std::vector<TreeInput> forward = {{dir / "bin", "/app/bin"}, {dir / "root", "/"}};
    std::vector<TreeInput> backward = {forward[1], forward[0]};
    for (const auto& inputs : {forward, backward}) {
        auto entries = collect_tree(inputs, {});
        std::vector<std::string> expected = {"app", "app/bin", "app/bin/server", "app/readme"};
        BOOST_TEST(paths(entries) == expected, boost::test_tools::per_element());
        BOOST_TEST(find(entries, "app")->mode == 0700u);
        BOOST_TEST(find(entries, "app")->source == dir / "root/app");
        // The destination of a directory input is made up too: 0755, no source.
        BOOST_TEST(find(entries, "app/bin")->mode == 0755u);
        BOOST_TEST(find(entries, "app/bin")->source.empty());
    }
}

BOOST_AUTO_TEST_CASE(conflicting_kinds_are_errors) {
    ScratchDir dir;
    write_file(dir / "file", "f");
    write_file(dir / "tree/app/x", "x");
    BOOST_CHECK_EXCEPTION(collect_tree({{dir / "file", "/app"}, {dir / "tree", "/"}}, {}),
                          cairn::Error,
                          message_has("something at app: " + (dir / "file").string()));
    BOOST_CHECK_EXCEPTION(collect_tree({{dir / "file", "/etc"}, {dir / "file", "/etc/sub/"}}, {}),
                          cairn::Error, message_has("etc"));
    BOOST_CHECK_EXCEPTION(collect_tree({{dir / "file", "/../x"}}, {}), cairn::Error,
                          message_has("must not contain '..'"));
}

BOOST_AUTO_TEST_CASE(dest_forms) {
    ScratchDir dir;
    write_file(dir / "f.txt", "f");
    // "/" and "" both mean the root, so these two collide there.
    BOOST_CHECK_EXCEPTION(collect_tree({{dir / "f.txt", "/"}, {dir / "f.txt", ""}}, {}),
                          cairn::Error, message_has("something at f.txt"));
    auto entries = collect_tree(
        {{dir / "f.txt", "/"}, {dir / "f.txt", "a/./b/"}, {dir / "f.txt", "//c//d"}}, {});
    std::vector<std::string> expected = {"a", "a/b", "a/b/f.txt", "c", "c/d", "f.txt"};
    BOOST_TEST(paths(entries) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(named_file_is_not_filtered_by_ignore) {
    ScratchDir dir;
    write_file(dir / "x.log", "x");
    TarOptions options;
    options.ignore = [](const std::string&, bool) { return true; };
    auto entries = collect_tree({{dir / "x.log", "/logs/"}, {dir.path(), "/all"}}, options);
    std::vector<std::string> expected = {"all", "logs", "logs/x.log"};
    BOOST_TEST(paths(entries) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(hardlinks_only_within_the_tree) {
    ScratchDir dir;
    write_file(dir / "in/b", "b");
    fs::create_hard_link(dir / "in/b", dir / "outside");
    fs::create_hard_link(dir / "in/b", dir / "in/a");
    write_file(dir / "in/c", "c");
    auto entries = collect_tree({{dir / "in", "/"}}, {});
    BOOST_TEST(find(entries, "a")->hardlink_target == "");
    BOOST_TEST(find(entries, "b")->hardlink_target == "a");
    BOOST_TEST(find(entries, "c")->hardlink_target == "");
    // With "a" left out, "b" is the first path of the file in this layer and carries it.
    TarOptions options;
    options.ignore = [](const std::string& relative, bool) { return relative == "a"; };
    entries = collect_tree({{dir / "in", "/"}}, options);
    BOOST_TEST(find(entries, "b")->hardlink_target == "");
}

BOOST_AUTO_TEST_SUITE_END()
