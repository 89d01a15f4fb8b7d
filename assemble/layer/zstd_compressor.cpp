// Streaming zstd compression on a ZSTD_CCtx with nbWorkers >= 1.
#include "assemble/layer/zstd_compressor.hpp"

#include <zstd.h>

#include <algorithm>
#include <string>

#include "oci/error.hpp"

namespace cairn::assemble {

struct ZstdCompressor::Context {
    struct Free {
        void operator()(ZSTD_CCtx* cctx) const { ZSTD_freeCCtx(cctx); }
    };
    std::unique_ptr<ZSTD_CCtx, Free> cctx{ZSTD_createCCtx()};
};

namespace {

void check(std::size_t result, const char* what) {
    if (ZSTD_isError(result)) {
        throw Error(std::string("zstd compression failed: ") + what + ": " +
                    ZSTD_getErrorName(result));
    }
}

}  // namespace

std::string ZstdCompressor::recipe() {
    return "zstd " + std::string(ZSTD_versionString()) + " level " + std::to_string(level) +
           " checksum, no content size";
}

ZstdCompressor::ZstdCompressor(ByteSink& out, unsigned threads)
    : out_(out), context_(std::make_unique<Context>()), buffer_(ZSTD_CStreamOutSize()) {
    ZSTD_CCtx* cctx = context_->cctx.get();
    if (!cctx) throw Error("zstd compression failed: cannot allocate a compression context");
    check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level), "level");
    check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1), "checksum flag");
    // A one-shot call could record the size while a stream cannot; never recording it keeps
    // the bytes independent of how the input was cut into writes.
    check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0), "content size flag");
    int workers = static_cast<int>(std::max(threads, 1u));
    std::size_t result = ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, workers);
    if (ZSTD_isError(result)) {
        throw Error("zstd compression failed: this libzstd cannot use threads (" +
                    std::string(ZSTD_getErrorName(result)) + ")");
    }
}

ZstdCompressor::~ZstdCompressor() = default;

void ZstdCompressor::write(const std::uint8_t* data, std::size_t size) {
    if (size > 0) run(data, size, false);
}

void ZstdCompressor::finish() {
    run(nullptr, 0, true);
    finished_ = true;
}

void ZstdCompressor::run(const std::uint8_t* data, std::size_t size, bool end) {
    if (failed_) throw Error("zstd compressor used again after it failed");
    if (finished_) throw Error("zstd compressor used after finish()");
    ZSTD_inBuffer input{data, size, 0};
    try {
        for (;;) {
            ZSTD_outBuffer output{buffer_.data(), buffer_.size(), 0};
            std::size_t remaining = ZSTD_compressStream2(context_->cctx.get(), &output, &input,
                                                         end ? ZSTD_e_end : ZSTD_e_continue);
            check(remaining, "ZSTD_compressStream2");
            if (output.pos > 0) out_.write(buffer_.data(), output.pos);
            // Continuing, the call may keep input buffered; ending, 0 means the frame is flushed.
            if (end ? remaining == 0 : input.pos == input.size) return;
        }
    } catch (...) {
        failed_ = true;
        throw;
    }
}

}  // namespace cairn::assemble
