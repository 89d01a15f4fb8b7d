// Layer compression: gzip and zstd on all cores, with output that does not depend on the core
// count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "oci/stream.hpp"

namespace cairn::assemble {

enum class Compression { none, gzip, zstd };

// "gzip", "zstd" or "none"; anything else is a UsageError naming the value.
Compression parse_compression(std::string_view name);
std::string_view compression_name(Compression compression);
// What decides a compressor's output bytes (library version and settings), as text.
std::string compression_recipe(Compression compression);

// Recognises a gzip or zstd stream by its first bytes; anything else is `none`.
Compression detect_compression(const std::uint8_t* head, std::size_t size);

// A sink that compresses what it is written and passes the result to `out`, in order.
// finish() must be called once at the end; it writes the stream's trailer.
// The bytes produced are the same for every `threads` value >= 1 (0 is taken as 1).
// An error from `out` or from compressing reaches the caller of write()/finish(); the
// compressor may then only be destroyed, which never blocks for long or throws.
class Compressor : public ByteSink {
  public:
    virtual void finish() = 0;
};

std::unique_ptr<Compressor> make_compressor(Compression compression, ByteSink& out,
                                            unsigned threads);

// A source yielding the decompressed bytes of `in` (which must be of that compression).
// A corrupt or truncated stream is a cairn::Error.
std::unique_ptr<ByteSource> make_decompressor(Compression compression, ByteSource& in);

}  // namespace cairn::assemble
