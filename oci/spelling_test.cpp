#include "oci/spelling.hpp"

#include <boost/test/unit_test.hpp>

namespace oci = cairn::oci;

BOOST_AUTO_TEST_SUITE(spelling)

BOOST_AUTO_TEST_CASE(the_closest_known_word_within_reach_or_nothing) {
    std::vector<std::string_view> known{"build", "copy", "inspect", "login", "layer"};
    BOOST_TEST(oci::edit_distance("kitten", "sitting") == 3u);
    BOOST_TEST(*oci::closest_word("biuld", known) == "build");
    BOOST_TEST(*oci::closest_word("cpoy", known) == "copy");
    BOOST_TEST(*oci::closest_word("insp", known) == "inspect");  // cut short
    BOOST_TEST(*oci::closest_word("layr", known) == "layer");
    BOOST_TEST(!oci::closest_word("frobnicate", known));
    BOOST_TEST(!oci::closest_word("", known));
}

BOOST_AUTO_TEST_SUITE_END()
