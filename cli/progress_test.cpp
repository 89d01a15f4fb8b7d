#include "cli/progress.hpp"

#include <boost/test/unit_test.hpp>

namespace cli = cairn::cli;

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(the_live_text_shows_phase_and_bytes_of_the_phase) {
    cli::ProgressDisplay display(false);
    BOOST_TEST(display.live_text().empty());
    display.phase("push");
    BOOST_TEST(display.live_text().starts_with("push "));
    BOOST_TEST(display.live_text().find(" of ") == std::string::npos);
    display.meter().expect(2000);
    display.meter().add(500);
    BOOST_TEST(display.live_text().ends_with("  500 B of 2.0 kB (25%)"), display.live_text());
    // A restarted transfer counts again; the display never says more than all of it.
    display.meter().add(4000);
    BOOST_TEST(display.live_text().ends_with("  2.0 kB of 2.0 kB (100%)"), display.live_text());
    display.phase("deploy");
    BOOST_TEST(display.live_text().starts_with("deploy "));
    BOOST_TEST(display.live_text().find(" of ") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(each_task_has_a_line_with_its_name_bytes_and_size) {
    cli::ProgressDisplay display(false);
    display.phase("push");
    {
        cairn::oci::ProgressTask layer(&display.meter(), "upload /app/ui", 4000);
        layer.add(1000);
        auto lines = display.live_lines();
        BOOST_REQUIRE(lines.size() == 2u);
        BOOST_TEST(lines[0].starts_with("push "));
        BOOST_TEST(lines[0].ends_with("1.0 kB of 4.0 kB (25%)"), lines[0]);
        BOOST_TEST(lines[1].starts_with("upload /app/ui  1.0 kB of 4.0 kB (25%)"), lines[1]);
        BOOST_TEST(display.report_text().find("; upload /app/ui  1.0 kB") != std::string::npos,
                   display.report_text());
    }
    BOOST_TEST(display.live_lines().size() == 1u);  // a finished task goes
}

BOOST_AUTO_TEST_CASE(a_task_name_from_an_image_is_escaped) {
    cli::ProgressDisplay display(false);
    display.phase("push");
    cairn::oci::ProgressTask layer(&display.meter(), "layer \x1b]0;evil\x07", 10);
    BOOST_TEST(display.live_lines().at(1).find('\x1b') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
