// Gzip on several threads, pigz-style: one member whose bytes do not depend on the thread count.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "assemble/layer/compression.hpp"

namespace cairn::assemble {

// Cuts the input into fixed-size blocks at fixed offsets, deflates them on worker threads
// (see block_deflater.hpp), and writes the results in order on the
// caller's thread as a single gzip member with a fixed header (no name, MTIME 0, OS unknown).
// Block boundaries depend only on byte positions, so the output is the same for any number
// of threads. At most 2 x threads blocks are in flight; write() waits when that many are.
// Errors from a worker or from `out` reach the caller of write()/finish(); after one, the
// compressor refuses further use. Destruction stops and joins the workers at any point.
class GzipCompressor final : public Compressor {
  public:
    static constexpr std::size_t default_block_size = 1024 * 1024;
    // What decides the bytes it writes (libdeflate's version and every setting), as text: two
    // runs with the same recipe write the same bytes for the same input.
    static std::string recipe();

    GzipCompressor(ByteSink& out, unsigned threads, std::size_t block_size = default_block_size);
    ~GzipCompressor() override;
    GzipCompressor(const GzipCompressor&) = delete;
    GzipCompressor& operator=(const GzipCompressor&) = delete;

    void write(const std::uint8_t* data, std::size_t size) override;
    using ByteSink::write;
    void finish() override;

  private:
    struct Block;

    void submit(bool last);
    void emit_until(std::size_t in_flight);
    void emit(const Block& block);
    std::unique_ptr<Block> fresh_block();
    void check_usable() const;
    void work(std::stop_token stop);

    ByteSink& out_;
    const std::size_t block_size_;
    const std::size_t max_in_flight_;
    std::uint32_t crc_ = 0;
    std::uint64_t total_in_ = 0;
    bool started_ = false;
    bool finished_ = false;
    bool failed_ = false;

    std::unique_ptr<Block> filling_;
    std::deque<std::unique_ptr<Block>> in_flight_;  // in stream order; only this thread edits it
    std::vector<std::unique_ptr<Block>> spare_;     // done blocks kept for their buffers

    std::mutex mutex_;
    std::deque<Block*> pending_;              // guarded by mutex_: blocks no worker took yet
    std::condition_variable_any work_ready_;  // workers wait on it
    std::condition_variable block_done_;      // the writer waits on it
    // Last, so the workers are stopped and joined before anything they touch is destroyed.
    std::vector<std::jthread> workers_;
};

}  // namespace cairn::assemble
