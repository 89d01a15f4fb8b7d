// Streaming gzip and zstd decoders as byte sources: bounded memory, strict about damage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "oci/stream.hpp"

namespace cairn::assemble {

// Gzip as any tool writes it: one member or several, decoded in sequence. Zero bytes after
// the last member (tape-style padding) are skipped; anything else there is an error, as are a
// bad header, bad data, a CRC or length mismatch, and an end before a member is complete.
class GzipDecompressor final : public ByteSource {
  public:
    explicit GzipDecompressor(ByteSource& in);
    ~GzipDecompressor() override;
    GzipDecompressor(const GzipDecompressor&) = delete;
    GzipDecompressor& operator=(const GzipDecompressor&) = delete;

    std::size_t read(std::uint8_t* data, std::size_t capacity) override;

  private:
    struct Stream;

    bool fill();
    // Between members: starts the next one, or skips padding; false at the end of the input.
    bool start_member();

    ByteSource& in_;
    std::unique_ptr<Stream> stream_;
    std::vector<std::uint8_t> buffer_;
    bool in_member_ = true;  // inflate is inside a member (the input must hold at least one)
    bool padding_ = false;   // zero padding after the last member has begun
    bool done_ = false;
};

// Zstandard: one frame or several (skippable frames included), each checked as it ends.
class ZstdDecompressor final : public ByteSource {
  public:
    explicit ZstdDecompressor(ByteSource& in);
    ~ZstdDecompressor() override;
    ZstdDecompressor(const ZstdDecompressor&) = delete;
    ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;

    std::size_t read(std::uint8_t* data, std::size_t capacity) override;

  private:
    struct Stream;

    ByteSource& in_;
    std::unique_ptr<Stream> stream_;
    std::vector<std::uint8_t> buffer_;
    std::size_t position_ = 0;
    std::size_t filled_ = 0;
    bool end_of_input_ = false;
    bool frame_complete_ = false;  // the last decoding step ended a frame and flushed it
    bool done_ = false;
};

}  // namespace cairn::assemble
