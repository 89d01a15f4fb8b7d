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

BOOST_AUTO_TEST_SUITE_END()
