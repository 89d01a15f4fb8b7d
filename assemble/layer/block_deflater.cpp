// libdeflate compression of one block, then the join fix-up for every block but the last.
#include "assemble/layer/block_deflater.hpp"

#include <libdeflate.h>

#include <string>

#include "oci/error.hpp"

namespace cairn::assemble {

void BlockDeflater::FreeCompressor::operator()(libdeflate_compressor* compressor) const {
    libdeflate_free_compressor(compressor);
}

BlockDeflater::BlockDeflater(int level) : compressor_(libdeflate_alloc_compressor(level)) {
    if (!compressor_) {
        throw Error("gzip compression: cannot set up libdeflate at level " + std::to_string(level));
    }
}

BlockDeflater::~BlockDeflater() = default;

void BlockDeflater::compress(const std::uint8_t* data, std::size_t size, bool last,
                             std::vector<std::uint8_t>& out) {
    std::size_t bound = libdeflate_deflate_compress_bound(compressor_.get(), size);
    out.resize(bound + join_slack);
    std::size_t used =
        libdeflate_deflate_compress(compressor_.get(), data, size, out.data(), bound);
    // With the bound as room libdeflate cannot run out of it; 0 would mean it did.
    if (used == 0) throw Error("gzip compression: libdeflate found no room for a block");
    if (!last) used = joiner_.make_joinable(out.data(), used);
    out.resize(used);
}

}  // namespace cairn::assemble
