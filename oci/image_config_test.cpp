#include "oci/image_config.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

namespace oci = cairn::oci;

BOOST_AUTO_TEST_SUITE(image_config)

BOOST_AUTO_TEST_CASE(unknown_fields_survive_changes) {
    std::string text =
        R"({"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=1"],)"
        R"("Healthcheck":{"Test":["CMD","true"]},"StopSignal":"SIGTERM"},)"
        R"("rootfs":{"type":"layers","diff_ids":[]},"x-vendor":{"k":[1,2]}})";
    auto config = oci::ImageConfig::parse(text, "config");
    config.set_env("A", "2");
    config.set_env("B", "3");
    config.set_user("10001:10001");
    config.set_label("org.example", "x");
    config.add_exposed_port("8080");
    auto out = config.to_json();
    BOOST_TEST(out.find(R"("Healthcheck":{"Test":["CMD","true"]})") != std::string::npos);
    BOOST_TEST(out.find(R"("x-vendor":{"k":[1,2]})") != std::string::npos);
    auto again = oci::ImageConfig::parse(out, "again");
    BOOST_TEST((again.env() == std::vector<std::string>{"PATH=/bin", "A=2", "B=3"}));
    BOOST_TEST(again.user() == "10001:10001");
    BOOST_TEST(again.labels().at("org.example") == "x");
    BOOST_TEST((again.exposed_ports() == std::vector<std::string>{"8080/tcp"}));
}

BOOST_AUTO_TEST_CASE(append_layer_keeps_diff_ids_and_history_in_step) {
    auto config = oci::ImageConfig::scratch(oci::Platform::parse("linux/arm64/v8"));
    BOOST_TEST(config.platform().str() == "linux/arm64/v8");
    BOOST_TEST(config.diff_ids().empty());
    config.append_layer(oci::Digest::of("1"),
                        {.created = oci::rfc3339_utc(0), .created_by = "one"});
    config.append_layer(oci::Digest::of("2"), {.created_by = "two"});
    auto again = oci::ImageConfig::parse(config.to_json(), "again");
    BOOST_REQUIRE(again.diff_ids().size() == 2u);
    BOOST_TEST(again.diff_ids()[1] == oci::Digest::of("2"));
    BOOST_REQUIRE(again.history().size() == 2u);
    BOOST_TEST(again.history()[0].created == "1970-01-01T00:00:00Z");
    BOOST_TEST(again.history()[1].created_by == "two");
}

BOOST_AUTO_TEST_CASE(copies_are_independent) {
    auto a = oci::ImageConfig::scratch(oci::Platform::parse("linux/amd64"));
    auto b = a;
    b.set_entrypoint({"/bin/app", "--flag"});
    BOOST_TEST(a.entrypoint().empty());
    BOOST_TEST(b.entrypoint().size() == 2u);
}

BOOST_AUTO_TEST_CASE(rfc3339) {
    BOOST_TEST(oci::rfc3339_utc(1700000000) == "2023-11-14T22:13:20Z");
}

BOOST_AUTO_TEST_CASE(rejects_wrong_types) {
    BOOST_CHECK_THROW(oci::ImageConfig::parse(R"({"config":{"Env":"PATH=/bin"}})", "c"),
                      cairn::Error);
    BOOST_CHECK_THROW(oci::ImageConfig::parse(R"({"config":{"Entrypoint":[1]}})", "c"),
                      cairn::Error);
    BOOST_CHECK_THROW(oci::ImageConfig::parse(R"({"rootfs":{"diff_ids":["sha256:12"]}})", "c"),
                      cairn::Error);
    BOOST_CHECK_THROW(oci::ImageConfig::parse(R"({"history":[1]})", "c"), cairn::Error);
}

BOOST_AUTO_TEST_SUITE_END()
