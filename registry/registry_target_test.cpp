// Pushing against the fake registry: existence checks, mounts, one-request and chunked uploads,
// resuming after drops, restarting lost sessions, parallel blobs, the manifest last and checked.
#include "registry/registry_target.hpp"

#include <boost/test/unit_test.hpp>
#include <thread>

#include "oci/manifest.hpp"
#include "oci/media_types.hpp"
#include "registry/fake_registry_test_support.hpp"

namespace cairn::registry {

namespace {

using test::describe;
using test::pattern;

using test::FakeRegistryFixture;

struct TargetFixture : FakeRegistryFixture {
    RegistryTarget target(std::uint64_t chunk_size = 16 << 20,
                          const std::string& text = "registry.test/team/app:v1") {
        return RegistryTarget(Reference::parse(text), client(chunk_size));
    }
    int count(const std::string& prefix) {
        int n = 0;
        for (const auto& request : sent_to("registry.test")) n += request.starts_with(prefix);
        return n;
    }
};

oci::ManifestBlob manifest_of(const oci::Descriptor& config,
                              const std::vector<oci::Descriptor>& layers) {
    oci::Manifest manifest{.media_type = std::string(oci::media_type::oci_manifest),
                           .config = config,
                           .layers = layers};
    auto bytes = manifest.to_json();
    return {.bytes = bytes, .media_type = manifest.media_type, .digest = oci::Digest::of(bytes)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_target)

BOOST_FIXTURE_TEST_CASE(a_small_blob_goes_up_in_one_patch, TargetFixture) {
    auto target = this->target();
    std::string bytes = "hello layer";
    MemorySource content(bytes);
    target.put_blob(describe(bytes), content);
    BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(bytes).str()] == bytes);
    auto requests = sent_to("registry.test");
    BOOST_TEST_REQUIRE(requests.size() == 5u);  // ping, HEAD, POST, PATCH, PUT
    BOOST_TEST(requests[1].starts_with("HEAD /v2/team/app/blobs/sha256:"));
    BOOST_TEST(requests[2] == "POST /v2/team/app/blobs/uploads/");
    BOOST_TEST(requests[3].starts_with("PATCH /v2/team/app/blobs/uploads/u1?_state=0"));
    BOOST_TEST(
        requests[4].starts_with("PUT /v2/team/app/blobs/uploads/u1?_state=11&digest=sha256%3A"));
    BOOST_TEST(transport->requests()[3].header("Content-Range") == "0-10");
    BOOST_TEST(target.bytes_uploaded() == bytes.size());
    BOOST_TEST(target.bytes_skipped() == 0u);
}

BOOST_FIXTURE_TEST_CASE(an_empty_blob_needs_no_patch, TargetFixture) {
    auto target = this->target();
    MemorySource content("");
    target.put_blob(describe(""), content);
    BOOST_TEST(registry.blobs["team/app"].contains(oci::Digest::of("").str()));
    BOOST_TEST(count("PATCH") == 0);
}

BOOST_FIXTURE_TEST_CASE(present_blobs_are_skipped_and_counted, TargetFixture) {
    std::string bytes = "already there";
    registry.put_blob("team/app", bytes);
    auto target = this->target();
    BOOST_TEST(target.has_blob(describe(bytes)));
    MemorySource content(bytes);
    target.put_blob(describe(bytes), content);
    BOOST_TEST(count("POST") == 0);
    BOOST_TEST(count("HEAD") == 1);
    BOOST_TEST(target.bytes_skipped() == bytes.size());
    BOOST_TEST(target.bytes_uploaded() == 0u);
}

BOOST_FIXTURE_TEST_CASE(blobs_of_another_repository_are_mounted, TargetFixture) {
    std::string bytes = "base layer";
    registry.put_blob("team/base", bytes);
    auto target = this->target();
    target.add_mount_source("team/base");
    BOOST_TEST(target.has_blob(describe(bytes)));
    BOOST_TEST(count("POST /v2/team/app/blobs/uploads/?mount=sha256%3A") == 1);
    BOOST_TEST(registry.blobs["team/app"].contains(oci::Digest::of(bytes).str()));
    BOOST_TEST(target.bytes_skipped() == bytes.size());

    // A refused mount leaves a session open, which the upload then uses without a POST.
    std::string other = "not in base";
    target.put_blob(describe(other), *std::make_unique<MemorySource>(other));
    BOOST_TEST(count("POST /v2/team/app/blobs/uploads/") == 2);  // two mounts, no plain POST
    BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(other).str()] == other);
}

BOOST_FIXTURE_TEST_CASE(big_blobs_go_up_in_chunks, TargetFixture) {
    auto target = this->target(1000);
    auto bytes = pattern(2500, 1);
    MemorySource content(bytes);
    target.put_blob(describe(bytes), content);
    BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(bytes).str()] == bytes);
    std::vector<std::string> ranges;
    for (const auto& request : transport->requests()) {
        if (request.method == "PATCH") ranges.push_back(request.header("Content-Range"));
    }
    std::vector<std::string> expected{"0-999", "1000-1999", "2000-2499"};
    BOOST_TEST(ranges == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_dropped_chunk_resumes_from_the_registrys_offset, TargetFixture) {
    registry.drop_patch_after = 300;  // of the second chunk
    auto bytes = pattern(2500, 2);
    // The first PATCH succeeds, the second drops after 300 bytes arrived.
    int patches = 0;
    auto transport_handler = [&](const test::Recorded& request) {
        if (request.method == "PATCH" && ++patches == 1) {
            auto saved = registry.drop_patch_after;
            registry.drop_patch_after.reset();
            auto response = registry.handle(request);
            registry.drop_patch_after = saved;
            return response;
        }
        return registry.handle(request);
    };
    transport = std::make_shared<test::FakeTransport>(transport_handler);
    auto resuming = RegistryTarget(Reference::parse("registry.test/team/app:v1"), client(1000));
    MemorySource content(bytes);
    resuming.put_blob(describe(bytes), content);
    BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(bytes).str()] == bytes);
    std::vector<std::string> ranges;
    for (const auto& request : transport->requests()) {
        if (request.method == "PATCH") ranges.push_back(request.header("Content-Range"));
    }
    std::vector<std::string> expected{"0-999", "1000-1999", "1300-1999", "2000-2499"};
    BOOST_TEST(ranges == expected, boost::test_tools::per_element());
    BOOST_TEST(count("GET /v2/team/app/blobs/uploads/") == 1);  // asked how far it got
}

BOOST_FIXTURE_TEST_CASE(a_dropped_stream_resumes_from_the_registrys_offset, TargetFixture) {
    auto bytes = pattern(2500, 4);
    int opened = 0;
    BlobOpener open = [&] {
        ++opened;
        return std::make_unique<MemorySource>(bytes);
    };
    int patches = 0;
    transport = std::make_shared<test::FakeTransport>([&](const test::Recorded& request) {
        if (request.method == "PATCH" && ++patches == 1) {
            registry.drop_patch_after = 700;  // the session survives: ACR keeps what arrived
            auto response = registry.handle(request);
            registry.drop_patch_after.reset();
            return response;
        }
        return registry.handle(request);
    });
    auto target = RegistryTarget(Reference::parse("registry.test/team/app:v1"), client(1000));
    target.put_blob(describe(bytes), open);
    BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(bytes).str()] == bytes);
    std::vector<std::string> ranges;
    for (const auto& request : transport->requests()) {
        if (request.method == "PATCH") ranges.push_back(request.header("Content-Range"));
    }
    // One request for the whole blob, then the rest from where the registry got to.
    std::vector<std::string> expected{"0-2499", "700-2499"};
    BOOST_TEST(ranges == expected, boost::test_tools::per_element());
    BOOST_TEST(opened == 2);
    BOOST_TEST(count("POST") == 1);
}

BOOST_FIXTURE_TEST_CASE(a_lost_session_restarts_a_blob_still_in_memory, TargetFixture) {
    registry.drop_patch_after = 5;
    registry.invalidate_upload_on_drop = true;  // distribution: the session is gone after a drop
    auto target = this->target();
    std::string bytes = "a small layer that fits in one chunk";
    MemorySource content(bytes);
    target.put_blob(describe(bytes), content);
    BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(bytes).str()] == bytes);
    BOOST_TEST(count("POST") == 2);
}

BOOST_FIXTURE_TEST_CASE(a_lost_session_of_a_big_blob_restarts_when_it_can_be_reopened,
                        TargetFixture) {
    auto bytes = pattern(2500, 3);
    int opened = 0;
    BlobOpener open = [&] {
        ++opened;
        return std::make_unique<MemorySource>(bytes);
    };
    // Reopenable content goes as one streamed PATCH: cut that one.
    int patches = 0;
    transport = std::make_shared<test::FakeTransport>([&](const test::Recorded& request) {
        if (request.method == "PATCH" && ++patches == 1) {
            registry.drop_patch_after = 10;
            registry.invalidate_upload_on_drop = true;
        }
        return registry.handle(request);
    });
    auto target = RegistryTarget(Reference::parse("registry.test/team/app:v1"), client(1000));
    target.put_blob(describe(bytes), open);
    BOOST_TEST(opened == 2);
    BOOST_TEST(patches == 2);  // the cut one, and the whole blob again in a new session
    BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(bytes).str()] == bytes);

    // Without a way to reopen it, the error says to run again.
    TargetFixture other;
    int other_patches = 0;
    other.transport = std::make_shared<test::FakeTransport>([&](const test::Recorded& request) {
        if (request.method == "PATCH" && ++other_patches == 2) {
            other.registry.drop_patch_after = 10;
            other.registry.invalidate_upload_on_drop = true;
        }
        return other.registry.handle(request);
    });
    auto stuck = RegistryTarget(Reference::parse("registry.test/team/app:v1"), other.client(1000));
    MemorySource content(bytes);
    try {
        stuck.put_blob(describe(bytes), content);
        BOOST_ERROR("no error");
    } catch (const Error& error) {
        BOOST_TEST(std::string(error.what()).find("run the command again") != std::string::npos);
    }
}

BOOST_FIXTURE_TEST_CASE(content_that_does_not_match_is_not_committed, TargetFixture) {
    auto target = this->target();
    std::string bytes = "the real content";
    std::string other = "a forged content";  // same size
    MemorySource content(other);
    BOOST_CHECK_THROW(target.put_blob(describe(bytes), content), Error);
    BOOST_TEST(count("PUT") == 0);
    BOOST_TEST(registry.blobs["team/app"].empty());

    std::string shorter = "short";
    MemorySource short_content(shorter);
    BOOST_CHECK_THROW(target.put_blob(describe(bytes), short_content), Error);
}

BOOST_FIXTURE_TEST_CASE(server_errors_are_retried_with_retry_after, TargetFixture) {
    auto target = this->target();
    registry.unavailable = 2;
    registry.retry_after = "3";
    std::string bytes = "busy registry";
    MemorySource content(bytes);
    target.put_blob(describe(bytes), content);
    BOOST_TEST(registry.blobs["team/app"].size() == 1u);
    BOOST_TEST_REQUIRE(waits.size() == 2u);
    BOOST_TEST(waits[0].count() == 3000);
}

BOOST_FIXTURE_TEST_CASE(a_token_expiring_mid_push_is_refreshed_and_the_push_goes_on,
                        TargetFixture) {
    registry.bearer = true;
    auto target = this->target(1000);
    auto bytes = pattern(2500, 4);
    registry.expire_tokens_after_requests = 4;
    MemorySource content(bytes);
    target.put_blob(describe(bytes), content);
    BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(bytes).str()] == bytes);
    BOOST_TEST(registry.token_requests.size() == 2u);
    BOOST_TEST(registry.token_requests[0].find("scope=repository%3Ateam%2Fapp%3Apull%2Cpush") !=
               std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(blobs_upload_in_parallel, TargetFixture) {
    registry.bearer = true;
    auto target = this->target(700);
    std::vector<std::string> layers;
    for (unsigned i = 0; i < 8; ++i) layers.push_back(pattern(1000 + i * 300, 10 + i));
    std::vector<std::thread> threads;
    std::vector<std::string> failures(layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i) {
        threads.emplace_back([&, i] {
            try {
                MemorySource content(layers[i]);
                if (!target.has_blob(describe(layers[i])))
                    target.put_blob(describe(layers[i]), content);
            } catch (const std::exception& error) {
                failures[i] = error.what();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& failure : failures) BOOST_TEST(failure.empty());
    std::uint64_t total = 0;
    for (const auto& layer : layers) {
        BOOST_TEST(registry.blobs["team/app"][oci::Digest::of(layer).str()] == layer);
        total += layer.size();
    }
    BOOST_TEST(target.bytes_uploaded() == total);
    BOOST_TEST(registry.token_requests.size() == 1u);  // one token serves every thread
}

BOOST_FIXTURE_TEST_CASE(the_manifest_goes_last_and_only_when_its_blobs_are_there, TargetFixture) {
    auto target = this->target();
    std::string config = "{}";
    std::string layer = "layer bytes";
    auto manifest = manifest_of(describe(config, oci::media_type::oci_config), {describe(layer)});
    try {
        target.put_manifest(manifest);
        BOOST_ERROR("pushed a manifest whose blobs are missing");
    } catch (const Error& error) {
        BOOST_TEST(std::string(error.what()).find("push every blob first") != std::string::npos);
    }
    BOOST_TEST(count("PUT /v2/team/app/manifests/") == 0);

    target.put_blob(describe(config, oci::media_type::oci_config),
                    *std::make_unique<MemorySource>(config));
    registry.put_blob("team/app", layer);  // present without this target's knowing
    target.put_manifest(manifest);
    BOOST_TEST(registry.manifests["team/app"]["v1"].second == manifest.bytes);
    BOOST_TEST(registry.manifests["team/app"]["v1"].first ==
               std::string(oci::media_type::oci_manifest));
}

BOOST_FIXTURE_TEST_CASE(digest_references_push_by_digest_and_must_match, TargetFixture) {
    std::string config = "{}";
    registry.put_blob("team/app", config);
    auto manifest = manifest_of(describe(config, oci::media_type::oci_config), {});
    auto by_digest = this->target(16 << 20, "registry.test/team/app@" + manifest.digest.str());
    by_digest.put_manifest(manifest);
    BOOST_TEST(registry.manifests["team/app"].contains(manifest.digest.str()));

    auto wrong = this->target(16 << 20, "registry.test/team/app@sha256:" + std::string(64, 'a'));
    BOOST_CHECK_THROW(wrong.put_manifest(manifest), Error);
}

BOOST_FIXTURE_TEST_CASE(an_index_goes_after_its_manifests, TargetFixture) {
    std::string config = "{}";
    registry.put_blob("team/app", config);
    auto child = manifest_of(describe(config, oci::media_type::oci_config), {});
    oci::Index index{.media_type = std::string(oci::media_type::oci_index),
                     .manifests = {child.descriptor()}};
    auto bytes = index.to_json();
    oci::ManifestBlob top{
        .bytes = bytes, .media_type = index.media_type, .digest = oci::Digest::of(bytes)};
    auto target = this->target();
    BOOST_CHECK_THROW(target.put_manifest(top), Error);  // its manifest is not there yet
    target.put_child_manifest(child);
    target.put_manifest(top);
    BOOST_TEST(registry.manifests["team/app"]["v1"].second == bytes);
    BOOST_TEST(registry.manifests["team/app"][child.digest.str()].second == child.bytes);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
