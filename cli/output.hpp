// What the program tells its user: status lines on stderr (timestamped when not a terminal),
// how much it says (-q, -v), and human-readable numbers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <iosfwd>
#include <vector>

#include "oci/file.hpp"

namespace cairn::cli {

// -q: results and errors only (warnings too); -v: also each request and child command.
enum class Verbosity { quiet, normal, verbose };
void set_verbosity(Verbosity verbosity);
Verbosity verbosity();

// One line of status on stderr; with a timestamp when stderr is not a terminal (CI logs).
// Credentials cairn holds are blanked and control characters escaped (for_display). Nothing
// under -q, except lines starting "warning:". While a progress display runs, the line goes
// through it, above its live lines.
void status(std::string_view message);

// Where a command's result line goes: standard output, unless an output it just wrote is
// standard output itself (`--to /dev/stdout`, `oci-archive:/dev/stdout`): then stderr, so the
// line does not end up inside the bytes.
std::ostream& result_stream(const std::vector<oci::FileIdentity>& outputs);
// Where status lines go while a progress display is shown (empty: straight to stderr).
void set_status_route(std::function<void(std::string_view)> route);

// The line as status() writes it when nothing is in the way: for_display, the timestamp off a
// terminal, a newline. For the progress display.
void write_status_line(std::string_view message);

// "12.3 MB", "512 B".
std::string human_bytes(std::uint64_t bytes);

// "1.2 MB written, 3.4 MB already there": what a push or copy moved and what it found.
std::string bytes_moved(std::uint64_t written, std::uint64_t skipped);

// Seconds since `start`, as "1.23s".
std::string seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace cairn::cli
