// Gzip (zlib inflate) and zstd (ZSTD_DStream) decoding, turning every failure into cairn::Error.
#include "assemble/layer/decompressor.hpp"

#include <zlib.h>
#include <zstd.h>

#include <limits>
#include <string>

#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

constexpr std::size_t input_buffer_size = 256 * 1024;

Error gzip_truncated() {
    return Error(
        "gzip stream is truncated: it ends inside a member (incomplete download or file?)");
}

}  // namespace

struct GzipDecompressor::Stream {
    z_stream z{};
    bool initialized = false;
    ~Stream() {
        if (initialized) inflateEnd(&z);
    }
};

GzipDecompressor::GzipDecompressor(ByteSource& in)
    : in_(in), stream_(std::make_unique<Stream>()), buffer_(input_buffer_size) {
    // 15 + 16: the largest window, gzip wrapper only (a zlib or raw stream is corrupt here).
    if (inflateInit2(&stream_->z, 15 + 16) != Z_OK) {
        throw Error("gzip decompression failed: cannot initialise zlib");
    }
    stream_->initialized = true;
}

GzipDecompressor::~GzipDecompressor() = default;

// Reads more input once what was read is used up; false at the end of the input.
bool GzipDecompressor::fill() {
    z_stream& z = stream_->z;
    if (z.avail_in > 0) return true;
    std::size_t n = in_.read(buffer_.data(), buffer_.size());
    z.next_in = buffer_.data();
    z.avail_in = static_cast<uInt>(n);
    return n > 0;
}

bool GzipDecompressor::start_member() {
    z_stream& z = stream_->z;
    while (fill()) {
        if (!padding_ && z.next_in[0] == 0x1f) {
            // inflate itself checks the rest of the header.
            if (inflateReset(&z) != Z_OK) throw Error("gzip decompression failed: inflateReset");
            in_member_ = true;
            return true;
        }
        if (z.next_in[0] != 0) {
            throw Error("gzip stream is corrupt: unexpected data after its last member");
        }
        padding_ = true;
        ++z.next_in;
        --z.avail_in;
    }
    return false;
}

std::size_t GzipDecompressor::read(std::uint8_t* data, std::size_t capacity) {
    z_stream& z = stream_->z;
    capacity = std::min<std::size_t>(capacity, std::numeric_limits<uInt>::max());
    while (!done_ && capacity > 0) {
        if (!in_member_ && !start_member()) {
            done_ = true;
            break;
        }
        bool more_input = fill();
        z.next_out = data;
        z.avail_out = static_cast<uInt>(capacity);
        int result = inflate(&z, Z_NO_FLUSH);
        std::size_t produced = capacity - z.avail_out;
        if (result == Z_STREAM_END) {
            in_member_ = false;
        } else if (result == Z_NEED_DICT || result == Z_DATA_ERROR) {
            throw Error(std::string("gzip stream is corrupt: ") + (z.msg ? z.msg : "bad data"));
        } else if (result == Z_MEM_ERROR) {
            throw Error("gzip decompression failed: out of memory");
        } else if (result != Z_OK && result != Z_BUF_ERROR) {
            throw Error("gzip decompression failed: inflate returned " + std::to_string(result));
        }
        if (produced > 0) return produced;
        // Nothing came out and nothing more can come in: the member stops short.
        if (in_member_ && !more_input) throw gzip_truncated();
    }
    return 0;
}

struct ZstdDecompressor::Stream {
    struct Free {
        void operator()(ZSTD_DStream* stream) const { ZSTD_freeDStream(stream); }
    };
    std::unique_ptr<ZSTD_DStream, Free> dstream{ZSTD_createDStream()};
};

ZstdDecompressor::ZstdDecompressor(ByteSource& in)
    : in_(in), stream_(std::make_unique<Stream>()), buffer_(ZSTD_DStreamInSize()) {
    // Memory stays bounded by libzstd's default window limit (2^27): a frame asking for more
    // is an error, as with the zstd tool.
    if (!stream_->dstream) throw Error("zstd decompression failed: cannot allocate a context");
}

ZstdDecompressor::~ZstdDecompressor() = default;

std::size_t ZstdDecompressor::read(std::uint8_t* data, std::size_t capacity) {
    while (!done_ && capacity > 0) {
        if (position_ == filled_ && !end_of_input_) {
            filled_ = in_.read(buffer_.data(), buffer_.size());
            position_ = 0;
            end_of_input_ = filled_ == 0;
        }
        bool at_end = position_ == filled_ && end_of_input_;
        if (at_end && frame_complete_) {
            done_ = true;
            break;
        }
        ZSTD_inBuffer input{buffer_.data(), filled_, position_};
        ZSTD_outBuffer output{data, capacity, 0};
        std::size_t result = ZSTD_decompressStream(stream_->dstream.get(), &output, &input);
        if (ZSTD_isError(result)) {
            throw Error(std::string("zstd stream is corrupt: ") + ZSTD_getErrorName(result));
        }
        position_ = input.pos;
        frame_complete_ = result == 0;
        if (output.pos > 0) return output.pos;
        if (at_end && !frame_complete_) {
            throw Error(
                "zstd stream is truncated: it ends inside a frame (incomplete download or "
                "file?)");
        }
    }
    return 0;
}

}  // namespace cairn::assemble
