// Runs a program to completion with bounded time and output: input on stdin, stdout and stderr
// captured, no shell. Credential helpers are its only user so far, hence its place in registry/.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::registry {

struct ChildResult {
    // False when the program could not be started (not on PATH, not executable): see start_errno.
    bool started = false;
    int start_errno = 0;
    // True when the deadline passed: the program and its process group were killed.
    bool timed_out = false;
    // The exit code, or 128 + the signal number when a signal ended it.
    int exit_status = 0;
    std::string out;
    std::string err;
    // True when stdout or stderr went past `max_output` (the rest was read and dropped).
    bool output_truncated = false;
};

// Runs argv[0] (looked up on PATH) with `input` on its stdin. The child gets its own process
// group so that a timeout also stops whatever it started (a shell script's `sleep`). Always
// reaps the child before returning or throwing. Throws cairn::Error only when the system
// refuses (pipe, fork); a program that fails is described by the result.
ChildResult run_child(const std::vector<std::string>& argv, std::string_view input,
                      std::chrono::milliseconds timeout, std::size_t max_output);

}  // namespace cairn::registry
