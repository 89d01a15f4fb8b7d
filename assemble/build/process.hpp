// Running the project's own tools (cargo, npm, git, the deploy command): no shell, output by line.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::assemble {

struct ProcessResult {
    // The exit code, or 128 + the signal number when a signal ended it.
    int exit_status = 0;
    // The last lines of the merged stdout and stderr (up to the `keep_lines` asked for).
    std::vector<std::string> tail;
};

struct ProcessOptions {
    std::filesystem::path directory;         // empty: the current directory
    std::map<std::string, std::string> env;  // added to (or replacing in) cairn's environment
    std::vector<std::string> unset;          // taken out of it (credentials third parties
                                             // must not see)
    std::size_t keep_lines = 20;
    // Set by another thread to stop this run (see stop_running_processes): a child started
    // after it was set is stopped at once.
    const std::atomic<bool>* cancelled = nullptr;
};

// Runs argv[0] (looked up on PATH) with stdout and stderr merged and stdin from /dev/null;
// `on_line` (may be empty) sees each line as it comes, without its newline. A program that
// cannot be started is a cairn::Error naming it; one that fails is described by the result.
//
// The child runs in a session (and process group) of its own, without a controlling terminal.
// When cairn gets SIGINT, SIGTERM or SIGHUP, the groups of the children running then get
// SIGTERM before cairn ends, so no cargo or npm outlives it. The run ends when the child does:
// what it left running in the background (a deploy command starting a daemon) is not waited
// for, and should send its output elsewhere than the pipe it inherited.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options,
                          const std::function<void(std::string_view line)>& on_line);

// Sends SIGTERM to the process group of every child running now (the other tool of a build
// that failed).
void stop_running_processes();

// The stdout of a short command (`rustc -vV`, `git rev-parse HEAD`), trailing newline removed.
// A start failure or a non-zero exit is a cairn::Error naming the command and its last lines.
std::string capture_output(const std::vector<std::string>& argv,
                           const std::filesystem::path& directory = {});

// "cargo build --release" for messages.
std::string command_text(const std::vector<std::string>& argv);

}  // namespace cairn::assemble
