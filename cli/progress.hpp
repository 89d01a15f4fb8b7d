// Long work shown as it happens: a live line on a terminal, timestamped lines elsewhere.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "assemble/build/build_pipeline.hpp"
#include "oci/progress.hpp"

namespace cairn::cli {

// Whether stderr is a terminal that understands "\r" and "erase line" (not TERM=dumb).
bool stderr_is_live_terminal();

// On a terminal, status lines scroll up while the bottom line shows the current phase, its
// time so far and, for transfers, bytes done of bytes expected; it is redrawn ten times a
// second and erased when the display ends. Elsewhere (CI logs, files), each status line gets
// a timestamp, and a transfer running longer than ten seconds gets a line of its bytes every
// ten seconds.
class ProgressDisplay : public assemble::BuildObserver {
  public:
    explicit ProgressDisplay(bool live = stderr_is_live_terminal());
    ~ProgressDisplay() override;
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;

    void line(std::string_view text) override;
    void phase(std::string_view name) override;
    oci::Meter& meter() override { return meter_; }

    // The live line as it would be drawn now (for tests), without the terminal controls.
    std::string live_text() const;

  private:
    using Clock = std::chrono::steady_clock;

    void tick();
    void draw_live_locked();
    std::string live_text_locked() const;

    const bool live_;
    oci::Meter meter_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::string phase_;
    Clock::time_point phase_start_ = Clock::now();
    Clock::time_point last_report_ = Clock::now();
    unsigned frame_ = 0;
    std::thread ticker_;
};

}  // namespace cairn::cli
