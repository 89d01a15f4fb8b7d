// Two tool runs on two threads, their output interleaved line by line through one callback.
#include "assemble/build/native_build.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include <toml++/toml.h>

#include "assemble/build/tool_log.hpp"
#include "oci/digest.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/json.hpp"
#include "registry/authenticator.hpp"
#include "registry/child_process.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

std::string package_lock_digest(const NpmSection& npm) {
    std::error_code ec;
    auto lock = npm.dir / "package-lock.json";
    if (!fs::exists(lock, ec)) return "none";
    return oci::Digest::of(oci::read_small_file(lock, 256u << 20)).str();
}

// cargo's build scripts and npm's install scripts are third-party code: the registry token
// cairn was given is not theirs to read.
const std::vector<std::string> kWithheld{registry::kAadTokenVariable};

// A log file's name for a step: "cargo-build.log", "npm-run-build.log".
fs::path log_file(const fs::path& log_dir, const std::vector<std::string>& argv) {
    if (log_dir.empty()) return {};
    std::string name;
    for (std::size_t i = 0; i < argv.size() && i < 3; ++i) {
        if (argv[i].starts_with("-")) break;
        for (char c : argv[i]) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        name += '-';
    }
    name.pop_back();
    return log_dir / (name + ".log");
}

// How errors name a step: as the user would run it, `argv` without what cairn adds, in
// `directory` (the real one, not the build view). Empty: the argv run, in its directory.
struct StepName {
    std::vector<std::string> argv;
    fs::path directory;
};

// Runs one step; a non-zero exit is a ToolFailure naming the tool's first error and the log of
// all its output (in `log_dir`, when given). Once the other tool failed (options.cancelled), no
// step starts.

void run_step(const std::vector<std::string>& argv, registry::ProcessOptions options,
              const std::function<void(std::string_view)>& on_line, const fs::path& log_dir,
              const StepName& shown = {}) {
    const auto& shown_argv = shown.argv.empty() ? argv : shown.argv;
    const auto& shown_directory = shown.directory.empty() ? options.directory : shown.directory;
    if (options.cancelled && options.cancelled->load())
        throw Error("`" + registry::command_text(shown_argv) + "` not started: the other tool failed");
    options.keep_lines = 20;
    ToolLog log(log_file(log_dir, shown_argv));
    auto result = registry::run_process(argv, options, [&](std::string_view line) {
        log.line(line);
        if (on_line) on_line(line);
    });
    if (result.exit_status == 0) return;
    // The lines went by as they came, among warnings: the first error report is said again
    // just above the one error line, which names it too.
    if (on_line && !log.first_errors().empty()) {
        on_line("the first error, again:");
        for (const auto& line : log.first_errors()) on_line("  " + line);
    }
    std::string message = "`" + registry::command_text(shown_argv) + "` in " +
                          shown_directory.string() + " failed with exit status " +
                          std::to_string(result.exit_status);
    if (auto summary = log.summary(result.tail); !summary.empty()) message += ": " + summary;
    throw ToolFailure(message, result.exit_status, result.tail);
}

using Clock = std::chrono::steady_clock;

// Watches cargo's "Compiling NAME vVERSION" lines for when the third-party crates are done.
class DependencyClock {
  public:
    explicit DependencyClock(const WorkspaceNames* workspace) : workspace_(workspace) {}

    void line(std::string_view line) {
        if (workspace_ == nullptr) return;
        auto at = line.find_first_not_of(' ');
        if (at == std::string_view::npos || line.substr(at).rfind("Compiling ", 0) != 0) return;
        auto unit = line.substr(at + 10);
        auto name = unit.substr(0, unit.find(' '));
        if (workspace_->packages.contains(std::string(name))) {
            if (last_dependency_ && !member_after_) member_after_ = Clock::now();
            return;
        }
        dependencies_.emplace_back(unit.substr(0, unit.find(" (")));
        last_dependency_ = Clock::now();
        member_after_.reset();
    }

    void finish(NativeBuildReport& report) const {
        report.dependencies_compiled = dependencies_;
        if (dependencies_.empty()) return;
        auto done = member_after_.value_or(Clock::now());
        report.dependency_seconds = std::chrono::duration<double>(done - start_).count();
    }

  private:
    const WorkspaceNames* workspace_;
    Clock::time_point start_ = Clock::now();
    std::vector<std::string> dependencies_;
    std::optional<Clock::time_point> last_dependency_;
    std::optional<Clock::time_point> member_after_;
};

// cargo's environment: the target directory and CARGO_HOME it is given, no colours, and the
// registry token withheld.
registry::ProcessOptions cargo_process(const CargoSection& cargo, const NativeBuildOptions& options,
                                       const std::atomic<bool>* cancelled) {
    registry::ProcessOptions process{
        .directory = options.cargo_dir.empty() ? cargo.dir : options.cargo_dir,
        .env = {{"CARGO_TARGET_DIR", target_directory(cargo, options).string()},
                {"CARGO_TERM_COLOR", "never"}},
        .unset = kWithheld,
        .cancelled = cancelled};
    if (!options.cargo_home.empty()) process.env["CARGO_HOME"] = options.cargo_home.string();
    return process;
}

void build_cargo(const CargoSection& cargo, const NativeBuildOptions& options,
                 const std::atomic<bool>& cancelled, NativeBuildReport& report,
                 const std::function<void(std::string_view)>& on_line) {
    auto process = cargo_process(cargo, options, &cancelled);
    StepName shown{.argv = cargo_build_command(cargo), .directory = cargo.dir};
    auto argv = shown.argv;
    for (auto& variable : rustflags_environment(options.rustflags))
        process.env.insert(std::move(variable));
    // The JSON messages come on stdout, the human status and diagnostics (rendered) on stderr.
    argv.push_back("--message-format=json-render-diagnostics");
    process.take_stdout_line = [&report](std::string_view line) {
        if (!line.starts_with("{\"reason\":")) return false;
        report.units.read_message(line);
        return true;
    };
    DependencyClock clock(options.workspace);
    run_step(argv, process, [&](std::string_view line) {
        clock.line(line);
        if (on_line) on_line(line);
    }, options.log_dir, shown);
    clock.finish(report);
}

void build_npm(const NpmSection& npm, bool install, bool script, const fs::path& log_dir,
               const std::atomic<bool>& cancelled,
               const std::function<void(std::string_view)>& on_line) {
    registry::ProcessOptions options{.directory = npm.dir,
                                     .env = {{"NO_COLOR", "1"}},
                                     .unset = kWithheld,
                                     .cancelled = &cancelled};
    if (install || npm_install_needed(npm)) {
        run_step({"npm", "ci", "--no-audit", "--no-fund"}, options, on_line, log_dir);
        // A project without dependencies gets no node_modules from npm: make it, so that the
        // stamp (which travels in the base layer) has a place.
        fs::create_directories(npm.dir / "node_modules");
        oci::TemporaryFile stamp(npm_install_stamp(npm));
        stamp.write(package_lock_digest(npm));
        stamp.commit();
    }
    if (script) run_step({"npm", "run", npm.script}, options, on_line, log_dir);
}

// Adds the unit hashes found in the last components of `path` (".../deps/libfoo-HASH.rlib",
// ".../build/foo-HASH/out").
void add_unit_hashes(std::set<std::string>& hashes, std::string_view path) {
    for (int depth = 0; depth < 3 && !path.empty(); ++depth) {
        auto slash = path.rfind('/');
        auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
        if (auto hash = cargo_unit_hash(name); !hash.empty()) hashes.insert(std::move(hash));
        if (slash == std::string_view::npos) break;
        path = path.substr(0, slash);
    }
}

}  // namespace

std::string cargo_unit_hash(std::string_view name) {
    auto stem = name.substr(0, name.find('.'));
    auto dash = stem.rfind('-');
    if (dash == std::string_view::npos) return "";
    auto hash = stem.substr(dash + 1);
    if (hash.size() != 16) return "";
    for (char c : hash) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return "";
    }
    return std::string(hash);
}

void CargoUnits::read_message(std::string_view line) {
    oci::json::Document message;
    message.Parse(line.data(), line.size());
    if (message.HasParseError() || !message.IsObject()) return;
    if (auto files = message.FindMember("filenames");
        files != message.MemberEnd() && files->value.IsArray()) {
        for (const auto& file : files->value.GetArray()) {
            if (file.IsString()) add_unit_hashes(hashes, {file.GetString(), file.GetStringLength()});
        }
    }
    if (auto out_dir = message.FindMember("out_dir");
        out_dir != message.MemberEnd() && out_dir->value.IsString()) {
        add_unit_hashes(hashes, {out_dir->value.GetString(), out_dir->value.GetStringLength()});
    }
}

bool CargoUnits::unused(std::string_view entry) const {
    if (hashes.empty()) return false;
    auto hash = cargo_unit_hash(entry);
    return !hash.empty() && !hashes.contains(hash);
}

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

std::map<std::string, std::string> rustflags_environment(const std::vector<std::string>& rustflags) {
    std::map<std::string, std::string> setting;
    if (rustflags.empty()) return setting;
    if (const char* encoded = std::getenv("CARGO_ENCODED_RUSTFLAGS"); encoded != nullptr) {
        std::string value = encoded;
        for (const auto& flag : rustflags) value += (value.empty() ? "" : "\x1f") + flag;
        setting["CARGO_ENCODED_RUSTFLAGS"] = value;
    } else if (const char* spaced = std::getenv("RUSTFLAGS"); spaced != nullptr) {
        // Said again encoded (cargo splits RUSTFLAGS on spaces, and a path may hold one).
        std::string value;
        std::string_view rest = spaced;
        while (!rest.empty()) {
            auto end = rest.find(' ');
            auto flag = rest.substr(0, end);
            if (!flag.empty()) value += (value.empty() ? "" : "\x1f") + std::string(flag);
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        }
        for (const auto& flag : rustflags) value += (value.empty() ? "" : "\x1f") + flag;
        setting["CARGO_ENCODED_RUSTFLAGS"] = value;
    } else {
        // cargo joins CARGO_BUILD_RUSTFLAGS to build.rustflags of the config files, whether they
        // write it as a string or an array (`--config build.rustflags=[…]` fails on a string).
        // It splits the value on spaces: BuildView refuses a root that holds one.
        const char* own = std::getenv("CARGO_BUILD_RUSTFLAGS");
        std::string value = own != nullptr ? own : "";
        for (const auto& flag : rustflags) value += (value.empty() ? "" : " ") + flag;
        setting["CARGO_BUILD_RUSTFLAGS"] = value;
    }
    return setting;
}

bool WorkspaceNames::owns(std::string_view entry) const {
    // cargo's names end in "-<metadata hash>" and perhaps an extension; the hash never holds a
    // "-", so the name is what comes before the last one.
    auto dash = entry.rfind('-');
    if (dash == std::string_view::npos) return false;
    std::string name(entry.substr(0, dash));
    if (packages.contains(name) || crates.contains(name)) return true;
    return name.starts_with("lib") && crates.contains(name.substr(3));
}

namespace {

const std::vector<std::string> kCargoMetadata{"cargo", "metadata", "--no-deps", "--format-version",
                                              "1",     "--offline"};

// How errors name the document: "the output of `cargo metadata …` in DIR".
std::string cargo_metadata_what(const fs::path& dir) {
    return "the output of `" + registry::command_text(kCargoMetadata) + "` in " + dir.string();
}

}  // namespace

oci::json::Document cargo_metadata(const fs::path& dir) {
    auto output = registry::capture_output(kCargoMetadata, dir);
    // stdout and stderr come merged: the document is the one line that is a JSON object.
    std::string_view document;
    for (std::size_t start = 0; start < output.size();) {
        auto end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        std::string_view line(output.data() + start, end - start);
        if (line.starts_with('{')) document = line;
        start = end + 1;
    }
    auto what = cargo_metadata_what(dir);
    if (document.empty()) throw Error(what + " holds no JSON document");
    return oci::json::parse_object(document, what, 256u << 20);
}

WorkspaceNames workspace_names(const CargoSection& cargo) {
    auto metadata = cargo_metadata(cargo.dir);
    auto what = cargo_metadata_what(cargo.dir);
    WorkspaceNames names;
    names.root = oci::json::required_string(metadata, "workspace_root", what);
    const auto* packages = oci::json::optional_array(metadata, "packages", what);
    if (packages == nullptr) throw Error(what + " lists no packages");
    for (const auto& package : packages->GetArray()) {
        if (!package.IsObject()) throw Error(what + " has a package that is not an object");
        names.packages.insert(oci::json::required_string(package, "name", what));
        const auto* targets = oci::json::optional_array(package, "targets", what);
        if (targets == nullptr) continue;
        for (const auto& target : targets->GetArray()) {
            if (!target.IsObject()) throw Error(what + " has a target that is not an object");
            auto crate = oci::json::required_string(target, "name", what);
            std::replace(crate.begin(), crate.end(), '-', '_');
            names.crates.insert(crate);
        }
    }
    // Path dependencies outside the workspace are the project's code too: they change with its
    // commits (Cargo.lock does not), so they are built with it, never kept in a base. Cargo.lock
    // lists them, with the members, as the packages without a source.
    auto lock = names.root / "Cargo.lock";
    std::error_code ec;
    if (fs::is_regular_file(lock, ec)) {
        try {
            auto document = toml::parse(oci::read_small_file(lock, 256u << 20), lock.string());
            if (const auto* packages = document["package"].as_array()) {
                for (const auto& package : *packages) {
                    const auto* table = package.as_table();
                    if (table == nullptr || table->contains("source")) continue;
                    auto name = (*table)["name"].value<std::string>();
                    if (!name) continue;
                    names.packages.insert(*name);
                    std::replace(name->begin(), name->end(), '-', '_');
                    names.crates.insert(*name);
                }
            }
        } catch (const toml::parse_error& error) {
            throw Error(lock.string() + " is not valid TOML: " + std::string(error.description()));
        }
    }
    return names;
}

std::optional<std::string> fetch_cargo_sources(const CargoSection& cargo,
                                               const NativeBuildOptions& options) {
    const std::vector<std::string> argv{"cargo", "fetch"};
    auto result = registry::run_process(argv, cargo_process(cargo, options, nullptr), {});
    if (result.exit_status == 0) return std::nullopt;
    std::string last;
    for (const auto& line : result.tail) {
        if (line.find_first_not_of(' ') != std::string::npos) last = line;
    }
    return "`cargo fetch` in " + cargo.dir.string() + " failed with exit status " +
           std::to_string(result.exit_status) + (last.empty() ? "" : ": " + last);
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

NativeBuildReport run_native_build(const BuildConfig& config, const NativeBuildOptions& options,
                                   const BuildOutput& output) {
    NativeBuildReport report;
    std::mutex lock;
    auto prefixed = [&](std::string prefix) {
        return [&, prefix](std::string_view line) {
            std::lock_guard guard(lock);
            if (output) output(prefix + std::string(line));
        };
    };
    // The first failure is the one reported, and it stops the other tool: its SIGTERM is a
    // consequence, not news, and waiting for it to finish would only delay the report.
    std::exception_ptr first_error;
    std::atomic<bool> cancelled = false;
    auto failed = [&](std::exception_ptr error) {
        std::lock_guard guard(lock);
        if (first_error) return;
        first_error = std::move(error);
        cancelled = true;  // before the stop: a child registered after it reads the flag
        registry::stop_running_children();
    };
    std::optional<std::thread> npm_thread;
    bool install_only = options.skip_npm && options.npm_install_for_base;
    if (config.npm && (!options.skip_npm || (install_only && npm_install_needed(*config.npm)))) {
        npm_thread.emplace([&] {
            try {
                build_npm(*config.npm, options.npm_install, !options.skip_npm, options.log_dir,
                          cancelled, prefixed("npm| "));
            } catch (...) {
                failed(std::current_exception());
            }
        });
    }
    if (config.cargo && !options.skip_cargo) {
        try {
            build_cargo(*config.cargo, options, cancelled, report, prefixed("cargo| "));
        } catch (...) {
            failed(std::current_exception());
        }
    }
    if (npm_thread) npm_thread->join();
    if (first_error) std::rethrow_exception(first_error);
    return report;
}

}  // namespace cairn::assemble
