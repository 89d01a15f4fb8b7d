// fork/execvpe with pipes and a pidfd, one poll loop for input, output, the child's end and a
// deadline; the children's process groups are remembered so that a signal to cairn reaches them.
#include "registry/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/interrupt.hpp"
#include "registry/trace.hpp"

namespace cairn::registry {

namespace {

using SteadyClock = std::chrono::steady_clock;
using oci::UniqueFd;

int status_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 255;
}

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(system_error_text("cannot create a pipe", errno));
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        throw Error(system_error_text("cannot configure a pipe", errno));
    }
}

// Everything the child needs, made before fork: after it only async-signal-safe calls.
struct ExecPlan {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::string directory;
    bool own_session;

    ExecPlan(const std::vector<std::string>& arguments, const ChildOptions& options)
        : args(arguments), directory(options.directory.string()), own_session(options.own_session) {
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

// The process groups of the children running now, read by the interrupt handler: a fixed array
// of atomics, as a handler may touch nothing else.
std::array<std::atomic<pid_t>, 16> running_groups{};
constexpr auto kForwardedSignals = oci::kInterruptSignals;

// The group, and the child itself in case it has not made its group yet.
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

// cairn's one handler for SIGINT, SIGTERM and SIGHUP (oci/interrupt) stops the children first,
// then removes cairn's temporary files and ends cairn by the same signal.
void install_stop_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        oci::add_interrupt_hook(stop_groups);
        oci::install_interrupt_handler();
    });
}

// Signals held off in this thread for as long as it lives, the mask restored after: the
// forwarded ones while a child is forked and registered (so none comes between the two),
// SIGPIPE while a child runs (one that stops reading its stdin gives EPIPE, not the death of
// cairn; the process-wide disposition belongs to the program).
class SignalBlock {
  public:
    explicit SignalBlock(std::span<const int> signals) {
        sigset_t set;
        sigemptyset(&set);
        for (int signal_number : signals) sigaddset(&set, signal_number);
        ::pthread_sigmask(SIG_BLOCK, &set, &previous_);
        takes_pipe_ = sigismember(&set, SIGPIPE) && !sigismember(&previous_, SIGPIPE);
    }
    ~SignalBlock() {
        // A SIGPIPE raised while it was blocked is taken, not delivered on unblocking.
        if (takes_pipe_) {
            sigset_t pipe;
            sigemptyset(&pipe);
            sigaddset(&pipe, SIGPIPE);
            timespec zero{0, 0};
            while (::sigtimedwait(&pipe, nullptr, &zero) > 0) {
            }
        }
        ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;
    const sigset_t& previous() const { return previous_; }

  private:
    sigset_t previous_{};
    bool takes_pipe_ = false;
};

// A child's process group in running_groups for as long as it runs; released before the child
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

// Owns a started child: unless reap() saw it end, the destructor (an exception on the way)
// kills its group and reaps it, so no child outlives its run.
class ChildGuard {
  public:
    explicit ChildGuard(pid_t pid) : pid_(pid), running_(pid) {}
    ~ChildGuard() {
        if (!reaped_) kill_and_reap();
    }
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;

    pid_t pid() const { return pid_; }

    int reap() {
        running_.release();
        int wait_status = 0;
        pid_t result = 0;
        while ((result = ::waitpid(pid_, &wait_status, 0)) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        if (result < 0) return 255;  // not ours to reap any more (SIGCHLD ignored)
        return status_of(wait_status);
    }

    // Waits for the end until `deadline` (without one, as long as it takes); false if it did
    // not come. Only without a pidfd can the child still run here (it closed its output).
    bool wait_until(std::optional<SteadyClock::time_point> deadline, int& status) {
        if (!deadline) {
            status = reap();
            return true;
        }
        for (;;) {
            int wait_status = 0;
            pid_t r = ::waitpid(pid_, &wait_status, WNOHANG);
            if (r == pid_ || (r < 0 && errno != EINTR)) {
                running_.release();
                reaped_ = true;
                status = r == pid_ ? status_of(wait_status) : 255;
                return true;
            }
            if (SteadyClock::now() >= *deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    void kill_and_reap() {
        stop_group(pid_, SIGKILL);
        reap();
    }

  private:
    pid_t pid_;
    RunningGroup running_;
    bool reaped_ = false;
};

struct ChildPipes {
    Pipe in, out, err, exec_error;
};

// Only async-signal-safe calls between fork and exec: cairn has other threads.
[[noreturn]] void exec_child(const ExecPlan& plan, sigset_t mask, pid_t parent,
                             const ChildPipes& pipes, bool merge_stderr) {
    if (plan.own_session) {
        ::setsid();
    } else {
        ::setpgid(0, 0);
    }
    // Should cairn die in the instant between this fork and the child's registration (a
    // signal handled on another thread), the child goes with it.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(128 + SIGTERM);
    for (int signal_number : kForwardedSignals) {
        ::signal(signal_number, SIG_DFL);
        sigdelset(&mask, signal_number);
    }
    ::signal(SIGPIPE, SIG_DFL);
    sigdelset(&mask, SIGPIPE);
    ::pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    int err_fd = merge_stderr ? pipes.out.write.get() : pipes.err.write.get();
    bool ok = ::dup2(pipes.in.read.get(), 0) >= 0 && ::dup2(pipes.out.write.get(), 1) >= 0 &&
              ::dup2(err_fd, 2) >= 0 &&
              (plan.directory.empty() || ::chdir(plan.directory.c_str()) == 0);
    if (ok) ::execvpe(plan.argv[0], plan.argv.data(), plan.envp.data());
    int error = errno;
    [[maybe_unused]] auto n = ::write(pipes.exec_error.write.get(), &error, sizeof error);
    ::_exit(127);
}

// One output pipe of the child: read what is there, to the end or up to `limit` bytes.
struct OutputPipe {
    UniqueFd fd;
    bool is_err;

    // False at end of file or on a read error (the pipe is closed then).
    bool read_available(ChildOutput& output, std::size_t limit = SIZE_MAX) {
        char buffer[8192];
        while (limit > 0) {
            ssize_t n = ::read(fd.get(), buffer, std::min(sizeof buffer, limit));
            if (n > 0) {
                limit -= static_cast<std::size_t>(n);
                std::string_view bytes(buffer, static_cast<std::size_t>(n));
                is_err ? output.err(bytes) : output.out(bytes);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
            fd.reset();
            return false;
        }
        return true;
    }

    // What the child wrote before it ended, and no more: a daemon it started may go on writing.
    void read_rest(ChildOutput& output) {
        int left = 0;
        if (fd && ::ioctl(fd.get(), FIONREAD, &left) == 0 && left > 0) {
            read_available(output, static_cast<std::size_t>(left));
        }
    }
};

// The exchange with a started child until it ends (or, without a pidfd on old kernels, until its
// output pipes close) or the deadline passes; false on the deadline.
bool exchange(pid_t pid, UniqueFd& in, std::string_view input, std::vector<OutputPipe>& outputs,
              std::optional<SteadyClock::time_point> deadline, ChildOutput& output) {
    // By syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrapper cannot link.
    UniqueFd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    std::size_t written = 0;
    if (input.empty()) in.reset();
    for (;;) {
        bool open_outputs = std::any_of(outputs.begin(), outputs.end(),
                                        [](const OutputPipe& pipe) { return bool(pipe.fd); });
        if (!exited && !open_outputs) return true;
        int wait_ms = -1;
        if (deadline) {
            auto left =
                std::chrono::ceil<std::chrono::milliseconds>(*deadline - SteadyClock::now());
            if (left.count() <= 0) return false;
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 1000));
        }
        std::array<pollfd, 4> fds{};
        std::array<int, 4> roles{};  // -1 stdin, -2 the pidfd, else an index into outputs
        nfds_t count = 0;
        auto watch = [&](int fd, short events, int role) {
            fds[count] = pollfd{.fd = fd, .events = events, .revents = 0};
            roles[count++] = role;
        };
        if (in) watch(in.get(), POLLOUT, -1);
        if (exited) watch(exited.get(), POLLIN, -2);
        for (std::size_t i = 0; i < outputs.size(); ++i) {
            if (outputs[i].fd) watch(outputs[i].fd.get(), POLLIN, static_cast<int>(i));
        }
        int ready = ::poll(fds.data(), count, wait_ms);
        if (ready < 0 && errno != EINTR) throw Error(system_error_text("poll", errno));
        if (ready <= 0) continue;
        bool ended = false;
        for (nfds_t i = 0; i < count; ++i) {
            if (fds[i].revents == 0) continue;
            if (roles[i] == -2) {
                ended = true;
            } else if (roles[i] == -1) {
                ssize_t n = ::write(in.get(), input.data() + written, input.size() - written);
                if (n > 0) written += static_cast<std::size_t>(n);
                bool retry = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
                if (written == input.size() || (n < 0 && !retry)) in.reset();  // EOF for it
            } else {
                outputs[static_cast<std::size_t>(roles[i])].read_available(output);
            }
        }
        if (ended) {
            for (auto& pipe : outputs) pipe.read_rest(output);
            return true;
        }
    }
}

}  // namespace

void stop_running_children() {
    stop_groups();
}

ChildStatus run_child(const std::vector<std::string>& argv, const ChildOptions& options,
                      ChildOutput& output) {
    if (argv.empty()) throw Error("no program to run");
    if (tracing()) {
        trace("run " + command_text(argv) +
              (options.directory.empty() ? "" : " (in " + options.directory.string() + ")"));
    }
    ExecPlan plan(argv, options);
    ChildPipes pipes{make_pipe(), make_pipe(), make_pipe(), make_pipe()};
    install_stop_handlers();
    std::optional<SteadyClock::time_point> deadline;
    if (options.timeout) deadline = SteadyClock::now() + *options.timeout;

    constexpr std::array kPipe{SIGPIPE};
    SignalBlock pipe_block(kPipe);
    std::unique_ptr<ChildGuard> child;
    pid_t pid = 0;
    {
        SignalBlock block(kForwardedSignals);
        pid_t parent = ::getpid();
        pid = ::fork();
        if (pid < 0) throw Error(system_error_text("cannot start " + argv[0], errno));
        if (pid == 0) exec_child(plan, block.previous(), parent, pipes, options.merge_stderr);
        child = std::make_unique<ChildGuard>(pid);
    }
    // Also here, so that a kill of the group cannot race the child's own call.
    if (!options.own_session) ::setpgid(pid, pid);
    // Registered first, then the flag read: a canceller that set it before reading the
    // registrations is seen here, one that set it after sees this child (both seq_cst).
    if (options.cancelled && options.cancelled->load()) stop_group(pid, SIGTERM);
    pipes.in.read.reset();
    pipes.out.write.reset();
    pipes.err.write.reset();
    pipes.exec_error.write.reset();

    ChildStatus status;
    int exec_errno = 0;
    ssize_t n;
    do {
        n = ::read(pipes.exec_error.read.get(), &exec_errno, sizeof exec_errno);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof exec_errno)) {
        status.start_errno = exec_errno;
        status.exit_status = child->reap();
        return status;
    }
    status.started = true;

    std::vector<OutputPipe> outputs;
    outputs.push_back({std::move(pipes.out.read), false});
    if (!options.merge_stderr) outputs.push_back({std::move(pipes.err.read), true});
    for (auto& pipe : outputs) set_nonblocking(pipe.fd.get());
    set_nonblocking(pipes.in.write.get());
    bool ended = exchange(pid, pipes.in.write, options.input, outputs, deadline, output) &&
                 child->wait_until(deadline, status.exit_status);
    if (!ended) {
        child->kill_and_reap();
        status.timed_out = true;
        status.exit_status = 128 + SIGKILL;
    }
    return status;
}

// --- Captured output ---

namespace {

class CapturedOutput : public ChildOutput {
  public:
    CapturedOutput(ChildResult& result, std::size_t max) : result_(result), max_(max) {}
    void out(std::string_view bytes) override { keep(result_.out, bytes); }
    void err(std::string_view bytes) override { keep(result_.err, bytes); }

  private:
    void keep(std::string& into, std::string_view bytes) {
        std::size_t room = max_ > into.size() ? max_ - into.size() : 0;
        if (bytes.size() > room) result_.output_truncated = true;
        into.append(bytes.substr(0, room));
    }
    ChildResult& result_;
    std::size_t max_;
};

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv, std::string_view input,
                      std::chrono::milliseconds timeout, std::size_t max_output) {
    ChildResult result;
    CapturedOutput output(result, max_output);
    ChildOptions options{.input = std::string(input),
                         .merge_stderr = false,
                         .own_session = false,
                         .timeout = timeout};
    static_cast<ChildStatus&>(result) = run_child(argv, options, output);
    return result;
}

// --- Output by line ---

namespace {

class LineOutput : public ChildOutput {
  public:
    LineOutput(const std::function<void(std::string_view)>& on_line,
               const std::function<bool(std::string_view)>& take_out, std::size_t keep)
        : on_line_(on_line), take_out_(take_out), keep_(keep) {}
    void out(std::string_view bytes) override { split(out_, bytes, true); }
    void err(std::string_view bytes) override { split(err_, bytes, false); }
    void finish() {
        if (!out_.empty()) emit(out_, true);
        if (!err_.empty()) emit(err_, false);
        out_.clear();
        err_.clear();
    }
    std::vector<std::string> tail() const { return {lines_.begin(), lines_.end()}; }

  private:
    // Each stream keeps its own partial line.
    void split(std::string& pending, std::string_view bytes, bool from_stdout) {
        pending.append(bytes);
        std::size_t start = 0;
        for (auto nl = pending.find('\n'); nl != std::string::npos;
             nl = pending.find('\n', start)) {
            emit(std::string_view(pending).substr(start, nl - start), from_stdout);
            start = nl + 1;
        }
        pending.erase(0, start);
    }
    void emit(std::string_view line, bool from_stdout) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (from_stdout && take_out_ && take_out_(line)) return;
        if (on_line_) on_line_(line);
        if (keep_ == 0) return;
        lines_.emplace_back(line);
        if (lines_.size() > keep_) lines_.pop_front();
    }
    const std::function<void(std::string_view)>& on_line_;
    const std::function<bool(std::string_view)>& take_out_;
    std::size_t keep_;
    std::string out_;
    std::string err_;
    std::deque<std::string> lines_;
};

}  // namespace

std::string command_text(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& a : argv) text += (text.empty() ? "" : " ") + a;
    return text;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options,
                          const std::function<void(std::string_view line)>& on_line) {
    if (argv.empty()) throw Error("no command to run");
    LineOutput output(on_line, options.take_stdout_line, options.keep_lines);
    ChildOptions child{.directory = options.directory,
                       .env = options.env,
                       .unset = options.unset,
                       .merge_stderr = !options.take_stdout_line,
                       .cancelled = options.cancelled};
    auto status = run_child(argv, child, output);
    if (!status.started) {
        throw Error(system_error_text("cannot run " + argv[0] + " (is it installed and on PATH?)",
                                      status.start_errno));
    }
    output.finish();
    return {.exit_status = status.exit_status, .tail = output.tail()};
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

}  // namespace cairn::registry
