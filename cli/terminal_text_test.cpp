#include "cli/terminal_text.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/secrets.hpp"

namespace cli = cairn::cli;

BOOST_AUTO_TEST_SUITE(terminal_text)

BOOST_AUTO_TEST_CASE(c0_controls_and_del_are_written_out) {
    BOOST_TEST(cli::escape_controls("LD_PRELOAD=/tmp/evil.so\r\x1b[2KEnv: TZ=UTC") ==
               "LD_PRELOAD=/tmp/evil.so\\r\\x1b[2KEnv: TZ=UTC");
    BOOST_TEST(cli::escape_controls("a\nb\tc\x7f\x07") == "a\\nb\\tc\\x7f\\x07");
    BOOST_TEST(cli::escape_controls(std::string("nul\0end", 7)) == "nul\\x00end");
}

BOOST_AUTO_TEST_CASE(c1_controls_bidi_overrides_and_bad_utf8_are_written_out) {
    BOOST_TEST(cli::escape_controls("\xc2\x9b" "31m") == "\\u009b31m");        // CSI
    BOOST_TEST(cli::escape_controls("\xc2\x9d" "0;x\x07") == "\\u009d0;x\\x07");  // OSC
    BOOST_TEST(cli::escape_controls("abc\xe2\x80\xae" "fed") == "abc\\u202efed");
    BOOST_TEST(cli::escape_controls("\x9b" "2J") == "\\x9b2J");    // a lone C1 byte
    BOOST_TEST(cli::escape_controls("\xc0\xaf") == "\\xc0\\xaf");  // overlong '/'
    BOOST_TEST(cli::escape_controls("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
    BOOST_TEST(cli::escape_controls("\xe2\x82") == "\\xe2\\x82");  // cut short
}

BOOST_AUTO_TEST_CASE(printable_text_and_utf8_pass_as_they_are) {
    BOOST_TEST(cli::escape_controls("юникод ünïcødé 😀 a=b") == "юникод ünïcødé 😀 a=b");
    BOOST_TEST(cli::escape_controls("") == "");
}

BOOST_AUTO_TEST_CASE(display_text_blanks_secrets_then_escapes) {
    cairn::oci::remember_secret("display-secret");
    BOOST_TEST(cli::for_display("token display-secret\x1b]0;t\x07") == "token ***\\x1b]0;t\\x07");
}

BOOST_AUTO_TEST_SUITE_END()
