#include "assemble/build/base_key.hpp"

#include <boost/test/unit_test.hpp>
#include <functional>

#include "oci/error.hpp"
#include "registry/child_process.hpp"

namespace assemble = cairn::assemble;

namespace {

assemble::BaseKeyInputs sample() {
    return {.cargo_lock = "# lock\n[[package]]\nname = \"fnv\"\n",
            .package_lock = "{\"lockfileVersion\": 3}",
            .rustc_version = "rustc 1.63.0\nhost: x86_64-unknown-linux-gnu",
            .node_version = "v18.19.0",
            .cargo_profile = "release",
            .features = {"tls", "metrics"},
            .base_digest = "sha256:0123"};
}

std::string key(const assemble::BaseKeyInputs& inputs) {
    return assemble::BaseKey::of(inputs).hex();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(base_key)

BOOST_AUTO_TEST_CASE(same_inputs_same_key_and_display_form) {
    auto a = assemble::BaseKey::of(sample());
    BOOST_TEST(a.hex() == key(sample()));
    BOOST_TEST(a.hex().size() == 64u);
    BOOST_TEST(a.display() == "cargo-" + a.hex().substr(0, 12));
}

BOOST_AUTO_TEST_CASE(feature_order_does_not_matter) {
    auto reordered = sample();
    reordered.features = {"metrics", "tls"};
    BOOST_TEST(key(reordered) == key(sample()));
}

BOOST_AUTO_TEST_CASE(every_input_changes_the_key) {
    const auto base = key(sample());
    std::vector<std::function<void(assemble::BaseKeyInputs&)>> changes = {
        [](auto& i) { i.cargo_lock->append("x"); }, [](auto& i) { i.cargo_lock.reset(); },
        [](auto& i) { i.package_lock = "{}"; },     [](auto& i) { i.package_lock.reset(); },
        [](auto& i) { i.rustc_version += "1"; },    [](auto& i) { i.node_version = "v20.0.0"; },
        [](auto& i) { i.cargo_profile = "dev"; },   [](auto& i) { i.features.push_back("extra"); },
        [](auto& i) { i.features.clear(); },        [](auto& i) { i.base_digest = "sha256:4567"; },
    };
    for (std::size_t n = 0; n < changes.size(); ++n) {
        auto inputs = sample();
        changes[n](inputs);
        BOOST_TEST(key(inputs) != base, "change " << n << " kept the key");
    }
}

BOOST_AUTO_TEST_CASE(moving_bytes_between_fields_changes_the_key) {
    auto a = sample();
    a.rustc_version = "ab";
    a.node_version = "c";
    auto b = sample();
    b.rustc_version = "a";
    b.node_version = "bc";
    BOOST_TEST(key(a) != key(b));

    auto empty_lock = sample();
    empty_lock.package_lock = "";
    auto no_lock = sample();
    no_lock.package_lock.reset();
    BOOST_TEST(key(empty_lock) != key(no_lock));

    auto joined = sample();
    joined.features = {"ab"};
    auto split = sample();
    split.features = {"a", "b"};
    BOOST_TEST(key(joined) != key(split));
}

BOOST_AUTO_TEST_SUITE_END()
