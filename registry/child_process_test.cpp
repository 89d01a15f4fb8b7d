#include "registry/child_process.hpp"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "oci/error.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace registry = cairn::registry;
using cairn::test::TempDir;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(child_process)

BOOST_AUTO_TEST_CASE(child_results) {
    auto result = registry::run_child({"sh", "-c", "cat; echo oops >&2; exit 7"}, "in", 5s, 1024);
    BOOST_TEST(result.started);
    BOOST_TEST(result.exit_status == 7);
    BOOST_TEST(result.out == "in");
    BOOST_TEST(result.err == "oops\n");
    result = registry::run_child({"sh", "-c", "kill -TERM $$"}, "", 5s, 1024);
    BOOST_TEST(result.exit_status == 128 + SIGTERM);
    result = registry::run_child({"sh", "-c", "head -c 5000 /dev/zero"}, "", 5s, 1000);
    BOOST_TEST(result.output_truncated);
    BOOST_TEST(result.out.size() == 1000u);
    result = registry::run_child({"/nonexistent/program"}, "", 5s, 1000);
    BOOST_TEST(!result.started);
    BOOST_TEST(result.start_errno == ENOENT);
}

BOOST_AUTO_TEST_CASE(process_output_comes_by_line_with_the_exit_status) {
    std::vector<std::string> lines;
    auto result = registry::run_process(
        {"/bin/sh", "-c", "echo one; echo two >&2; printf three; exit 3"}, {.keep_lines = 2},
        [&](std::string_view line) { lines.emplace_back(line); });
    BOOST_TEST(result.exit_status == 3);
    BOOST_TEST(lines == (std::vector<std::string>{"one", "two", "three"}),
               boost::test_tools::per_element());
    BOOST_TEST(result.tail == (std::vector<std::string>{"two", "three"}),
               boost::test_tools::per_element());
}

// cargo's JSON messages on stdout are taken whole, however long, beside its status lines on
// stderr: neither shown nor kept in the tail.
BOOST_AUTO_TEST_CASE(process_stdout_lines_can_be_taken_apart) {
    std::vector<std::string> shown;
    std::vector<std::string> taken;
    registry::ProcessOptions options{.keep_lines = 5};
    options.take_stdout_line = [&](std::string_view line) {
        if (!line.starts_with("{")) return false;
        taken.emplace_back(line);
        return true;
    };
    auto result = registry::run_process(
        {"/bin/sh", "-c",
         "printf '{'; head -c 200000 /dev/zero | tr '\\0' x; echo '}';"
         "echo status >&2; echo plain; printf '{\"last\":1}'"},
        options, [&](std::string_view line) { shown.emplace_back(line); });
    BOOST_TEST(result.exit_status == 0);
    BOOST_TEST_REQUIRE(taken.size() == 2u);
    BOOST_TEST(taken[0].size() == 200002u);
    BOOST_TEST(taken[0].find_first_not_of("x", 1) == 200001u);
    BOOST_TEST(taken[1] == "{\"last\":1}");
    std::sort(shown.begin(), shown.end());
    BOOST_TEST(shown == (std::vector<std::string>{"plain", "status"}),
               boost::test_tools::per_element());
    auto tail = result.tail;
    std::sort(tail.begin(), tail.end());
    BOOST_TEST(tail == shown, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(process_gets_directory_and_environment) {
    TempDir dir;
    std::vector<std::string> lines;
    auto result =
        registry::run_process({"/bin/sh", "-c", "pwd; echo $CAIRN_TEST_VALUE"},
                              {.directory = dir.path(), .env = {{"CAIRN_TEST_VALUE", "v1"}}},
                              [&](std::string_view line) { lines.emplace_back(line); });
    BOOST_TEST(result.exit_status == 0);
    BOOST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(fs::equivalent(lines[0], dir.path()));
    BOOST_TEST(lines[1] == "v1");
}

BOOST_AUTO_TEST_CASE(process_environment_can_withhold_a_variable) {
    ::setenv("CAIRN_TEST_SECRET", "s3cret", 1);
    std::vector<std::string> lines;
    registry::run_process({"/bin/sh", "-c", "echo ${CAIRN_TEST_SECRET:-withheld}"},
                          {.unset = {"CAIRN_TEST_SECRET"}},
                          [&](std::string_view line) { lines.emplace_back(line); });
    ::unsetenv("CAIRN_TEST_SECRET");
    BOOST_TEST(lines == (std::vector<std::string>{"withheld"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_run_ends_with_its_child_not_with_what_it_left_running) {
    // The subshell keeps the output pipe open 20 s longer than its parent lives.
    std::vector<std::string> lines;
    auto result = registry::run_process({"/bin/sh", "-c", "(sleep 20; echo late) & echo $!"}, {},
                                        [&](std::string_view line) { lines.emplace_back(line); });
    BOOST_TEST(result.exit_status == 0);
    BOOST_REQUIRE(lines.size() == 1u);  // "late" would mean the run waited for the subshell
    ::kill(std::stoi(lines.front()), SIGKILL);
}

BOOST_AUTO_TEST_CASE(the_child_leads_a_session_of_its_own) {
    // No controlling terminal to stop on, and one group for cairn to stop as a whole.
    std::vector<std::string> lines;
    registry::run_process({"/bin/sh", "-c", "echo $$ $(cut -d' ' -f6 /proc/$$/stat)"}, {},
                          [&](std::string_view line) { lines.emplace_back(line); });
    BOOST_REQUIRE(lines.size() == 1u);
    auto space = lines[0].find(' ');
    BOOST_TEST(lines[0].substr(0, space) == lines[0].substr(space + 1));  // pid == session id
}

BOOST_AUTO_TEST_CASE(a_run_cancelled_before_it_starts_is_stopped_at_once) {
    std::atomic<bool> cancelled = true;
    auto result = registry::run_process({"sleep", "20"}, {.cancelled = &cancelled}, {});
    BOOST_TEST(result.exit_status == 128 + SIGTERM);
}

BOOST_AUTO_TEST_CASE(a_failing_line_callback_leaves_no_child_behind) {
    // Left alone, the child would write `finished` after 20 s.
    TempDir dir;
    pid_t shell = 0;
    BOOST_CHECK_THROW(registry::run_process({"/bin/sh", "-c", "echo $$; sleep 20; touch finished"},
                                            {.directory = dir.path()},
                                            [&](std::string_view line) {
                                                shell = std::stoi(std::string(line));
                                                throw std::runtime_error("stop");
                                            }),
                      std::runtime_error);
    BOOST_REQUIRE(shell > 0);
    BOOST_TEST(::kill(shell, 0) == -1);  // reaped, not a zombie
    BOOST_TEST(!fs::exists(dir / "finished"));
}

BOOST_AUTO_TEST_CASE(capture_output_runs_without_a_shell) {
    BOOST_TEST(registry::capture_output({"echo", "a;", "b"}) == "a; b");
    BOOST_CHECK_THROW(registry::capture_output({"false"}), cairn::Error);
    BOOST_CHECK_THROW(registry::capture_output({"/nonexistent/tool"}), cairn::Error);
}

BOOST_AUTO_TEST_SUITE_END()
