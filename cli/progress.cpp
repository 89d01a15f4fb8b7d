// The progress display: a ticker thread redraws (or, off a terminal, reports) what the work
// under way has done; status lines go through the same lock so the two never interleave.
#include "cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/output.hpp"
#include "cli/terminal_text.hpp"

namespace cairn::cli {

namespace {

constexpr auto kLiveInterval = std::chrono::milliseconds(100);
constexpr auto kPlainInterval = std::chrono::seconds(10);

std::size_t terminal_width() {
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
    return 80;
}

// The first `width` columns of `text`, cut at a character boundary (UTF-8 continuation bytes
// are 10xxxxxx); one column per character is close enough for the names shown here.
std::string fit(const std::string& text, std::size_t width) {
    std::size_t columns = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
        if (++columns > width) return text.substr(0, i);
    }
    return text;
}

std::string seconds_text(std::chrono::steady_clock::duration elapsed) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fs", std::chrono::duration<double>(elapsed).count());
    return text;
}

}  // namespace

bool stderr_is_live_terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(STDERR_FILENO) == 1 && term != nullptr && std::string_view(term) != "dumb";
}

ProgressDisplay::ProgressDisplay(bool live) : live_(live), ticker_([this] { tick(); }) {}

ProgressDisplay::~ProgressDisplay() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    ticker_.join();
    if (live_) std::cerr << "\r\033[K" << std::flush;
}

void ProgressDisplay::line(std::string_view text) {
    std::lock_guard lock(mutex_);
    if (!live_) {
        status(text);
        return;
    }
    std::cerr << "\r\033[K" << for_display(text) << '\n';
    draw_live_locked();
}

void ProgressDisplay::phase(std::string_view name) {
    std::lock_guard lock(mutex_);
    phase_ = name;
    phase_start_ = last_report_ = Clock::now();
    meter_.reset();
    if (live_) draw_live_locked();
}

std::string ProgressDisplay::live_text() const {
    std::lock_guard lock(mutex_);
    return live_text_locked();
}

std::string ProgressDisplay::live_text_locked() const {
    if (phase_.empty()) return "";
    std::string text = phase_ + " " + seconds_text(Clock::now() - phase_start_);
    auto total = meter_.total();
    if (total > 0) {
        auto done = std::min(meter_.done(), total);
        text += "  " + human_bytes(done) + " of " + human_bytes(total) + " (" +
                std::to_string(done * 100 / total) + "%)";
    }
    return text;
}

void ProgressDisplay::draw_live_locked() {
    static constexpr char kSpinner[] = {'|', '/', '-', '\\'};
    auto text = live_text_locked();
    if (text.empty()) return;
    text = std::string(1, kSpinner[frame_ % 4]) + " " + text;
    std::cerr << "\r\033[K" << fit(text, terminal_width() - 1) << std::flush;
}

void ProgressDisplay::tick() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, live_ ? kLiveInterval : std::chrono::milliseconds(1000));
        if (stopping_) break;
        if (live_) {
            ++frame_;
            draw_live_locked();
        } else if (meter_.total() > 0 && Clock::now() - last_report_ >= kPlainInterval) {
            last_report_ = Clock::now();
            status(live_text_locked());
        }
    }
}

}  // namespace cairn::cli
