// Zstandard through libzstd's own worker threads, with output that does not depend on their number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "assemble/layer/compression.hpp"

namespace cairn::assemble {

// One zstd frame at level 3 with a checksum and no content size (a stream does not know it).
// libzstd's multithreaded mode cuts jobs at fixed input offsets, so its output is the same for
// every worker count >= 1 but differs from the single-threaded mode (0 workers), which is
// therefore never used.
class ZstdCompressor final : public Compressor {
  public:
    static constexpr int level = 3;
    // What decides the bytes it writes (libzstd's version, level), as text.
    static std::string recipe();

    ZstdCompressor(ByteSink& out, unsigned threads);
    ~ZstdCompressor() override;
    ZstdCompressor(const ZstdCompressor&) = delete;
    ZstdCompressor& operator=(const ZstdCompressor&) = delete;

    void write(const std::uint8_t* data, std::size_t size) override;
    using ByteSink::write;
    void finish() override;

  private:
    struct Context;

    // Feeds `data` to libzstd (and ends the frame if `end`), passing all output on to out_.
    void run(const std::uint8_t* data, std::size_t size, bool end);

    ByteSink& out_;
    std::unique_ptr<Context> context_;
    std::vector<std::uint8_t> buffer_;
    bool finished_ = false;
    bool failed_ = false;
};

}  // namespace cairn::assemble
