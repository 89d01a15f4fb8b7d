#include "oci/secrets.hpp"

#include <boost/test/unit_test.hpp>

namespace oci = cairn::oci;

BOOST_AUTO_TEST_SUITE(secrets)

BOOST_AUTO_TEST_CASE(every_remembered_secret_is_blanked_longest_first) {
    oci::remember_secret("hunter2-token");
    oci::remember_secret("hunter2");
    oci::remember_secret("ab");  // too short to blank
    BOOST_TEST(oci::blank_secrets("a hunter2-token and hunter2, twice: hunter2") ==
               "a *** and ***, twice: ***");
    BOOST_TEST(oci::blank_secrets("ab stays") == "ab stays");
    BOOST_TEST(oci::blank_secrets("") == "");
}

BOOST_AUTO_TEST_SUITE_END()
