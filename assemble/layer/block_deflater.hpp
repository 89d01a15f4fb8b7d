// One block of a block-parallel deflate stream: libdeflate on the block, made joinable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "assemble/layer/deflate_join.hpp"

struct libdeflate_compressor;

namespace cairn::assemble {

// Compresses blocks independently so they can run on different threads, yet their outputs
// concatenate into one valid deflate stream: every block but the last ends on a byte boundary
// without a final bit (see deflate_join.hpp). Blocks share no dictionary (libdeflate has none);
// at 1 MiB blocks that costs about 0.1% of size. One instance per thread.
class BlockDeflater {
  public:
    explicit BlockDeflater(int level);
    ~BlockDeflater();
    BlockDeflater(const BlockDeflater&) = delete;
    BlockDeflater& operator=(const BlockDeflater&) = delete;

    // Replaces `out` with the compressed block. Throws cairn::Error.
    void compress(const std::uint8_t* data, std::size_t size, bool last,
                  std::vector<std::uint8_t>& out);

  private:
    struct FreeCompressor {
        void operator()(libdeflate_compressor* compressor) const;
    };
    std::unique_ptr<libdeflate_compressor, FreeCompressor> compressor_;
    DeflateJoiner joiner_;
};

}  // namespace cairn::assemble
