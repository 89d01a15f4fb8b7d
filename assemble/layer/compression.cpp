// Choosing a compression: names, magic numbers, and the compressor or decompressor for each.
#include "assemble/layer/compression.hpp"

#include <string>

#include "assemble/layer/decompressor.hpp"
#include "assemble/layer/gzip_compressor.hpp"
#include "assemble/layer/zstd_compressor.hpp"
#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

class PassthroughCompressor final : public Compressor {
  public:
    explicit PassthroughCompressor(ByteSink& out) : out_(out) {}
    void write(const std::uint8_t* data, std::size_t size) override { out_.write(data, size); }
    using ByteSink::write;
    void finish() override {}

  private:
    ByteSink& out_;
};

class PassthroughSource final : public ByteSource {
  public:
    explicit PassthroughSource(ByteSource& in) : in_(in) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        return in_.read(data, capacity);
    }

  private:
    ByteSource& in_;
};

}  // namespace

Compression parse_compression(std::string_view name) {
    if (name == "gzip") return Compression::gzip;
    if (name == "zstd") return Compression::zstd;
    if (name == "none") return Compression::none;
    throw UsageError("unknown compression \"" + std::string(name) + "\": use gzip, zstd or none");
}

std::string_view compression_name(Compression compression) {
    switch (compression) {
        case Compression::gzip:
            return "gzip";
        case Compression::zstd:
            return "zstd";
        case Compression::none:
            break;
    }
    return "none";
}

std::string compression_recipe(Compression compression) {
    switch (compression) {
        case Compression::gzip:
            return GzipCompressor::recipe();
        case Compression::zstd:
            return ZstdCompressor::recipe();
        case Compression::none:
            break;
    }
    return "none";
}

Compression detect_compression(const std::uint8_t* head, std::size_t size) {
    if (size >= 2 && head[0] == 0x1f && head[1] == 0x8b) return Compression::gzip;
    if (size >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) {
        return Compression::zstd;
    }
    return Compression::none;
}

std::unique_ptr<Compressor> make_compressor(Compression compression, ByteSink& out,
                                            unsigned threads) {
    switch (compression) {
        case Compression::gzip:
            return std::make_unique<GzipCompressor>(out, threads);
        case Compression::zstd:
            return std::make_unique<ZstdCompressor>(out, threads);
        case Compression::none:
            break;
    }
    return std::make_unique<PassthroughCompressor>(out);
}

std::unique_ptr<ByteSource> make_decompressor(Compression compression, ByteSource& in) {
    switch (compression) {
        case Compression::gzip:
            return std::make_unique<GzipDecompressor>(in);
        case Compression::zstd:
            return std::make_unique<ZstdDecompressor>(in);
        case Compression::none:
            break;
    }
    return std::make_unique<PassthroughSource>(in);
}

}  // namespace cairn::assemble
