#include "assemble/build/project_template.hpp"

#include <boost/test/unit_test.hpp>

#include "assemble/build/build_config.hpp"
#include "oci/error.hpp"

namespace assemble = cairn::assemble;

BOOST_AUTO_TEST_SUITE(project_template)

BOOST_AUTO_TEST_CASE(the_starter_config_of_a_rust_and_npm_project_parses) {
    assemble::ProjectFacts facts{
        .name = "shop",
        .cargo = assemble::CargoFacts{.bins = {"shop-server", "shop-admin"}},
        .npm = assemble::NpmFacts{.dir = "web", .output = "dist", .output_reason = "a guess"},
        .git = true};
    auto text = assemble::starter_config(facts);
    auto config = assemble::parse_build_config(text, "/project/cairn.toml");
    BOOST_TEST(config.image.name == "shop");
    BOOST_TEST((config.cargo->bins == std::vector<std::string>{"shop-server", "shop-admin"}));
    BOOST_TEST(config.npm->dir == "/project/web");
    BOOST_TEST(config.npm->output == "/project/web/dist");
    BOOST_TEST((*config.image.entrypoint == std::vector<std::string>{"/app/shop-server"}));
    BOOST_TEST(config.profile("dev").tag == "dev-{git_short}");
    BOOST_TEST(config.files.empty());
}

BOOST_AUTO_TEST_CASE(a_project_of_neither_gets_a_files_entry_that_parses) {
    auto text = assemble::starter_config({.name = "site"});
    auto config = assemble::parse_build_config(text, "/project/cairn.toml");
    BOOST_REQUIRE(config.files.size() == 1u);
    BOOST_TEST(config.profile("dev").tag == "dev-{date}");
}

BOOST_AUTO_TEST_CASE(names_become_repository_names) {
    BOOST_TEST(assemble::repository_name_of("My App_2") == "my-app-2");
    BOOST_TEST(assemble::repository_name_of("--") == "app");
    BOOST_TEST(assemble::repository_name_of("sample") == "sample");
}

BOOST_AUTO_TEST_SUITE_END()
