// Raw zlib deflate of one block, with a preset dictionary and a sync-flushed or final end.
#include "assemble/layer/block_deflater.hpp"

#include <zlib.h>

#include <limits>
#include <string>

#include "oci/error.hpp"

namespace cairn::assemble {

struct BlockDeflater::Stream {
    z_stream z{};
    ~Stream() { deflateEnd(&z); }
};

namespace {

Error deflate_error(const char* what, int code, const z_stream& z) {
    return Error(std::string("gzip compression failed: ") + what + " returned " +
                 std::to_string(code) + (z.msg ? std::string(" (") + z.msg + ")" : ""));
}

}  // namespace

BlockDeflater::BlockDeflater(int level) : stream_(std::make_unique<Stream>()) {
    // Negative window bits: raw deflate; the gzip header and trailer are written by the caller
    // because the blocks are compressed apart and their CRCs combined.
    int result =
        deflateInit2(&stream_->z, level, Z_DEFLATED, window_bits, mem_level, Z_DEFAULT_STRATEGY);
    if (result != Z_OK) {
        // deflateEnd on a stream whose init failed is harmless: it reports Z_STREAM_ERROR.
        throw deflate_error("deflateInit2", result, stream_->z);
    }
}

BlockDeflater::~BlockDeflater() = default;

void BlockDeflater::compress(const std::uint8_t* dictionary, std::size_t dictionary_size,
                             const std::uint8_t* data, std::size_t size, bool last,
                             std::vector<std::uint8_t>& out) {
    z_stream& z = stream_->z;
    if (size > std::numeric_limits<uInt>::max()) throw Error("gzip compression: block too large");
    if (int result = deflateReset(&z); result != Z_OK)
        throw deflate_error("deflateReset", result, z);
    if (dictionary_size > max_dictionary) {
        dictionary += dictionary_size - max_dictionary;
        dictionary_size = max_dictionary;
    }
    if (dictionary_size > 0) {
        int result = deflateSetDictionary(&z, dictionary, static_cast<uInt>(dictionary_size));
        if (result != Z_OK) throw deflate_error("deflateSetDictionary", result, z);
    }
    z.next_in = const_cast<Bytef*>(data);
    z.avail_in = static_cast<uInt>(size);
    // The bound covers the block; the sync-flush marker and slack make the first pass enough
    // in practice, and the loop grows the buffer if it ever is not.
    out.resize(deflateBound(&z, static_cast<uLong>(size)) + 64);
    std::size_t used = 0;
    const int flush = last ? Z_FINISH : Z_SYNC_FLUSH;
    for (;;) {
        z.next_out = out.data() + used;
        z.avail_out = static_cast<uInt>(out.size() - used);
        int result = deflate(&z, flush);
        used = out.size() - z.avail_out;
        if (result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR) {
            throw deflate_error("deflate", result, z);
        }
        bool done = last ? result == Z_STREAM_END : z.avail_in == 0 && z.avail_out != 0;
        if (done) break;
        out.resize(out.size() * 2);
    }
    out.resize(used);
}

}  // namespace cairn::assemble
