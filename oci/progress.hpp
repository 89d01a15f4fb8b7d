// Counting the bytes of long work (compression, uploads, downloads, restores) for a progress
// display: a meter for the whole phase, and a named task for each part of it (one layer).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "oci/stream.hpp"

namespace cairn::oci {

// What a display shows of one task.
struct TaskView {
    std::string name;
    std::uint64_t done = 0;
    std::uint64_t total = 0;  // 0: not known (yet)
    std::chrono::steady_clock::duration elapsed{};
};

// Bytes expected and bytes done, added to from any thread and read by a display at any time.
// A transfer that restarts counts its bytes again: displays clamp done to total.
class Meter {
  public:
    struct Task {
        std::string name;
        // steady_clock ticks; atomic because start_over moves it while a display reads it.
        std::atomic<std::chrono::steady_clock::rep> started{
            std::chrono::steady_clock::now().time_since_epoch().count()};
        std::atomic<std::uint64_t> done{0};
        std::atomic<std::uint64_t> total{0};
    };

    void expect(std::uint64_t bytes) { total_ += bytes; }
    void add(std::uint64_t bytes) { done_ += bytes; }
    std::uint64_t total() const { return total_; }
    std::uint64_t done() const { return done_; }
    void reset() {
        total_ = 0;
        done_ = 0;
    }

    // The tasks under way, in the order they started (for displays).
    std::vector<TaskView> tasks() const;

  private:
    friend class ProgressTask;
    std::shared_ptr<Task> start_task(std::string name);
    void take_back(std::uint64_t bytes) { done_ -= std::min<std::uint64_t>(bytes, done_); }
    void end_task(const std::shared_ptr<Task>& task);

    std::atomic<std::uint64_t> total_{0};
    std::atomic<std::uint64_t> done_{0};
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<Task>> tasks_;
};

// One named part of a phase's work, shown while it lives; its bytes count into the meter too.
// With a null meter it counts nothing, so callers need not check.
class ProgressTask {
  public:
    ProgressTask(Meter* meter, std::string name, std::uint64_t total = 0);
    ~ProgressTask();
    ProgressTask(const ProgressTask&) = delete;
    ProgressTask& operator=(const ProgressTask&) = delete;

    void expect(std::uint64_t bytes);
    void add(std::uint64_t bytes);
    // A second pass over the same bytes (a layer hashed, then compressed): done starts again.
    void start_over(std::uint64_t total);

  private:
    Meter* meter_;
    std::shared_ptr<Meter::Task> task_;
};

// Reads through `inner`, adding what it reads to `meter` or `task` (either may be null).
class MeteredSource : public ByteSource {
  public:
    MeteredSource(std::unique_ptr<ByteSource> inner, Meter* meter)
        : inner_(std::move(inner)), meter_(meter) {}
    MeteredSource(std::unique_ptr<ByteSource> inner, ProgressTask* task)
        : inner_(std::move(inner)), task_(task) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        auto n = inner_->read(data, capacity);
        if (meter_) meter_->add(n);
        if (task_) task_->add(n);
        return n;
    }

  private:
    std::unique_ptr<ByteSource> inner_;
    Meter* meter_ = nullptr;
    ProgressTask* task_ = nullptr;
};

// Writes through to `inner`, adding what passes to `task` (may be null).
class MeteredSink : public ByteSink {
  public:
    MeteredSink(ByteSink& inner, ProgressTask* task) : inner_(inner), task_(task) {}
    void write(const std::uint8_t* data, std::size_t size) override {
        inner_.write(data, size);
        if (task_) task_->add(size);
    }
    using ByteSink::write;

  private:
    ByteSink& inner_;
    ProgressTask* task_;
};

}  // namespace cairn::oci
