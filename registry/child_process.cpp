// fork/execvp with pipes, a poll loop bounded by a deadline, and a guard that always reaps.
#include "registry/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::registry {

namespace {

using Clock = std::chrono::steady_clock;
using oci::UniqueFd;

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

int status_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 255;
}

// Writing to a child that has stopped reading must give EPIPE, not kill cairn with SIGPIPE; the
// process-wide disposition belongs to the program, so only this thread's mask is changed.
class SigpipeBlocked {
  public:
    SigpipeBlocked() {
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &block, &previous_);
    }
    ~SigpipeBlocked() {
        if (raised_ && !sigismember(&previous_, SIGPIPE)) {
            sigset_t pending;
            sigemptyset(&pending);
            sigaddset(&pending, SIGPIPE);
            timespec zero{0, 0};
            while (sigtimedwait(&pending, nullptr, &zero) > 0) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    SigpipeBlocked(const SigpipeBlocked&) = delete;
    SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;
    const sigset_t& previous() const { return previous_; }
    void note_raised() { raised_ = true; }

  private:
    sigset_t previous_;
    bool raised_ = false;
};

// Owns a started child: unless wait() saw it end, the destructor kills its group and reaps it.
class ChildGuard {
  public:
    explicit ChildGuard(pid_t pid) : pid_(pid) {}
    ~ChildGuard() {
        if (!reaped_) kill_and_reap();
    }
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;

    // Waits until `deadline` for the exit; false if it did not come.
    bool wait_until(Clock::time_point deadline, int& status) {
        for (;;) {
            int wait_status = 0;
            pid_t r = ::waitpid(pid_, &wait_status, WNOHANG);
            if (r == pid_) {
                reaped_ = true;
                status = status_of(wait_status);
                return true;
            }
            if (r < 0 && errno != EINTR) {
                reaped_ = true;  // not ours to reap any more (e.g. SIGCHLD ignored)
                status = 255;
                return true;
            }
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    void kill_and_reap() {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        int ignored = 0;
        while (::waitpid(pid_, &ignored, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
    }

  private:
    pid_t pid_;
    bool reaped_ = false;
};

[[noreturn]] void exec_child(char* const* args, const Pipe& in, const Pipe& out, const Pipe& err,
                             const Pipe& exec_error, const sigset_t& mask) {
    // Only async-signal-safe calls between fork and exec: cairn may have other threads.
    ::setpgid(0, 0);
    if (::dup2(in.read.get(), 0) < 0 || ::dup2(out.write.get(), 1) < 0 ||
        ::dup2(err.write.get(), 2) < 0) {
        int error = errno;
        [[maybe_unused]] auto n = ::write(exec_error.write.get(), &error, sizeof error);
        ::_exit(127);
    }
    ::signal(SIGPIPE, SIG_DFL);
    ::sigprocmask(SIG_SETMASK, &mask, nullptr);
    ::execvp(args[0], args);
    int error = errno;
    [[maybe_unused]] auto n = ::write(exec_error.write.get(), &error, sizeof error);
    ::_exit(127);
}

// Reads what is there; false at end of file or on a read error.
bool drain(UniqueFd& fd, std::string& into, std::size_t max_output, bool& truncated) {
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n > 0) {
            std::size_t room = max_output > into.size() ? max_output - into.size() : 0;
            if (static_cast<std::size_t>(n) > room) truncated = true;
            into.append(buffer, std::min(room, static_cast<std::size_t>(n)));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        fd.reset();
        return false;
    }
}

// Feeds stdin and collects stdout/stderr until both close or the deadline passes.
bool exchange(UniqueFd& in, UniqueFd& out, UniqueFd& err, std::string_view input,
              Clock::time_point deadline, std::size_t max_output, ChildResult& result,
              SigpipeBlocked& sigpipe) {
    std::size_t written = 0;
    if (input.empty()) in.reset();
    while (out || err) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd fds[3];
        nfds_t count = 0;
        for (UniqueFd* fd : {&out, &err}) {
            if (*fd) fds[count++] = pollfd{fd->get(), POLLIN, 0};
        }
        if (in) fds[count++] = pollfd{in.get(), POLLOUT, 0};
        int ready = ::poll(fds, count, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (ready < 0 && errno != EINTR) throw Error(system_error_text("poll", errno));
        if (ready <= 0) continue;
        if (in) {
            ssize_t n = ::write(in.get(), input.data() + written, input.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
            if (n < 0 && errno == EPIPE) sigpipe.note_raised();
            bool retry = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
            if (written == input.size() || (n < 0 && !retry)) in.reset();  // EOF for the child
        }
        if (out) drain(out, result.out, max_output, result.output_truncated);
        if (err) drain(err, result.err, max_output, result.output_truncated);
    }
    return true;
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv, std::string_view input,
                      std::chrono::milliseconds timeout, std::size_t max_output) {
    if (argv.empty()) throw Error("run_child: no program given");
    std::vector<std::string> storage(argv);
    std::vector<char*> args;
    for (auto& arg : storage) args.push_back(arg.data());
    args.push_back(nullptr);

    Pipe in = make_pipe(), out = make_pipe(), err = make_pipe(), exec_error = make_pipe();
    SigpipeBlocked sigpipe;
    auto deadline = Clock::now() + timeout;
    pid_t pid = ::fork();
    if (pid < 0) throw Error(system_error_text("cannot start " + argv[0], errno));
    if (pid == 0) exec_child(args.data(), in, out, err, exec_error, sigpipe.previous());

    ChildGuard child(pid);
    ::setpgid(pid, pid);  // also here, so that a kill of the group cannot race the child's own call
    in.read.reset();
    out.write.reset();
    err.write.reset();
    exec_error.write.reset();

    ChildResult result;
    int exec_errno = 0;
    ssize_t n;
    do {
        n = ::read(exec_error.read.get(), &exec_errno, sizeof exec_errno);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof exec_errno)) {
        result.start_errno = exec_errno;
        child.wait_until(Clock::now() + std::chrono::seconds(5), result.exit_status);
        return result;
    }
    result.started = true;

    set_nonblocking(in.write.get());
    set_nonblocking(out.read.get());
    set_nonblocking(err.read.get());
    bool finished =
        exchange(in.write, out.read, err.read, input, deadline, max_output, result, sigpipe);
    if (finished) finished = child.wait_until(deadline, result.exit_status);
    if (!finished) {
        child.kill_and_reap();
        result.timed_out = true;
    }
    return result;
}

}  // namespace cairn::registry
