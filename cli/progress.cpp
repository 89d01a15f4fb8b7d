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
// Task lines shown at once; more are summed up in one line.
constexpr std::size_t kMaxTaskLines = 8;

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

double seconds_of(std::chrono::steady_clock::duration elapsed) {
    return std::chrono::duration<double>(elapsed).count();
}

std::string seconds_text(std::chrono::steady_clock::duration elapsed) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fs", seconds_of(elapsed));
    return text;
}

// "1.2 MB of 3.4 MB (35%)", or "1.2 MB" while the total is not known.
std::string bytes_of(std::uint64_t done, std::uint64_t total) {
    if (total == 0) return human_bytes(done);
    done = std::min(done, total);
    return human_bytes(done) + " of " + human_bytes(total) + " (" +
           std::to_string(done * 100 / total) + "%)";
}

std::string task_text(const oci::TaskView& task) {
    std::string text = for_display(task.name) + "  " + bytes_of(task.done, task.total);
    double seconds = seconds_of(task.elapsed);
    if (seconds >= 0.2 && task.done > 0) {
        text += "  " + human_bytes(static_cast<std::uint64_t>(task.done / seconds)) + "/s";
    }
    return text;
}

}  // namespace

bool stderr_is_live_terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(STDERR_FILENO) == 1 && term != nullptr && std::string_view(term) != "dumb";
}

ProgressDisplay::ProgressDisplay(bool live)
    : live_(live && verbosity() != Verbosity::quiet),
      quiet_(verbosity() == Verbosity::quiet),
      ticker_([this] { tick(); }) {
    set_status_route([this](std::string_view text) {
        std::lock_guard lock(mutex_);
        show_locked(text);
    });
}

ProgressDisplay::~ProgressDisplay() {
    set_status_route({});
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    ticker_.join();
    std::lock_guard lock(mutex_);
    erase_locked();
    end_phase_locked();
    std::cerr << std::flush;
}

void ProgressDisplay::line(std::string_view text) {
    status(text);  // the quiet filter, then back here through the route
}

void ProgressDisplay::show_locked(std::string_view text) {
    erase_locked();
    write_status_line(text);
    if (live_) draw_locked();
}

void ProgressDisplay::end_phase_locked() {
    if (phase_.empty() || live_ || quiet_) return;
    write_status_line(phase_ + ": done in " + seconds_text(Clock::now() - phase_start_));
}

void ProgressDisplay::phase(std::string_view name) {
    std::lock_guard lock(mutex_);
    meter_.reset();
    if (name == phase_) return;  // the same phase again (the base: restored, later pushed)
    end_phase_locked();
    phase_ = name;
    phase_start_ = last_report_ = Clock::now();
    if (!live_ && !quiet_) write_status_line(phase_ + ": started");
    if (live_) draw_locked();
}

std::vector<std::string> ProgressDisplay::live_lines() const {
    std::lock_guard lock(mutex_);
    return live_lines_locked();
}

std::string ProgressDisplay::live_text() const {
    auto lines = live_lines();
    return lines.empty() ? "" : lines.front();
}

std::string ProgressDisplay::report_text() const {
    std::lock_guard lock(mutex_);
    auto lines = live_lines_locked();
    std::string text;
    for (const auto& line : lines) text += (text.empty() ? "" : "; ") + line;
    return text;
}

std::string ProgressDisplay::phase_text_locked() const {
    std::string text = phase_ + " " + seconds_text(Clock::now() - phase_start_);
    auto total = meter_.total();
    if (total > 0) text += "  " + bytes_of(meter_.done(), total);
    return text;
}

std::vector<std::string> ProgressDisplay::live_lines_locked() const {
    std::vector<std::string> lines;
    if (phase_.empty()) return lines;
    lines.push_back(phase_text_locked());
    auto tasks = meter_.tasks();
    for (std::size_t i = 0; i < tasks.size() && i < kMaxTaskLines; ++i)
        lines.push_back(task_text(tasks[i]));
    if (tasks.size() > kMaxTaskLines) {
        lines.push_back("and " + std::to_string(tasks.size() - kMaxTaskLines) + " more");
    }
    return lines;
}

void ProgressDisplay::erase_locked() {
    if (drawn_ == 0) return;
    // Up to the first live line, then clear from there to the end of the screen.
    if (drawn_ > 1) std::cerr << "\033[" << (drawn_ - 1) << 'A';
    std::cerr << "\r\033[J";
    drawn_ = 0;
}

void ProgressDisplay::draw_locked() {
    static constexpr char kSpinner[] = {'|', '/', '-', '\\'};
    auto lines = live_lines_locked();
    erase_locked();
    if (lines.empty()) return;
    auto width = terminal_width() - 1;
    std::string text = std::string(1, kSpinner[frame_ % 4]) + " " + lines.front();
    std::cerr << fit(text, width);
    for (std::size_t i = 1; i < lines.size(); ++i) std::cerr << '\n' << fit("  " + lines[i], width);
    std::cerr << std::flush;
    drawn_ = lines.size();
}

void ProgressDisplay::tick() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, live_ ? kLiveInterval : std::chrono::milliseconds(1000));
        if (stopping_) break;
        if (live_) {
            ++frame_;
            draw_locked();
        } else if (!quiet_ && !phase_.empty() && Clock::now() - last_report_ >= kPlainInterval) {
            last_report_ = Clock::now();
            std::string text;
            for (const auto& line : live_lines_locked()) text += (text.empty() ? "" : "; ") + line;
            write_status_line(text);
        }
    }
}

}  // namespace cairn::cli
