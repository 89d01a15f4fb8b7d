// Ignore files read and applied as Docker applies .dockerignore.
#include "assemble/layer/ignore_rules.hpp"

#include <boost/test/unit_test.hpp>

#include "assemble/layer/tar_tree.hpp"
#include "oci/error.hpp"
#include "tree_test_support.hpp"

using namespace cairn::assemble;
using namespace cairn::assemble::testing;

namespace {

IgnoreRules rules_of(const std::string& text) {
    return IgnoreRules::parse(text, ".dockerignore");
}

std::string error_of(const std::string& text) {
    try {
        rules_of(text);
    } catch (const cairn::Error& error) {
        return error.what();
    }
    return "no error";
}

std::vector<std::string> patterns_of(const IgnoreRules& rules) {
    std::vector<std::string> out;
    for (const auto& rule : rules.rules()) {
        out.push_back((rule.exception ? "!" : "") + rule.pattern.text());
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ignore_rules)

// The example of Docker's documentation, with what it says each line does.
BOOST_AUTO_TEST_CASE(docker_documented_example) {
    auto rules = rules_of("# comment\n*/temp*\n*/*/temp*\ntemp?\n");
    BOOST_TEST(rules.rules().size() == 3u);
    BOOST_TEST(rules.excluded("somedir/temporary.txt"));
    BOOST_TEST(rules.excluded("somedir/temp"));
    BOOST_TEST(rules.excluded("somedir/subdir/temporary.txt"));
    BOOST_TEST(rules.excluded("tempa"));
    BOOST_TEST(rules.excluded("tempb"));
    BOOST_TEST(!rules.excluded("temp"));
    BOOST_TEST(!rules.excluded("tempab"));
    BOOST_TEST(!rules.excluded("temporary.txt"));
    BOOST_TEST(!rules.excluded("a/b/c/temp"));
    BOOST_TEST(!rules.excluded("somedir/atemp"));
    BOOST_TEST(!rules.excluded("# comment"));
}

BOOST_AUTO_TEST_CASE(double_star_matches_any_depth) {
    auto rules = rules_of("**/*.go\n");
    BOOST_TEST(rules.excluded("main.go"));
    BOOST_TEST(rules.excluded("cmd/tool/main.go"));
    BOOST_TEST(!rules.excluded("main.go.txt"));
    BOOST_TEST(!rules.excluded("go"));
}

BOOST_AUTO_TEST_CASE(exception_after_pattern_reincludes) {
    auto rules = rules_of("*.md\n!README.md\n");
    BOOST_TEST(rules.excluded("CHANGES.md"));
    BOOST_TEST(!rules.excluded("README.md"));
    BOOST_TEST(!rules.excluded("docs/guide.md"));  // `*` stays within the root directory
}

// Docker's documentation: the last line that matches a file decides.
BOOST_AUTO_TEST_CASE(last_matching_line_wins) {
    auto secret_last = rules_of("*.md\n!README*.md\nREADME-secret.md\n");
    BOOST_TEST(secret_last.excluded("README-secret.md"));
    BOOST_TEST(!secret_last.excluded("README-public.md"));
    BOOST_TEST(secret_last.excluded("other.md"));

    auto exception_last = rules_of("*.md\nREADME-secret.md\n!README*.md\n");
    BOOST_TEST(!exception_last.excluded("README-secret.md"));

    auto exception_first = rules_of("!keep.txt\n*.txt\n");
    BOOST_TEST(exception_first.excluded("keep.txt"));
}

BOOST_AUTO_TEST_CASE(directory_pattern_excludes_everything_below) {
    auto rules = rules_of("target/\n");
    BOOST_TEST(patterns_of(rules) == std::vector<std::string>{"target"});
    BOOST_TEST(rules.ignored("target", true));
    BOOST_TEST(rules.ignored("target/release/app", false));
    BOOST_TEST(!rules.ignored("src/target", true));
    BOOST_TEST(!rules.ignored("targets", true));
    // As in Docker, a trailing '/' does not limit a pattern to directories.
    BOOST_TEST(rules.ignored("target", false));
}

BOOST_AUTO_TEST_CASE(exception_under_an_ignored_directory_keeps_the_walk_going) {
    auto rules = rules_of("node_modules\n!node_modules/keep/index.js\n");
    BOOST_TEST(rules.excluded("node_modules"));
    BOOST_TEST(!rules.ignored("node_modules", true));  // walked: something inside may come back
    BOOST_TEST(rules.ignored("node_modules/other", true));  // pruned: nothing inside can
    BOOST_TEST(!rules.ignored("node_modules/keep", true));
    BOOST_TEST(!rules.ignored("node_modules/keep/index.js", false));
    BOOST_TEST(rules.ignored("node_modules/keep/other.js", false));
    BOOST_TEST(rules.ignored("node_modules/a.js", false));
}

BOOST_AUTO_TEST_CASE(exception_before_the_exclusion_cannot_reach_inside) {
    auto rules = rules_of("!node_modules/keep\nnode_modules\n");
    BOOST_TEST(rules.ignored("node_modules", true));
    BOOST_TEST(rules.ignored("node_modules/keep", false));
}

BOOST_AUTO_TEST_CASE(wildcard_exception_keeps_matching_directories_walked) {
    auto rules = rules_of("build\n!build/**/*.txt\n");
    BOOST_TEST(!rules.ignored("build", true));
    BOOST_TEST(!rules.ignored("build/x", true));
    BOOST_TEST(!rules.ignored("build/x/notes.txt", false));
    BOOST_TEST(rules.ignored("build/x/main.o", false));

    auto everything_but_src = rules_of("*\n!src\n");
    BOOST_TEST(!everything_but_src.ignored("src", true));
    BOOST_TEST(!everything_but_src.ignored("src/main.rs", false));
    BOOST_TEST(everything_but_src.ignored("docs", true));
    BOOST_TEST(everything_but_src.ignored("Cargo.toml", false));
}

// moby/patternmatcher's multi-pattern cases.
BOOST_AUTO_TEST_CASE(multi_pattern_cases_of_moby) {
    BOOST_TEST(!rules_of("**\n!util/docker/web\n").excluded("util/docker/web/foo"));
    BOOST_TEST(
        rules_of("**\n!util/docker/web\nutil/docker/web/foo\n").excluded("util/docker/web/foo"));
    BOOST_TEST(!rules_of("**\n!dist/*.whl\n")
                    .excluded("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"));
    BOOST_TEST(!rules_of("docs\n!docs/README.md\n").excluded("docs/README.md"));
    BOOST_TEST(!rules_of("docs/\n!docs/README.md\n").excluded("docs/README.md"));
    BOOST_TEST(!rules_of("docs/*\n!docs/README.md\n").excluded("docs/README.md"));
    BOOST_TEST(rules_of("!fileutils.go\n*.go\n").excluded("fileutils.go"));
}

// The normalization of BuildKit's ignore-file reader (moby/patternmatcher/ignorefile).
BOOST_AUTO_TEST_CASE(lines_are_trimmed_cleaned_and_made_relative) {
    auto rules = rules_of(
        "\xEF\xBB\xBFtest1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n"
        "! /inverted/abs/path\n./dot\n  spaced  \nwin\r\ndir//sub/./x/../y\n  # not a comment\n"
        "\t\n");
    std::vector<std::string> expected = {
        "test1", "test2",  "a/file/here", "lastfile",  "!inverted/abs/path",
        "dot",   "spaced", "win",         "dir/sub/y", "# not a comment"};
    BOOST_TEST(patterns_of(rules) == expected, boost::test_tools::per_element());
    BOOST_TEST(rules.rules()[4].line == 7);
}

BOOST_AUTO_TEST_CASE(errors_name_file_and_line) {
    BOOST_TEST(error_of("a\nb\n!\n") ==
               ".dockerignore:3: \"!\" needs a pattern after it (write !PATTERN to re-include "
               "what PATTERN matches)");
    BOOST_TEST(error_of("! \n") != "no error");
    BOOST_TEST(error_of("ok\nsrc/[a-z\n") ==
               ".dockerignore:2: bad pattern \"src/[a-z\": a character class has no closing "
               "']'; fix or remove the line");
}

BOOST_AUTO_TEST_CASE(no_rules_ignore_nothing) {
    IgnoreRules rules;
    BOOST_TEST(rules.empty());
    BOOST_TEST(!rules.ignored("anything", true));
    BOOST_TEST(rules_of("# only a comment\n\n").empty());
}

BOOST_AUTO_TEST_CASE(cairnignore_wins_over_dockerignore) {
    ScratchDir dir;
    BOOST_TEST(load_ignore_rules(dir.path()).empty());

    write_file(dir / ".dockerignore", "from-docker\n");
    auto docker = load_ignore_rules(dir.path());
    BOOST_TEST(docker.excluded("from-docker"));
    BOOST_TEST(docker.source() == (dir / ".dockerignore").string());

    write_file(dir / ".cairnignore", "from-cairn\n");
    auto cairn = load_ignore_rules(dir.path());
    BOOST_TEST(cairn.excluded("from-cairn"));
    BOOST_TEST(!cairn.excluded("from-docker"));

    write_file(dir / ".cairnignore", "[\n");
    try {
        load_ignore_rules(dir.path());
        BOOST_FAIL("no error");
    } catch (const cairn::Error& error) {
        BOOST_TEST(std::string(error.what()).starts_with((dir / ".cairnignore").string() + ":1: "));
    }
}

// The filter plugged into a real tree walk: pruned directories are never entered, an exception
// brings back a file under an excluded directory together with its parents, and README.md,
// re-included by line 2, is excluded again by line 4.
BOOST_AUTO_TEST_CASE(filter_drives_a_tree_walk) {
    ScratchDir dir;
    write_file(dir / "src/main.rs", "m");
    write_file(dir / "src/notes.md", "n");
    write_file(dir / "README.md", "r");
    write_file(dir / "target/release/app", "a");
    write_file(dir / "node_modules/keep/index.js", "k");
    write_file(dir / "node_modules/keep/other.js", "o");
    write_file(dir / "node_modules/drop/index.js", "d");
    auto rules = rules_of(
        "*.md\n!README.md\ntarget/\n**/*.md\nnode_modules\n"
        "!node_modules/keep/index.js\n");
    std::vector<std::pair<std::string, bool>> calls;
    TarOptions options;
    options.ignore = [&, filter = rules.filter()](const std::string& relative, bool is_directory) {
        calls.emplace_back(relative, is_directory);
        return filter(relative, is_directory);
    };
    MemorySink sink;
    write_tar({{dir.path(), "/app"}}, options, sink);
    std::vector<std::string> expected = {
        "app/",     "app/node_modules/", "app/node_modules/keep/", "app/node_modules/keep/index.js",
        "app/src/", "app/src/main.rs"};
    BOOST_TEST(paths_of(read_tar(sink.bytes)) == expected, boost::test_tools::per_element());
    for (const auto& [relative, is_directory] : calls) {
        BOOST_TEST_CONTEXT(relative) {
            BOOST_TEST(!relative.starts_with("target/"));
            BOOST_TEST(!relative.starts_with("node_modules/drop/"));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
