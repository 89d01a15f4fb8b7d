// Running other programs: credential helpers here, cargo, npm, git and deploy commands for the
// build. One runner for all of them (no shell, a process group of its own, always reaped,
// stopped with cairn); registry/ is the lowest room that needs one, so it lives here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::registry {

struct ChildOptions {
    std::filesystem::path directory;         // empty: the current directory
    std::map<std::string, std::string> env;  // added to (or replacing in) cairn's environment
    std::vector<std::string> unset;          // taken out of it (credentials third parties
                                             // must not see)
    std::string input;                       // written to stdin, then closed (empty: EOF at once)
    bool merge_stderr = true;                // stderr joins stdout; else it is read apart
    // A session of its own (no controlling terminal: a tool asking on /dev/tty fails at once
    // instead of stopping unseen), else only a process group of its own.
    bool own_session = true;
    // When it passes, the child's process group is killed and the run says timed_out.
    std::optional<std::chrono::milliseconds> timeout;
    // Set by another thread to stop this run (see stop_running_children): a child started
    // after it was set is stopped at once.
    const std::atomic<bool>* cancelled = nullptr;
};

// What a child writes, as it comes; `err` is called only when stderr is read apart.
class ChildOutput {
  public:
    virtual ~ChildOutput() = default;
    virtual void out(std::string_view bytes) = 0;
    virtual void err(std::string_view bytes) = 0;
};

struct ChildStatus {
    // False when the program could not be started (not on PATH, not executable): see start_errno.
    bool started = false;
    int start_errno = 0;
    bool timed_out = false;
    // The exit code, or 128 + the signal number when a signal ended it.
    int exit_status = 0;
};

// Runs argv[0] (looked up on PATH). Throws cairn::Error only when the system refuses (pipe,
// fork); a program that fails or cannot start is described by the status.
//
// When cairn gets SIGINT, SIGTERM or SIGHUP, the groups of the children running then get
// SIGTERM before cairn ends, and a child whose cairn dies gets SIGTERM too, so none outlives
// it. The run ends when the child does: what it left running in the background (a deploy
// command starting a daemon) is not waited for, only what was already in the pipes is read.
// An exception from `output` kills the child's group and reaps it before it propagates.
ChildStatus run_child(const std::vector<std::string>& argv, const ChildOptions& options,
                      ChildOutput& output);

// Sends SIGTERM to the process group of every child running now (the other tool of a build
// that failed).
void stop_running_children();

// --- Captured output (credential helpers) ---

struct ChildResult : ChildStatus {
    std::string out;
    std::string err;
    // True when stdout or stderr went past `max_output` (the rest was read and dropped).
    bool output_truncated = false;
};

// Runs argv[0] with `input` on its stdin and stdout and stderr kept apart, each up to
// `max_output` bytes, in a process group of its own; killed when `timeout` passes.
ChildResult run_child(const std::vector<std::string>& argv, std::string_view input,
                      std::chrono::milliseconds timeout, std::size_t max_output);

// --- Output by line (the build's tools) ---

struct ProcessOptions {
    std::filesystem::path directory;
    std::map<std::string, std::string> env;
    std::vector<std::string> unset;
    std::size_t keep_lines = 20;
    const std::atomic<bool>* cancelled = nullptr;
    // Sees each stdout line first; a line it takes (returns true for: cargo's JSON messages)
    // goes neither to `on_line` nor into the tail. Set, stdout and stderr are read apart, so
    // that a long line of one is never cut by a line of the other.
    std::function<bool(std::string_view line)> take_stdout_line;
};

struct ProcessResult {
    // The exit code, or 128 + the signal number when a signal ended it.
    int exit_status = 0;
    // The last lines of stdout and stderr, as they came (up to the `keep_lines` asked for).
    std::vector<std::string> tail;
};

// Runs argv[0] in a session of its own with stdout and stderr merged (see take_stdout_line)
// and an empty stdin; `on_line` (may be empty) sees each line as it comes, without its newline. A program that
// cannot be started is a cairn::Error naming it; one that fails is described by the result.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options,
                          const std::function<void(std::string_view line)>& on_line);

// The stdout of a short command (`rustc -vV`, `git rev-parse HEAD`), trailing newline removed.
// A start failure or a non-zero exit is a cairn::Error naming the command and its last lines.
std::string capture_output(const std::vector<std::string>& argv,
                           const std::filesystem::path& directory = {});

// "cargo build --release" for messages.
std::string command_text(const std::vector<std::string>& argv);

}  // namespace cairn::registry
