// Layers in one pass, from trees or tarballs.
#include "assemble/layer/layer.hpp"

#include <cstdlib>

#include "assemble/layer/tar_check.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;
namespace media_type = oci::media_type;

namespace {

bool is_tarball_name(const std::string& name) {
    for (std::string_view suffix : {".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.zstd"}) {
        if (name.ends_with(suffix)) return true;
    }
    return false;
}

// Passes what is read on to a sink as well: the compressed bytes of a tarball reach the
// output and its digest while the decompressor pulls them for the diff_id.
class TeeSource : public ByteSource {
  public:
    TeeSource(ByteSource& inner, ByteSink& copy) : inner_(inner), copy_(copy) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        std::size_t n = inner_.read(data, capacity);
        copy_.write(data, n);
        return n;
    }

  private:
    ByteSource& inner_;
    ByteSink& copy_;
};

LayerDigests compressed_tarball(const fs::path& path, Compression compression, ByteSink& out) {
    oci::FileSource file(path);
    oci::Sha256 blob_hash;
    TeeSink to_output(blob_hash, out);
    TeeSource tee(file, to_output);
    auto tar = make_decompressor(compression, tee);
    oci::Sha256 tar_hash;
    TeeSource hashed(*tar, tar_hash);
    check_tar_stream(hashed, path.string());
    // Drain what the decompressor left unread (padding after the last frame).
    CountingSink rest;
    copy_stream(tee, rest);
    return {.diff_id = tar_hash.finish(),
            .digest = blob_hash.finish(),
            .size = static_cast<std::int64_t>(blob_hash.size()),
            .compression = compression};
}

Compression sniff_file(const fs::path& path) {
    oci::FileSource file(path);
    std::uint8_t head[4] = {};
    std::size_t filled = 0;
    while (filled < sizeof head) {
        auto n = file.read(head + filled, sizeof head - filled);
        if (n == 0) break;
        filled += n;
    }
    return detect_compression(head, filled);
}

}  // namespace

LayerSource LayerSource::parse(std::string_view argument) {
    std::string text(argument);
    std::string source = text;
    std::string dest;
    // DEST is absolute, so the separator is the last ':' followed by '/'; a SRC may itself
    // hold ':' characters.
    if (auto colon = text.rfind(":/"); colon != std::string::npos && colon > 0) {
        source = text.substr(0, colon);
        dest = text.substr(colon + 1);
    }
    if (source.empty()) throw UsageError("--layer \"" + text + "\" names no source");
    fs::path path(source);
    std::error_code error;
    auto status = fs::symlink_status(path, error);
    if (error || !fs::exists(status)) {
        throw Error("layer source " + source + " does not exist");
    }
    LayerSource layer;
    if (fs::is_regular_file(fs::status(path, error)) && is_tarball_name(source)) {
        if (!dest.empty()) {
            throw UsageError("layer source " + source +
                             " is a tarball, used as it is: it takes no :DEST");
        }
        layer.tarball = path;
        return layer;
    }
    layer.trees.push_back({.source = path, .dest = dest.empty() ? "/" : dest});
    return layer;
}

std::string LayerSource::describe() const {
    if (!tarball.empty()) return "tarball " + tarball.filename().string();
    std::string out;
    for (const auto& tree : trees) out += (out.empty() ? "" : " ") + tree.dest;
    return out;
}

LayerDigests write_layer(const LayerSource& source, const LayerOptions& options, ByteSink& out) {
    Compression existing = Compression::none;
    if (!source.tarball.empty()) {
        existing = sniff_file(source.tarball);
        if (existing != Compression::none) return compressed_tarball(source.tarball, existing, out);
    }
    oci::Sha256 blob_hash;
    TeeSink to_output(blob_hash, out);
    auto compressor = make_compressor(options.compression, to_output, options.threads);
    oci::Sha256 tar_hash;
    TeeSink hashed_and_compressed(tar_hash, *compressor);
    oci::MeteredSink tar_sink(hashed_and_compressed, options.progress);
    if (!source.tarball.empty()) {
        oci::FileSource file(source.tarball);
        TeeSource into_layer(file, tar_sink);
        check_tar_stream(into_layer, source.tarball.string());
    } else {
        write_tar(source.trees, options.tar, tar_sink);
    }
    compressor->finish();
    return {.diff_id = tar_hash.finish(),
            .digest = blob_hash.finish(),
            .size = static_cast<std::int64_t>(blob_hash.size()),
            .compression = options.compression};
}

std::string_view layer_media_type(Compression compression, bool docker) {
    switch (compression) {
        case Compression::gzip:
            return docker ? media_type::docker_layer_gzip : media_type::oci_layer_gzip;
        case Compression::zstd:
            return docker ? media_type::docker_layer_zstd : media_type::oci_layer_zstd;
        case Compression::none:
            return media_type::oci_layer;
    }
    return media_type::oci_layer;
}

Compression layer_compression(std::string_view media_type) {
    auto name = media_type::layer_compression(media_type);
    return name.empty() ? Compression::none : parse_compression(name);
}

std::int64_t source_date_epoch() {
    const char* text = std::getenv("SOURCE_DATE_EPOCH");
    if (!text || !*text) return 0;
    char* end = nullptr;
    errno = 0;
    long long value = std::strtoll(text, &end, 10);
    if (*end != '\0' || errno != 0 || value < 0) {
        throw UsageError(std::string("SOURCE_DATE_EPOCH=\"") + text +
                         "\" is not a Unix time in seconds");
    }
    return value;
}

}  // namespace cairn::assemble
