#include "assemble/build/base_record.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

namespace assemble = cairn::assemble;

namespace {

constexpr const char* kLock = R"(version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["leaf", "solo"]

[[package]]
name = "leaf"
version = "0.1.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "aaaa"

[[package]]
name = "solo"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "bbbb"
)";

assemble::BaseKeyInputs inputs(std::string lock) {
    return {.cargo_lock = std::move(lock),
            .rustc_version = "rustc 1.63.0",
            .cargo_profile = "release",
            .features = {"b", "a"}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base_record)

BOOST_AUTO_TEST_CASE(a_record_lists_the_third_party_packages_and_round_trips_in_labels) {
    auto record = assemble::BaseRecord::of(inputs(kLock));
    BOOST_TEST_REQUIRE(record.cargo_packages.size() == 2u);  // not the project's own "app"
    BOOST_TEST(record.cargo_packages[0].starts_with("leaf@0.1.0/"));
    BOOST_TEST(record.cargo_packages[1].starts_with("solo@1.0.0/"));
    BOOST_TEST(record.npm == "none");
    auto back = assemble::BaseRecord::from_labels(record.labels());
    BOOST_TEST(back.toolchain == record.toolchain);
    BOOST_TEST(back.cargo_packages == record.cargo_packages, boost::test_tools::per_element());
    BOOST_TEST(back.npm == record.npm);
    // Features in another order are the same toolchain; another profile is not.
    auto reordered = inputs(kLock);
    reordered.features = {"a", "b", "a"};
    BOOST_TEST(assemble::BaseRecord::of(reordered).toolchain == record.toolchain);
    auto debug = inputs(kLock);
    debug.cargo_profile = "dev";
    BOOST_TEST(assemble::BaseRecord::of(debug).toolchain != record.toolchain);
    // A base without labels is near nothing.
    BOOST_TEST(assemble::BaseRecord::from_labels({}).toolchain.empty());
}

BOOST_AUTO_TEST_CASE(the_same_version_from_another_source_or_checksum_is_another_package) {
    std::string edited = kLock;
    edited.replace(edited.find("aaaa"), 4, "cccc");
    auto a = assemble::cargo_lock_packages(kLock, "Cargo.lock");
    auto b = assemble::cargo_lock_packages(edited, "Cargo.lock");
    BOOST_TEST(a[0] != b[0]);
    BOOST_TEST(a[1] == b[1]);
    BOOST_CHECK_THROW(assemble::cargo_lock_packages("[[package]\n", "Cargo.lock"), cairn::Error);
}

BOOST_AUTO_TEST_CASE(the_nearest_base_shares_the_most_packages_of_one_toolchain) {
    auto wanted = assemble::BaseRecord::of(inputs(kLock));
    std::string bumped = kLock;
    bumped.replace(bumped.find("0.1.0\"\nsource"), 5, "0.0.9");
    auto older = assemble::BaseRecord::of(inputs(bumped));
    auto near = assemble::nearness(wanted, older);
    BOOST_TEST(near.shared_packages == 1u);
    BOOST_TEST(near.stale_packages == 1u);
    BOOST_TEST(near.useful());
    BOOST_TEST(!near.same_npm);
    auto same = assemble::nearness(wanted, wanted);
    BOOST_TEST(same.shared_packages == 2u);
    BOOST_TEST(same.better_than(near));
    BOOST_TEST(!near.better_than(same));
    // Fewer stale artifacts win a tie.
    assemble::Nearness lean{.shared_packages = 1, .stale_packages = 0};
    BOOST_TEST(lean.better_than(near));
    // Another rustc: nothing is shared.
    auto other = inputs(kLock);
    other.rustc_version = "rustc 1.95.0";
    auto across = assemble::nearness(wanted, assemble::BaseRecord::of(other));
    BOOST_TEST(across.shared_packages == 0u);
    BOOST_TEST(!across.useful());
    // node_modules: the same node and package-lock.json.
    auto with_npm = inputs(kLock);
    with_npm.package_lock = "{}";
    with_npm.node_version = "v18.19.0";
    auto npm_wanted = assemble::BaseRecord::of(with_npm);
    BOOST_TEST(assemble::nearness(npm_wanted, npm_wanted).same_npm);
    with_npm.node_version = "v20.0.0";
    BOOST_TEST(!assemble::nearness(npm_wanted, assemble::BaseRecord::of(with_npm)).same_npm);
}

BOOST_AUTO_TEST_SUITE_END()
