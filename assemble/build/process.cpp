// fork/execvp with one pipe for stdout and stderr, read line by line until the child ends;
// the children's process groups are remembered so that a signal to cairn reaches them.
#include "assemble/build/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>

#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace {

using oci::UniqueFd;

int status_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 255;
}

// Everything the child needs, made before fork: after it only async-signal-safe calls.
struct ExecPlan {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::string directory;

    ExecPlan(const std::vector<std::string>& arguments, const ProcessOptions& options)
        : args(arguments), directory(options.directory.string()) {
        std::map<std::string, std::string> merged;
        for (char** e = environ; *e; ++e) {
            std::string_view entry(*e);
            auto eq = entry.find('=');
            if (eq == std::string_view::npos) continue;
            merged[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
        }
        for (const auto& [name, value] : options.env) merged[name] = value;
        for (const auto& name : options.unset) merged.erase(name);
        for (const auto& [name, value] : merged) env.push_back(name + "=" + value);
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
    }
};

// The process groups of the children running now, read by the signal handler: a fixed array
// of atomics, as a handler may touch nothing else.
std::array<std::atomic<pid_t>, 16> running_groups{};
constexpr std::array kForwardedSignals{SIGINT, SIGTERM, SIGHUP};

// The group, and the child itself in case it has not made its group yet (setsid).
void stop_group(pid_t pgid, int signal_number) {
    ::kill(-pgid, signal_number);
    ::kill(pgid, signal_number);
}

void stop_groups() {
    for (auto& group : running_groups) {
        pid_t pgid = group.load();
        if (pgid > 0) stop_group(pgid, SIGTERM);
    }
}

extern "C" void on_stop_signal(int signal_number) {
    stop_groups();
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
}

void install_stop_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        sigemptyset(&action.sa_mask);
        for (int signal_number : kForwardedSignals) {
            struct sigaction previous {};
            ::sigaction(signal_number, nullptr, &previous);
            if (previous.sa_handler == SIG_IGN) continue;  // under nohup: stays ignored
            ::sigaction(signal_number, &action, nullptr);
        }
    });
}

// The forwarded signals, held off while a child is forked and registered (so none comes
// between the two), restored when it goes out of scope.
class SignalBlock {
  public:
    SignalBlock() {
        sigset_t set;
        sigemptyset(&set);
        for (int signal_number : kForwardedSignals) sigaddset(&set, signal_number);
        ::pthread_sigmask(SIG_BLOCK, &set, &previous_);
    }
    ~SignalBlock() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;
    const sigset_t& previous() const { return previous_; }

  private:
    sigset_t previous_{};
};

// A child's process group in running_groups for as long as it runs; destroyed before the child
// is reaped, so that a signal never reaches a reused process id.
class RunningGroup {
  public:
    explicit RunningGroup(pid_t pgid) {
        for (auto& group : running_groups) {
            pid_t expected = 0;
            if (group.compare_exchange_strong(expected, pgid)) {
                slot_ = &group;
                return;
            }
        }
    }
    ~RunningGroup() { release(); }
    void release() {
        if (slot_) slot_->store(0);
        slot_ = nullptr;
    }
    RunningGroup(const RunningGroup&) = delete;
    RunningGroup& operator=(const RunningGroup&) = delete;

  private:
    std::atomic<pid_t>* slot_ = nullptr;
};

// Only async-signal-safe calls between fork and exec: cairn has other threads.
[[noreturn]] void exec_child(const ExecPlan& plan, sigset_t mask, pid_t parent, int out_fd,
                             int error_fd) {
    // A session of its own: a group cairn can stop as a whole, and no controlling terminal, so
    // a tool asking on /dev/tty (an ssh passphrase) fails at once instead of stopping unseen.
    ::setsid();
    // Should cairn die in the instant between this fork and the child's registration (a
    // signal handled on another thread), the child goes with it.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(128 + SIGTERM);
    for (int signal_number : kForwardedSignals) {
        ::signal(signal_number, SIG_DFL);
        sigdelset(&mask, signal_number);
    }
    ::pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    bool ok = null_fd >= 0 && ::dup2(null_fd, 0) >= 0 && ::dup2(out_fd, 1) >= 0 &&
              ::dup2(out_fd, 2) >= 0 &&
              (plan.directory.empty() || ::chdir(plan.directory.c_str()) == 0);
    if (ok) ::execvpe(plan.argv[0], plan.argv.data(), plan.envp.data());
    int error = errno;
    [[maybe_unused]] auto n = ::write(error_fd, &error, sizeof error);
    ::_exit(127);
}

class LineReader {
  public:
    LineReader(const std::function<void(std::string_view)>& on_line, std::size_t keep)
        : on_line_(on_line), keep_(keep) {}
    void feed(const char* data, std::size_t size) {
        pending_.append(data, size);
        std::size_t start = 0;
        for (auto nl = pending_.find('\n'); nl != std::string::npos;
             nl = pending_.find('\n', start)) {
            emit(std::string_view(pending_).substr(start, nl - start));
            start = nl + 1;
        }
        pending_.erase(0, start);
    }
    void finish() {
        if (!pending_.empty()) emit(pending_);
        pending_.clear();
    }
    std::vector<std::string> tail() const { return {lines_.begin(), lines_.end()}; }

  private:
    void emit(std::string_view line) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (on_line_) on_line_(line);
        if (keep_ == 0) return;
        lines_.emplace_back(line);
        if (lines_.size() > keep_) lines_.pop_front();
    }
    const std::function<void(std::string_view)>& on_line_;
    std::size_t keep_;
    std::string pending_;
    std::deque<std::string> lines_;
};

// Reads the child's output until it ends. With a pidfd the end is the child's exit (then what
// is already in the pipe is drained): a grandchild left running in the background with the
// pipe open cannot hold cairn. Without one (old kernels), until the pipe's end-of-file.
void read_until_exit(pid_t pid, int fd, LineReader& reader) {
    char buffer[8192];
    auto read_some = [&]() -> bool {  // false at end-of-file or when nothing is there now
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) reader.feed(buffer, static_cast<std::size_t>(n));
        return n > 0 || (n < 0 && errno == EINTR);
    };
    // By syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrapper cannot link.
    UniqueFd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!exited) {
        while (read_some()) {
        }
        return;
    }
    std::array<pollfd, 2> watch{pollfd{.fd = fd, .events = POLLIN, .revents = 0},
                                pollfd{.fd = exited.get(), .events = POLLIN, .revents = 0}};
    for (;;) {
        if (::poll(watch.data(), watch.size(), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (watch[1].revents != 0) break;
        if (watch[0].revents != 0 && !read_some()) return;  // end-of-file: the child is done
    }
    // What the child wrote before it ended, and no more: a daemon it started may go on writing.
    int left = 0;
    if (::ioctl(fd, FIONREAD, &left) != 0) return;
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    while (left > 0) {
        ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, static_cast<std::size_t>(left)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        reader.feed(buffer, static_cast<std::size_t>(n));
        left -= static_cast<int>(n);
    }
}

// Owns a started child: unless reap() saw it end, the destructor (an exception on the way: a
// line callback that threw) stops its group and reaps it, so no child outlives its run.
class ChildGuard {
  public:
    explicit ChildGuard(pid_t pid) : pid_(pid), running_(pid) {}
    ~ChildGuard() {
        if (reaped_) return;
        stop_group(pid_, SIGKILL);
        running_.release();
        int ignored = 0;
        while (::waitpid(pid_, &ignored, 0) < 0 && errno == EINTR) {
        }
    }
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;

    // Waits for the child's end and gives its exit status as ProcessResult tells it.
    int reap(const std::string& name) {
        running_.release();
        int wait_status = 0;
        pid_t result = 0;
        while ((result = ::waitpid(pid_, &wait_status, 0)) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        if (result < 0) throw Error(system_error_text("cannot wait for " + name, errno));
        return status_of(wait_status);
    }

  private:
    pid_t pid_;
    RunningGroup running_;
    bool reaped_ = false;
};

}  // namespace

void stop_running_processes() {
    stop_groups();
}

std::string command_text(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& a : argv) text += (text.empty() ? "" : " ") + a;
    return text;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options,
                          const std::function<void(std::string_view line)>& on_line) {
    if (argv.empty()) throw Error("no command to run");
    ExecPlan plan(argv, options);
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw Error(system_error_text("cannot create a pipe", errno));
    UniqueFd out_read(out[0]), out_write(out[1]);
    if (::pipe2(err, O_CLOEXEC) != 0) throw Error(system_error_text("cannot create a pipe", errno));
    UniqueFd err_read(err[0]), err_write(err[1]);
    install_stop_handlers();
    std::unique_ptr<ChildGuard> child;
    pid_t pid = 0;
    {
        SignalBlock block;
        pid_t parent = ::getpid();
        pid = ::fork();
        if (pid < 0) throw Error(system_error_text("cannot start " + argv[0], errno));
        if (pid == 0) exec_child(plan, block.previous(), parent, out_write.get(), err_write.get());
        child = std::make_unique<ChildGuard>(pid);
    }
    // Registered first, then the flag read: a canceller that set it before reading the
    // registrations is seen here, one that set it after sees this child (both seq_cst).
    if (options.cancelled && options.cancelled->load()) stop_group(pid, SIGTERM);
    out_write.reset();
    err_write.reset();

    LineReader reader(on_line, options.keep_lines);
    read_until_exit(pid, out_read.get(), reader);
    reader.finish();
    int exit_status = child->reap(argv[0]);
    int exec_errno = 0;
    if (::read(err_read.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
        throw Error(system_error_text("cannot run " + argv[0] + " (is it installed and on PATH?)",
                                      exec_errno));
    }
    return {.exit_status = exit_status, .tail = reader.tail()};
}

std::string capture_output(const std::vector<std::string>& argv,
                           const std::filesystem::path& directory) {
    std::string text;
    ProcessOptions options{.directory = directory, .keep_lines = 5};
    auto result = run_process(argv, options, [&](std::string_view line) {
        text.append(line);
        text += '\n';
    });
    if (result.exit_status != 0) {
        std::string last = result.tail.empty() ? "" : ": " + result.tail.back();
        throw Error("`" + command_text(argv) + "` failed with exit status " +
                    std::to_string(result.exit_status) + last);
    }
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

}  // namespace cairn::assemble
