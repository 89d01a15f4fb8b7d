// fork/execvp with one pipe for stdout and stderr, read line by line until the child ends.
#include "assemble/process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <deque>

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
        for (const auto& [name, value] : merged) env.push_back(name + "=" + value);
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
    }
};

[[noreturn]] void exec_child(const ExecPlan& plan, int out_fd, int error_fd) {
    ::setpgid(0, 0);
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

}  // namespace

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
    pid_t pid = ::fork();
    if (pid < 0) throw Error(system_error_text("cannot start " + argv[0], errno));
    if (pid == 0) exec_child(plan, out_write.get(), err_write.get());
    out_write.reset();
    err_write.reset();

    LineReader reader(on_line, options.keep_lines);
    char buffer[8192];
    for (;;) {
        ssize_t n = ::read(out_read.get(), buffer, sizeof buffer);
        if (n > 0) {
            reader.feed(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    reader.finish();
    int wait_status = 0;
    while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
    }
    int exec_errno = 0;
    if (::read(err_read.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
        throw Error(system_error_text("cannot run " + argv[0] + " (is it installed and on PATH?)",
                                      exec_errno));
    }
    return {.exit_status = status_of(wait_status), .tail = reader.tail()};
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
