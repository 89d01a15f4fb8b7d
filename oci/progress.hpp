// Counting the bytes of long work (uploads, downloads, restores) for a progress display.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "oci/stream.hpp"

namespace cairn::oci {

// Bytes expected and bytes done, added to from any thread and read by a display at any time.
// A transfer that restarts counts its bytes again: displays clamp done to total.
class Meter {
  public:
    void expect(std::uint64_t bytes) { total_ += bytes; }
    void add(std::uint64_t bytes) { done_ += bytes; }
    std::uint64_t total() const { return total_; }
    std::uint64_t done() const { return done_; }
    void reset() {
        total_ = 0;
        done_ = 0;
    }

  private:
    std::atomic<std::uint64_t> total_{0};
    std::atomic<std::uint64_t> done_{0};
};

// Reads through `inner`, adding what it reads to `meter` (which may be null: then it only reads).
class MeteredSource : public ByteSource {
  public:
    MeteredSource(std::unique_ptr<ByteSource> inner, Meter* meter)
        : inner_(std::move(inner)), meter_(meter) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        auto n = inner_->read(data, capacity);
        if (meter_) meter_->add(n);
        return n;
    }

  private:
    std::unique_ptr<ByteSource> inner_;
    Meter* meter_;
};

}  // namespace cairn::oci
