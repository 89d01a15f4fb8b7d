// Two tool runs on two threads, their output interleaved line by line through one callback.
#include "assemble/native_build.hpp"

#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "assemble/process.hpp"
#include "oci/digest.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

std::string package_lock_digest(const NpmSection& npm) {
    std::error_code ec;
    auto lock = npm.dir / "package-lock.json";
    if (!fs::exists(lock, ec)) return "none";
    return oci::Digest::of(oci::read_small_file(lock, 256u << 20)).str();
}

// Runs one step; a non-zero exit is a cairn::Error with the tool's last lines.
void run_step(const std::vector<std::string>& argv, ProcessOptions options,
              const std::function<void(std::string_view)>& on_line) {
    options.keep_lines = 20;
    auto result = run_process(argv, options, on_line);
    if (result.exit_status == 0) return;
    // One line (the cli's contract); the lines themselves went through `on_line` as they came
    // and stay on the error for callers that want them.
    std::string last;
    for (auto it = result.tail.rbegin(); it != result.tail.rend() && last.empty(); ++it) {
        if (it->find_first_not_of(" \t") != std::string::npos) last = *it;
    }
    std::string message = "`" + command_text(argv) + "` in " + options.directory.string() +
                          " failed with exit status " + std::to_string(result.exit_status);
    if (!last.empty()) message += ": " + last.substr(last.find_first_not_of(" \t"));
    throw ToolFailure(message, result.exit_status, result.tail);
}

void build_cargo(const CargoSection& cargo, const fs::path& target_dir,
                 const std::function<void(std::string_view)>& on_line) {
    ProcessOptions options{
        .directory = cargo.dir,
        .env = {{"CARGO_TARGET_DIR", target_dir.string()}, {"CARGO_TERM_COLOR", "never"}}};
    run_step(cargo_build_command(cargo), options, on_line);
}

void build_npm(const NpmSection& npm, bool install,
               const std::function<void(std::string_view)>& on_line) {
    ProcessOptions options{.directory = npm.dir, .env = {{"NO_COLOR", "1"}}};
    if (install || npm_install_needed(npm)) {
        run_step({"npm", "ci", "--no-audit", "--no-fund"}, options, on_line);
        // A project without dependencies gets no node_modules from npm: make it, so that the
        // stamp (which travels in the base layer) has a place.
        fs::create_directories(npm.dir / "node_modules");
        oci::TemporaryFile stamp(npm_install_stamp(npm));
        stamp.write(package_lock_digest(npm));
        stamp.commit();
    }
    run_step({"npm", "run", npm.script}, options, on_line);
}

}  // namespace

fs::path profile_directory(const fs::path& target_dir, const std::string& profile) {
    if (profile == "dev" || profile == "test") return target_dir / "debug";
    if (profile == "release" || profile == "bench") return target_dir / "release";
    return target_dir / profile;
}

fs::path target_directory(const CargoSection& cargo, const NativeBuildOptions& options) {
    return options.target_dir.empty() ? cargo.dir / "target" : options.target_dir;
}

std::vector<std::string> cargo_build_command(const CargoSection& cargo) {
    std::vector<std::string> argv{"cargo", "build", "--profile", cargo.profile};
    for (const auto& bin : cargo.bins) {
        argv.push_back("--bin");
        argv.push_back(bin);
    }
    if (!cargo.features.empty()) {
        std::string joined;
        for (const auto& feature : cargo.features) joined += (joined.empty() ? "" : ",") + feature;
        argv.push_back("--features");
        argv.push_back(joined);
    }
    return argv;
}

fs::path npm_install_stamp(const NpmSection& npm) {
    return npm.dir / "node_modules" / ".cairn-package-lock";
}

bool npm_install_needed(const NpmSection& npm) {
    // By content, not mtime: a fresh checkout's lock file is newer than a restored base.
    std::error_code ec;
    auto stamp = npm_install_stamp(npm);
    if (!fs::is_regular_file(stamp, ec)) return true;
    return oci::read_small_file(stamp, 1024) != package_lock_digest(npm);
}

void run_native_build(const BuildConfig& config, const NativeBuildOptions& options,
                      const BuildOutput& output) {
    std::mutex lock;
    auto prefixed = [&](std::string prefix) {
        return [&, prefix](std::string_view line) {
            std::lock_guard guard(lock);
            if (output) output(prefix + std::string(line));
        };
    };
    std::exception_ptr cargo_error;
    std::exception_ptr npm_error;
    std::optional<std::thread> npm_thread;
    if (config.npm) {
        npm_thread.emplace([&] {
            try {
                build_npm(*config.npm, options.npm_install, prefixed("npm| "));
            } catch (...) {
                npm_error = std::current_exception();
            }
        });
    }
    if (config.cargo) {
        try {
            build_cargo(*config.cargo, target_directory(*config.cargo, options),
                        prefixed("cargo| "));
        } catch (...) {
            cargo_error = std::current_exception();
        }
    }
    if (npm_thread) npm_thread->join();
    if (cargo_error) std::rethrow_exception(cargo_error);
    if (npm_error) std::rethrow_exception(npm_error);
}

}  // namespace cairn::assemble
