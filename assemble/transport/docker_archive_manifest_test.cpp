#include "assemble/transport/docker_archive_manifest.hpp"

#include <boost/test/unit_test.hpp>

#include "oci/error.hpp"

using namespace cairn::assemble;

namespace {

bool says(const cairn::Error& error, const std::string& part) {
    return std::string(error.what()).find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docker_archive_manifest)

BOOST_AUTO_TEST_CASE(the_image_list_is_read_strictly) {
    auto images = parse_archived_images(
        R"([{"Config":"c.json","RepoTags":null,"Layers":["a/layer.tar"],"Parent":"x"},
            {"Config":"d.json","RepoTags":["busybox:latest"],"Layers":[]}])",
        "manifest.json of t");
    BOOST_REQUIRE(images.size() == 2u);
    BOOST_TEST(images[0].config == "c.json");
    BOOST_TEST(images[0].repo_tags.empty());
    BOOST_TEST((images[0].layers == std::vector<std::string>{"a/layer.tar"}));
    for (const auto& [text, problem] : std::vector<std::pair<std::string, std::string>>{
             {"null", "is null"},
             {"[]", "lists no image"},
             {"{}", "not a list"},
             {"[1]", "not a JSON object"},
             {"[{}]", "Config"},
             {R"([{"Config":"c","Layers":"x"}])", "Layers"},
             {"[{", "not valid JSON"}}) {
        BOOST_TEST_CONTEXT(text) {
            BOOST_CHECK_EXCEPTION(parse_archived_images(text, "manifest.json of t"), cairn::Error,
                                  [&](const cairn::Error& e) {
                                      return says(e, "manifest.json of t") && says(e, problem);
                                  });
        }
    }
}

BOOST_AUTO_TEST_CASE(images_are_picked_as_docker_names_them) {
    std::vector<ArchivedImage> images{{.config = "a", .repo_tags = {"busybox:latest"}},
                                      {.config = "b", .repo_tags = {"docker.io/team/app:1"}},
                                      {.config = "c", .repo_tags = {"localhost:5000/x:y"}}};
    BOOST_TEST(pick_archived_image(images, "busybox", "t").config == "a");
    BOOST_TEST(pick_archived_image(images, "docker.io/library/busybox:latest", "t").config == "a");
    BOOST_TEST(pick_archived_image(images, "team/app:1", "t").config == "b");
    BOOST_TEST(pick_archived_image(images, "localhost:5000/x:y", "t").config == "c");
    BOOST_TEST(pick_archived_image(images, "@2", "t").config == "c");
    BOOST_CHECK_EXCEPTION(pick_archived_image(images, "", "t"), cairn::Error,
                          [](const cairn::Error& e) { return says(e, "3 images"); });
    BOOST_CHECK_EXCEPTION(pick_archived_image(images, "team/app:2", "t"), cairn::Error,
                          [](const cairn::Error& e) { return says(e, "docker.io/team/app:1"); });
    for (const char* bad : {"@3", "@", "@x", "@-1"}) {
        BOOST_CHECK_THROW(pick_archived_image(images, bad, "t"), cairn::Error);
    }
    std::vector<ArchivedImage> one{{.config = "only"}};
    BOOST_TEST(pick_archived_image(one, "", "t").config == "only");
}

BOOST_AUTO_TEST_CASE(the_list_is_written_as_docker_save_writes_it) {
    BOOST_TEST(
        archived_images_json({.config = "c.json", .layers = {"l.tar.gz"}, .repo_tags = {"a:1"}}) ==
        "[{\"Config\":\"c.json\",\"RepoTags\":[\"a:1\"],\"Layers\":[\"l.tar.gz\"]}]\n");
    BOOST_TEST(archived_images_json({.config = "c.json"}) ==
               "[{\"Config\":\"c.json\",\"RepoTags\":[],\"Layers\":[]}]\n");
}

BOOST_AUTO_TEST_CASE(repo_tags_must_be_name_and_tag) {
    BOOST_TEST(checked_repo_tag("").empty());
    BOOST_TEST(checked_repo_tag("example.com:5000/a/b:v1.0") == "example.com:5000/a/b:v1.0");
    for (const char* bad : {"app", "App:1", "app:", "app@sha256:00", "app:1/x", "a b:1", ":1"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_CHECK_THROW(checked_repo_tag(bad), cairn::UsageError);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
