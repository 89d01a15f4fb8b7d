// What the program tells its user: status lines on stderr (timestamped when not a terminal).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::cli {

// One line of status on stderr; with a timestamp when stderr is not a terminal (CI logs).
void status(std::string_view message);

// "12.3 MB", "512 B".
std::string human_bytes(std::uint64_t bytes);

// "1.2 MB written, 3.4 MB already there": what a push or copy moved and what it found.
std::string bytes_moved(std::uint64_t written, std::uint64_t skipped);

// Seconds since `start`, as "1.23s".
std::string seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace cairn::cli
