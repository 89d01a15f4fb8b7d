#include "oci/digest.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

using cairn::oci::Digest;
using cairn::oci::Sha256;

BOOST_AUTO_TEST_SUITE(digest)

BOOST_AUTO_TEST_CASE(known_values) {
    BOOST_TEST(Digest::of("").str() ==
               "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(Digest::of("abc").str() ==
               "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(streaming_equals_one_shot) {
    Sha256 hasher;
    hasher.write("a");
    hasher.write("bc");
    BOOST_TEST(hasher.size() == 3u);
    BOOST_TEST(hasher.finish() == Digest::of("abc"));
}

BOOST_AUTO_TEST_CASE(parse_rejects_malformed) {
    auto good = Digest::of("x").str();
    BOOST_TEST(Digest::parse(good).str() == good);
    BOOST_TEST(std::string(Digest::parse(good).short_hex()).size() == 12u);
    BOOST_CHECK_THROW(Digest::parse(""), cairn::Error);
    BOOST_CHECK_THROW(Digest::parse("sha256:abc"), cairn::Error);
    BOOST_CHECK_THROW(Digest::parse(good.substr(0, good.size() - 1) + "G"), cairn::Error);
    std::string upper = good;
    upper.back() = 'A';
    BOOST_CHECK_THROW(Digest::parse(upper), cairn::Error);
    BOOST_CHECK_EXCEPTION(Digest::parse("md5:abcd"), cairn::Error, [](const cairn::Error& e) {
        return std::string(e.what()).find("unsupported digest algorithm") != std::string::npos;
    });
}

BOOST_AUTO_TEST_SUITE_END()
