// Turns a complete raw deflate stream into one that another deflate stream may follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace cairn::assemble {

// A deflate stream ends with a block whose BFINAL bit is set, anywhere inside a byte. To
// concatenate independently compressed pieces into one gzip member (what every gzip reader
// expects, unlike several members), each piece but the last must lose that bit and end on a
// byte boundary. DeflateJoiner::make_joinable() walks the piece's blocks to find the last one's
// header, clears its BFINAL bit and, when the end-of-block code stops inside a byte, appends an
// empty non-final stored block (RFC 1951 3.2.4), which pads to the byte boundary.
//
// `data` holds `size` bytes of one complete raw deflate stream, followed by at least
// join_slack bytes the caller owns (the walker reads ahead into them, then the padding block
// may take up to 5 of them). Returns the new size. Throws cairn::Error when the bytes are not
// one complete deflate stream.
//
// Why by hand: no library exposes block boundaries except zlib's inflate(Z_BLOCK), which
// decodes every byte of output; measured on a 101 MiB tar, that re-inflate cost 0.6 s of CPU
// where this walker, which only skips codes, costs 0.27 s (the whole compression: 1.95 s).
class DeflateJoiner {
  public:
    DeflateJoiner();
    ~DeflateJoiner();
    DeflateJoiner(const DeflateJoiner&) = delete;
    DeflateJoiner& operator=(const DeflateJoiner&) = delete;

    std::size_t make_joinable(std::uint8_t* data, std::size_t size);

  private:
    struct Tables;  // a dynamic block's lookup tables (128 KiB), reused from block to block
    std::unique_ptr<Tables> dynamic_;
};

// The bytes after a stream make_joinable() needs: 16 to read ahead, of which up to 5 are
// overwritten by the padding block.
inline constexpr std::size_t join_slack = 16;

}  // namespace cairn::assemble
