// Tag templates and deploy commands with their placeholders filled in.
#include "assemble/build/tag_template.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

using namespace cairn::assemble;

namespace {

TagValues sample_values() {
    return {.git_short = "1a2b3c4",
            .git_sha = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
            .date = "20240229",
            .env = "dev"};
}

std::string tag_error(const std::string& tag_template, const TagValues& values = sample_values()) {
    try {
        expand_tag(tag_template, values);
    } catch (const cairn::Error& error) {
        return error.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tag_template)

BOOST_AUTO_TEST_CASE(placeholders_expand) {
    auto values = sample_values();
    BOOST_TEST(expand_tag("dev-{git_short}", values) == "dev-1a2b3c4");
    BOOST_TEST(expand_tag("{git_sha}", values) == values.git_sha);
    BOOST_TEST(expand_tag("{env}-{date}-{git_short}", values) == "dev-20240229-1a2b3c4");
    BOOST_TEST(expand_tag("v1.2.3", values) == "v1.2.3");
}

BOOST_AUTO_TEST_CASE(unknown_placeholder_and_unterminated_brace_are_errors) {
    BOOST_TEST(tag_error("dev-{branch}") ==
               "unknown placeholder {branch} in tag template \"dev-{branch}\"; use {git_short}, "
               "{git_sha}, {date} or {env}, and {{ or }} for a literal brace");
    BOOST_TEST(tag_error("dev-{git_short") ==
               "the '{' at column 5 of tag template \"dev-{git_short\" has no closing '}'; write "
               "{{ for a literal brace");
    BOOST_TEST(tag_error("{git_{short}") != "no error");
    BOOST_TEST(tag_error("{}") != "no error");
}

BOOST_AUTO_TEST_CASE(result_must_be_a_valid_tag) {
    BOOST_TEST(tag_error("{env}/x") ==
               "tag \"dev/x\" made from tag template \"{env}/x\" is not a valid tag: a tag is 1 "
               "to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'; "
               "change the template");
    BOOST_TEST(tag_error("-{git_short}") != "no error");
    BOOST_TEST(tag_error(".{git_short}") != "no error");
    BOOST_TEST(tag_error("{{x}}") != "no error");  // braces are never part of a tag
    BOOST_TEST(tag_error(std::string(128, 'a')) == "no error");
    BOOST_TEST(tag_error(std::string(129, 'a')) != "no error");
    BOOST_TEST(tag_error("_ok-1.2") == "no error");
}

BOOST_AUTO_TEST_CASE(empty_value_is_an_error_naming_it) {
    auto values = sample_values();
    values.git_short.clear();
    BOOST_TEST(tag_error("dev-{git_short}", values) ==
               "{git_short} in tag template \"dev-{git_short}\" has no value (is the project a git "
               "checkout with a commit?)");
    BOOST_TEST(tag_error("{env}", values) == "no error");
}

BOOST_AUTO_TEST_CASE(deploy_values_are_inserted_verbatim) {
    DeployValues values{
        .image = "reg.example/app:dev-1", .digest = "sha256:abc", .tag = "dev-1", .env = "dev"};
    BOOST_TEST(
        expand_deploy("az containerapp update -n agw-{env} --image {image}@{digest}", values) ==
        "az containerapp update -n agw-dev --image reg.example/app:dev-1@sha256:abc");
    BOOST_TEST(expand_deploy("echo '{tag}' ${{HOME}} }}{{", values) == "echo 'dev-1' ${HOME} }{");
    values.tag = "a b; 'c'";
    BOOST_TEST(expand_deploy("x {tag}", values) == "x a b; 'c'");
    values.digest.clear();
    BOOST_TEST(expand_deploy("[{digest}]", values) == "[]");
    BOOST_CHECK_THROW(expand_deploy("echo ${HOME}", values), cairn::Error);
    BOOST_CHECK_THROW(expand_deploy("echo {git_sha}", values), cairn::Error);
}

BOOST_AUTO_TEST_CASE(checks_need_no_values) {
    BOOST_CHECK_NO_THROW(check_tag_template("dev-{git_short}-{date}"));
    BOOST_CHECK_THROW(check_tag_template("dev-{image}"), cairn::Error);
    BOOST_CHECK_NO_THROW(check_deploy_command("deploy {image}@{digest} {{literal}}"));
    BOOST_CHECK_THROW(check_deploy_command("deploy {git_sha}"), cairn::Error);
    BOOST_CHECK_THROW(check_deploy_command("deploy {image"), cairn::Error);
}

BOOST_AUTO_TEST_CASE(dates_are_utc_calendar_days) {
    BOOST_TEST(utc_date(0) == "19700101");
    BOOST_TEST(utc_date(1700000000) == "20231114");
    BOOST_TEST(utc_date(1709251199) == "20240229");  // 23:59:59 UTC
    BOOST_TEST(utc_date(1709251200) == "20240301");
}

BOOST_AUTO_TEST_CASE(tag_grammar) {
    BOOST_TEST(is_valid_tag("latest"));
    BOOST_TEST(is_valid_tag("cargo-0123456789ab"));
    BOOST_TEST(!is_valid_tag(""));
    BOOST_TEST(!is_valid_tag("UPPER:colon"));
    BOOST_TEST(!is_valid_tag("-x"));
}

BOOST_AUTO_TEST_SUITE_END()
