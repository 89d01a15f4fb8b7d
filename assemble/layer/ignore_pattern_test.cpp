// One .dockerignore pattern against paths: cases from moby/patternmatcher and Go's filepath.Match.
#include "assemble/layer/ignore_pattern.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

using cairn::assemble::IgnorePattern;

namespace {

struct Case {
    const char* pattern;
    const char* path;
    bool matches;
};

void check_cases(const std::vector<Case>& cases) {
    for (const auto& [pattern, path, expected] : cases) {
        BOOST_TEST_CONTEXT("pattern \"" << pattern << "\", path \"" << path << "\"") {
            BOOST_TEST(IgnorePattern(pattern).matches_path_or_parent(path) == expected);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ignore_pattern)

// moby/patternmatcher's TestMatches (MatchesOrParentMatches; paths without a trailing '/').
BOOST_AUTO_TEST_CASE(double_star_cases_of_moby) {
    check_cases({
        {"**", "file", true},
        {"**", "dir/file", true},
        {"**/**", "dir/file", true},
        {"dir/**", "dir/file", true},
        {"dir/**", "dir/dir2/file", true},
        {"**/dir", "dir", true},
        {"**/dir", "dir/file", true},
        {"**/dir2/*", "dir/dir2/file", true},
        {"**/dir2/**", "dir/dir2/dir3/file", true},
        {"**file", "file", true},
        {"**file", "dir/file", true},
        {"**/file", "dir/file", true},
        {"**file", "dir/dir/file", true},
        {"**/file", "dir/dir/file", true},
        {"**/file*", "dir/dir/file", true},
        {"**/file*", "dir/dir/file.txt", true},
        {"**/file*txt", "dir/dir/file.txt", true},
        {"**/file*.txt", "dir/dir/file.txt", true},
        {"**/file*.txt*", "dir/dir/file.txt", true},
        {"**/**/*.txt", "dir/dir/file.txt", true},
        {"**/**/*.txt2", "dir/dir/file.txt", false},
        {"**/*.txt", "file.txt", true},
        {"**/**/*.txt", "file.txt", true},
        {"a**/*.txt", "a/file.txt", true},
        {"a**/*.txt", "a/dir/file.txt", true},
        {"a**/*.txt", "a/dir/dir/file.txt", true},
        {"a/*.txt", "a/dir/file.txt", false},
        {"a/*.txt", "a/file.txt", true},
        {"a/*.txt**", "a/file.txt", true},
        {"**/foo/bar", "foo/bar", true},
        {"**/foo/bar", "dir/foo/bar", true},
        {"**/foo/bar", "dir/dir2/foo/bar", true},
        {"abc/**", "abc", false},
        {"abc/**", "abc/def", true},
        {"abc/**", "abc/def/ghi", true},
        {"**/.foo", ".foo", true},
        {"**/.foo", "bar.foo", false},
    });
}

BOOST_AUTO_TEST_CASE(literal_and_class_cases_of_moby) {
    check_cases({
        {"a[b-d]e", "ae", false},
        {"a[b-d]e", "ace", true},
        {"a[b-d]e", "aae", false},
        {"a[^b-d]e", "aze", true},
        {".*", ".foo", true},
        {".*", "foo", false},
        {"abc.def", "abcdef", false},
        {"abc.def", "abc.def", true},
        {"abc.def", "abcZdef", false},
        {"abc?def", "abcZdef", true},
        {"abc?def", "abcdef", false},
        {"a(b)c/def", "a(b)c/def", true},
        {"a(b)c/def", "a(b)c/xyz", false},
        {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
        {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
        {"a\\\\", "a\\", true},
        {"a\\*b", "a*b", true},
    });
}

// Go's filepath.Match tests, as moby/patternmatcher runs them: a match of a parent counts.
BOOST_AUTO_TEST_CASE(filepath_match_cases_of_go) {
    check_cases({
        {"abc", "abc", true},
        {"*", "abc", true},
        {"*c", "abc", true},
        {"a*", "a", true},
        {"a*", "abc", true},
        {"a*", "ab/c", true},
        {"a*/b", "abc/b", true},
        {"a*/b", "a/c/b", false},
        {"a*b*c*d*e*/f", "axbxcxdxe/f", true},
        {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
        {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},
        {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false},
        {"a*b?c*x", "abxbbxdbxebxczzx", true},
        {"a*b?c*x", "abxbbxdbxebxczzy", false},
        {"ab[c]", "abc", true},
        {"ab[b-d]", "abc", true},
        {"ab[e-g]", "abc", false},
        {"ab[^c]", "abc", false},
        {"ab[^b-d]", "abc", false},
        {"ab[^e-g]", "abc", true},
        {"a\\*b", "ab", false},
        {"a?b",
         "a\xe2\x98\xba"
         "b",
         true},
        {"a[^a]b",
         "a\xe2\x98\xba"
         "b",
         true},
        {"a???b",
         "a\xe2\x98\xba"
         "b",
         false},
        {"a[^a][^a][^a]b",
         "a\xe2\x98\xba"
         "b",
         false},
        {"[a-\xce\xb6]*", "\xce\xb1", true},
        {"*[a-\xce\xb6]", "A", false},
        {"a?b", "a/b", false},
        {"a*b", "a/b", false},
        {"[\\]a]", "]", true},
        {"[\\-]", "-", true},
        {"[x\\-]", "x", true},
        {"[x\\-]", "-", true},
        {"[x\\-]", "z", false},
        {"[\\-x]", "x", true},
        {"[\\-x]", "-", true},
        {"[\\-x]", "a", false},
        {"*x", "xxx", true},
    });
}

BOOST_AUTO_TEST_CASE(bad_syntax_is_an_error) {
    for (const char* pattern :
         {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "ab\\"}) {
        BOOST_TEST_CONTEXT(pattern) {
            BOOST_CHECK_THROW(IgnorePattern{pattern}, cairn::Error);
        }
    }
    try {
        IgnorePattern("src/[a-z");
        BOOST_FAIL("no error");
    } catch (const cairn::Error& error) {
        BOOST_TEST(std::string(error.what()) ==
                   "bad pattern \"src/[a-z\": a character class has no closing ']'");
    }
}

BOOST_AUTO_TEST_CASE(wildcards_never_match_a_slash) {
    BOOST_TEST(!IgnorePattern("a[^x]b").matches("a/b"));
    BOOST_TEST(!IgnorePattern("a?b").matches("a/b"));
    BOOST_TEST(!IgnorePattern("a*b").matches("a/b"));
    BOOST_TEST(IgnorePattern("a/**/b").matches("a/b"));
    BOOST_TEST(IgnorePattern("a/**/b").matches("a/x/y/b"));
    BOOST_TEST(!IgnorePattern("a/**/b").matches("a/xb"));
}

BOOST_AUTO_TEST_CASE(matches_is_exact_and_parent_matching_is_separate) {
    IgnorePattern pattern("docs");
    BOOST_TEST(pattern.matches("docs"));
    BOOST_TEST(!pattern.matches("docs/a.md"));
    BOOST_TEST(pattern.matches_path_or_parent("docs/a.md"));
    BOOST_TEST(pattern.matches_path_or_parent("docs/sub/a.md"));
    BOOST_TEST(!pattern.matches_path_or_parent("docs2/a.md"));
    BOOST_TEST(!pattern.matches_path_or_parent("src/docs"));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_bytes_match_themselves) {
    BOOST_TEST(IgnorePattern("latin1-\xe9t\xe9").matches("latin1-\xe9t\xe9"));
    BOOST_TEST(IgnorePattern("latin1-?t?").matches("latin1-\xe9t\xe9"));
    BOOST_TEST(!IgnorePattern("latin1-\xe9t\xe9").matches("latin1-\xc3\xa9t\xc3\xa9"));
}

BOOST_AUTO_TEST_CASE(could_match_below_a_directory) {
    BOOST_TEST(IgnorePattern("node_modules/keep/index.js").could_match_below("node_modules"));
    BOOST_TEST(IgnorePattern("node_modules/keep/index.js").could_match_below("node_modules/keep"));
    BOOST_TEST(
        !IgnorePattern("node_modules/keep/index.js").could_match_below("node_modules/other"));
    BOOST_TEST(!IgnorePattern("node_modules").could_match_below("node_modules"));
    BOOST_TEST(!IgnorePattern("node_modules*").could_match_below("node_modules"));
    BOOST_TEST(IgnorePattern("**/*.txt").could_match_below("any/dir"));
    BOOST_TEST(IgnorePattern("build/*/keep").could_match_below("build"));
    BOOST_TEST(IgnorePattern("build/*/keep").could_match_below("build/x"));
    BOOST_TEST(!IgnorePattern("build/*/keep").could_match_below("build/x/y"));
    BOOST_TEST(IgnorePattern("b*/keep").could_match_below("build"));
    BOOST_TEST(!IgnorePattern("src/keep").could_match_below("build"));
}

BOOST_AUTO_TEST_SUITE_END()
