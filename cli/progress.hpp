// Long work shown as it happens: live lines on a terminal, timestamped lines elsewhere.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "assemble/build/build_pipeline.hpp"
#include "oci/progress.hpp"

namespace cairn::cli {

// Whether stderr is a terminal that understands "\r" and cursor movement (not TERM=dumb).
bool stderr_is_live_terminal();

// On a terminal, status lines scroll up while the bottom lines show the current phase (its
// time, and for transfers bytes done of bytes expected) and one line per task under way (a
// layer compressed or uploaded: its name, bytes done of its size, its rate); they are redrawn
// ten times a second and erased when the display ends. Elsewhere (CI logs, files), a line when
// each phase starts and ends, and every ten seconds of a phase a line of what it has done, so a
// log never goes silent for minutes. Under -q, nothing but warnings. While it lives, every
// status() line goes through it.
class ProgressDisplay : public assemble::BuildObserver {
  public:
    explicit ProgressDisplay(bool live = stderr_is_live_terminal());
    ~ProgressDisplay() override;
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;

    void line(std::string_view text) override;
    void phase(std::string_view name) override;
    oci::Meter& meter() override { return meter_; }

    // The live lines as they would be drawn now (for tests), without the terminal controls:
    // the phase first, then a line per task.
    std::vector<std::string> live_lines() const;
    std::string live_text() const;
    // The line written every ten seconds off a terminal.
    std::string report_text() const;

  private:
    using Clock = std::chrono::steady_clock;

    void tick();
    void show_locked(std::string_view text);
    void erase_locked();
    void draw_locked();
    std::vector<std::string> live_lines_locked() const;
    std::string phase_text_locked() const;
    void end_phase_locked();

    const bool live_;
    const bool quiet_;
    oci::Meter meter_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::string phase_;
    Clock::time_point phase_start_ = Clock::now();
    Clock::time_point last_report_ = Clock::now();
    unsigned frame_ = 0;
    std::size_t drawn_ = 0;  // live lines on the screen now
    std::thread ticker_;
};

}  // namespace cairn::cli
