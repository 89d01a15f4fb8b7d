// One block of a block-parallel deflate stream: raw deflate primed with the previous block's tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace cairn::assemble {

// Compresses blocks independently so they can run on different threads, yet their outputs
// concatenate into one valid deflate stream: every block but the last ends on a byte boundary
// with a sync flush and no final bit, and each sees the previous 32 KiB as its dictionary, so
// matches across the seam are kept. One instance per thread; it reuses its zlib state.
class BlockDeflater {
  public:
    // The most of a dictionary deflate can use (its window).
    static constexpr std::size_t max_dictionary = 32 * 1024;
    // deflateInit2's settings: raw deflate with a 32 KiB window, zlib's default memory level.
    static constexpr int window_bits = -15;
    static constexpr int mem_level = 8;

    explicit BlockDeflater(int level);
    ~BlockDeflater();
    BlockDeflater(const BlockDeflater&) = delete;
    BlockDeflater& operator=(const BlockDeflater&) = delete;

    // Replaces `out` with the compressed block. `dictionary` holds the bytes just before `data`
    // in the stream (at most max_dictionary of them are used). Throws cairn::Error.
    void compress(const std::uint8_t* dictionary, std::size_t dictionary_size,
                  const std::uint8_t* data, std::size_t size, bool last,
                  std::vector<std::uint8_t>& out);

  private:
    struct Stream;
    std::unique_ptr<Stream> stream_;
};

}  // namespace cairn::assemble
