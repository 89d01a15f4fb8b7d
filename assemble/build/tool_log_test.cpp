#include "assemble/build/tool_log.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "temp_dir.hpp"

using namespace cairn::assemble;
using cairn::test::TempDir;

BOOST_AUTO_TEST_SUITE(tool_log)

BOOST_AUTO_TEST_CASE(error_lines_of_cargo_npm_and_shells) {
    BOOST_TEST(is_error_line("error[E0425]: cannot find value `x` in this scope"));
    BOOST_TEST(is_error_line("error: could not compile `sample`"));
    BOOST_TEST(is_error_line("npm ERR! code ELIFECYCLE"));
    BOOST_TEST(is_error_line("npm error Missing script: \"biuld\""));
    BOOST_TEST(is_error_line("sh: 1: next: not found"));
    BOOST_TEST(!is_error_line("warning: unused variable: `x`"));
    BOOST_TEST(!is_error_line("   Compiling sample v0.1.0"));
    BOOST_TEST(!is_error_line("error[ no close"));
}

BOOST_AUTO_TEST_CASE(the_first_report_with_its_location_and_the_log) {
    TempDir dir;
    ToolLog log(dir / "logs" / "cargo-build.log");
    for (const char* line : {"   Compiling sample v0.1.0", "warning: unused import", "",
                             "error[E0425]: cannot find value `x` in this scope",
                             " --> src/main.rs:3:5", "  |", "3 |     x", "", "error: later one",
                             "error: could not compile `sample`"})
        log.line(line);
    BOOST_TEST(log.first_errors().size() == 4u);
    BOOST_TEST(log.first_errors().front() == "error[E0425]: cannot find value `x` in this scope");
    auto summary = log.summary({"error: could not compile `sample`"});
    BOOST_TEST(summary == "error[E0425]: cannot find value `x` in this scope at src/main.rs:3:5; "
                          "full log: " + (dir / "logs" / "cargo-build.log").string());
    std::ifstream file(dir / "logs" / "cargo-build.log");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    BOOST_TEST(text.find("Compiling sample") != std::string::npos);
    BOOST_TEST(text.find("could not compile") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_an_error_line_the_last_line_and_no_file) {
    ToolLog log;
    log.line("something went wrong");
    BOOST_TEST(log.first_errors().empty());
    BOOST_TEST(log.summary({"something went wrong", "  "}) == "something went wrong");
    BOOST_TEST(log.file().empty());
}

BOOST_AUTO_TEST_CASE(the_report_is_bounded) {
    ToolLog log;
    log.line("error: first");
    for (int i = 0; i < 100; ++i) log.line("  detail");
    BOOST_TEST(log.first_errors().size() == ToolLog::kMaxErrorLines);
}

BOOST_AUTO_TEST_SUITE_END()
