// Test helpers for archives and copies: small images written into layouts, tars in memory.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "assemble/layer/compression.hpp"
#include "assemble/transport/archive_tar.hpp"
#include "oci/layout.hpp"
#include "oci/manifest.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble::testing {

namespace fs = std::filesystem;

class StringSink : public ByteSink {
  public:
    void write(const std::uint8_t* data, std::size_t size) override {
        text.append(reinterpret_cast<const char*>(data), size);
    }
    using ByteSink::write;
    std::string text;
};

inline std::string tar_of(std::vector<ArchiveMember> members) {
    StringSink out;
    write_archive(std::move(members), 0, out);
    return out.text;
}

inline std::string gzip_of(const std::string& bytes) {
    StringSink out;
    auto compressor = make_compressor(Compression::gzip, out, 1);
    compressor->write(bytes);
    compressor->finish();
    return out.text;
}

inline void write_bytes(const fs::path& path, const std::string& bytes) {
    oci::TemporaryFile file(path);
    file.write(bytes);
    file.commit();
}

inline std::string read_bytes(const fs::path& path) {
    return oci::read_small_file(path, 64 << 20);
}

// An image of one gzip layer holding /hello.txt with `content`, written into `layout`.
struct SampleImage {
    oci::Descriptor manifest;
    oci::Descriptor config;
    oci::Descriptor layer;
    oci::Digest diff_id;
};

// With `docker`, in Docker schema 2 types.
inline SampleImage add_sample_image(oci::ImageLayout& layout, const std::string& content,
                                    const std::string& architecture = "amd64",
                                    bool docker = false) {
    namespace types = oci::media_type;
    auto tar = tar_of({{.name = "hello.txt", .bytes = content}});
    auto blob = gzip_of(tar);
    auto diff_id = oci::Digest::of(tar);
    std::string config =
        R"({"architecture":")" + architecture +
        R"(","os":"linux","config":{"Env":["A=1"]},"rootfs":{"type":"layers","diff_ids":[")" +
        diff_id.str() + R"("]},"history":[{"created_by":"test"}]})";
    oci::Descriptor layer{
        .media_type = std::string(docker ? types::docker_layer_gzip : types::oci_layer_gzip),
        .digest = layout.blobs().put(blob),
        .size = static_cast<std::int64_t>(blob.size())};
    oci::Descriptor config_descriptor{
        .media_type = std::string(docker ? types::docker_config : types::oci_config),
        .digest = layout.blobs().put(config),
        .size = static_cast<std::int64_t>(config.size())};
    std::string manifest_type(docker ? types::docker_manifest : types::oci_manifest);
    oci::Manifest manifest{
        .media_type = manifest_type, .config = config_descriptor, .layers = {layer}};
    auto bytes = manifest.to_json();
    oci::Descriptor manifest_descriptor{.media_type = manifest_type,
                                        .digest = layout.blobs().put(bytes),
                                        .size = static_cast<std::int64_t>(bytes.size())};
    return {manifest_descriptor, config_descriptor, layer, diff_id};
}

// An index of `images` (with their platforms) stored in `layout`; returns its descriptor.
inline oci::Descriptor add_index(oci::ImageLayout& layout, std::vector<oci::Descriptor> images,
                                 std::string_view type = oci::media_type::oci_index) {
    oci::Index index{.media_type = std::string(type), .manifests = std::move(images)};
    auto bytes = index.to_json();
    return {.media_type = std::string(type),
            .digest = layout.blobs().put(bytes),
            .size = static_cast<std::int64_t>(bytes.size())};
}

inline oci::Platform linux_platform(const std::string& architecture) {
    return {.os = "linux", .architecture = architecture};
}

// go-containerregistry's test data, if present (CAIRN_PEER_TESTDATA, else /work/shared/…).
inline fs::path peer_testdata(const std::string& sub) {
    const char* configured = std::getenv("CAIRN_PEER_TESTDATA");
    fs::path root = configured ? fs::path(configured) : fs::path("/work/shared/peer-testdata");
    return root / "go-containerregistry" / sub;
}

}  // namespace cairn::assemble::testing
