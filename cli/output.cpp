// Status lines and human-readable numbers.
#include "cli/output.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>

#include "cli/terminal_text.hpp"

#include "cli/terminal_text.hpp"

namespace cairn::cli {

namespace {

std::atomic<Verbosity> current_verbosity{Verbosity::normal};

std::mutex& route_mutex() {
    static std::mutex mutex;
    return mutex;
}

std::function<void(std::string_view)>& status_route() {
    static std::function<void(std::string_view)> route;
    return route;
}

}  // namespace

void set_verbosity(Verbosity verbosity) {
    current_verbosity = verbosity;
}

Verbosity verbosity() {
    return current_verbosity;
}

void set_status_route(std::function<void(std::string_view)> route) {
    std::lock_guard lock(route_mutex());
    status_route() = std::move(route);
}

void write_status_line(std::string_view message) {
    static const bool terminal = ::isatty(STDERR_FILENO) == 1;
    std::string line;
    if (!terminal) {
        std::time_t now = std::time(nullptr);
        std::tm parts{};
        gmtime_r(&now, &parts);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &parts);
        line = stamp;
    }
    // Line by line: a status may span lines on purpose (a child's first errors), but no line
    // may carry a control sequence or a credential.
    for (std::size_t start = 0;;) {
        auto end = message.find('\n', start);
        line += for_display(message.substr(start, end - start));
        line += '\n';
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    std::cerr << line << std::flush;
}

void status(std::string_view message) {
    if (verbosity() == Verbosity::quiet && !message.starts_with("warning:")) return;
    std::function<void(std::string_view)> route;
    {
        std::lock_guard lock(route_mutex());
        route = status_route();
    }
    if (route) {
        route(message);
    } else {
        write_status_line(message);
    }
}

std::ostream& result_stream(const std::vector<oci::FileIdentity>& outputs) {
    auto standard_output = oci::FileIdentity::of(STDOUT_FILENO);
    bool inside = standard_output &&
                  std::find(outputs.begin(), outputs.end(), *standard_output) != outputs.end();
    return inside ? std::cerr : std::cout;
}

std::string human_bytes(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1000 && unit < 4) {
        value /= 1000;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
    return text;
}

std::string bytes_moved(std::uint64_t written, std::uint64_t skipped) {
    return human_bytes(written) + " written, " + human_bytes(skipped) + " already there";
}

std::string seconds_since(std::chrono::steady_clock::time_point start) {
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    char text[32];
    std::snprintf(text, sizeof text, "%.2fs", elapsed.count());
    return text;
}

}  // namespace cairn::cli
