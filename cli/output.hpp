// What the program tells its user: status lines on stderr (timestamped when not a terminal).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <iosfwd>
#include <vector>

#include "oci/file.hpp"

namespace cairn::cli {

// One line of status on stderr; with a timestamp when stderr is not a terminal (CI logs).
void status(std::string_view message);

// Where a command's result line goes: standard output, unless an output it just wrote is
// standard output itself (`--to /dev/stdout`, `oci-archive:/dev/stdout`): then stderr, so the
// line does not end up inside the bytes.
std::ostream& result_stream(const std::vector<oci::FileIdentity>& outputs);

// "12.3 MB", "512 B".
std::string human_bytes(std::uint64_t bytes);

// "1.2 MB written, 3.4 MB already there": what a push or copy moved and what it found.
std::string bytes_moved(std::uint64_t written, std::uint64_t skipped);

// Seconds since `start`, as "1.23s".
std::string seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace cairn::cli
