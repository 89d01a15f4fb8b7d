// A build step's input key, and its records in the local cache.
#include "assemble/build/build_step.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <cstdlib>
#include <sstream>

#include <unistd.h>

#include "assemble/layer/ignore_rules.hpp"
#include "assemble/layer/layer_cache.hpp"
#include "oci/digest.hpp"
#include "oci/error.hpp"
#include "oci/json.hpp"
#include "oci/text.hpp"
#include "registry/child_process.hpp"

extern char** environ;

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

// Part of every key: bump it when what a key covers changes, so that no old record matches.
constexpr const char* kStepKeyFormat = "cairn step key 1";

std::string trimmed(std::string_view text) {
    return std::string(oci::trimmed(text));
}

// The last line a tool printed that is not blank (npm may warn before its version).
std::string version_line(const std::vector<std::string>& argv, const std::string& output) {
    std::string last;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (auto text = trimmed(line); !text.empty()) last = text;
    }
    if (last.empty()) throw Error("`" + registry::command_text(argv) + "` printed no version");
    return last;
}

std::string tool_version(const std::vector<std::string>& argv, const fs::path& directory) {
    return version_line(argv, registry::capture_output(argv, directory));
}

// The program `name` resolves to on PATH, as a shell would find it; empty when none does.
fs::path find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string_view rest = path ? path : "";
    while (true) {
        auto end = rest.find(':');
        auto directory = rest.substr(0, end);
        auto candidate = fs::path(directory.empty() ? "." : std::string(directory)) / name;
        if (::access(candidate.c_str(), X_OK) == 0) {
            std::error_code ec;
            if (fs::is_regular_file(candidate, ec)) return candidate;
        }
        if (end == std::string_view::npos) return {};
        rest = rest.substr(end + 1);
    }
}

// npm's version as `npm --version` prints it, read from the package.json of the npm that PATH
// names (npm is a node program: starting it costs about 0.3 s, most of a no-change build's
// overhead). When that is not found, npm is asked.
std::string npm_version(const fs::path& directory) {
    auto program = find_on_path("npm");
    std::error_code ec;
    auto real = program.empty() ? fs::path() : fs::canonical(program, ec);
    if (!ec && !real.empty()) {
        auto dir = real.parent_path();
        for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path()) {
            auto manifest = dir / "package.json";
            if (!fs::is_regular_file(manifest, ec)) continue;
            try {
                auto document = oci::json::parse_object(oci::read_small_file(manifest, 1 << 20),
                                                        manifest.string(), 1 << 20);
                if (oci::json::optional_string(document, "name", manifest.string()) != "npm")
                    continue;
                if (auto version = oci::json::optional_string(document, "version",
                                                              manifest.string())) {
                    return *version;
                }
            } catch (const Error&) {
                // Not npm's: ask npm below.
            }
            break;
        }
    }
    return tool_version({"npm", "--version"}, directory);
}

std::string relative_to(const fs::path& path, const fs::path& base) {
    return path.lexically_normal().lexically_relative(base.lexically_normal()).generic_string();
}

// Ignore rules read from a file of the project, or none when it is absent; a file cairn cannot
// parse counts as none with a warning, since git, not cairn, is its reader.
std::optional<IgnoreRules> gitignore_rules(const fs::path& file, std::vector<std::string>& notes) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return std::nullopt;
    try {
        return IgnoreRules::parse(gitignore_as_docker_rules(oci::read_small_file(file, 1u << 20)),
                                  file.string());
    } catch (const Error& error) {
        notes.push_back(std::string("tree: ") + file.filename().string() + " not read (" +
                        error.what() + ")");
        return std::nullopt;
    }
}

// What the walk of a step's directory `dir` leaves out, by paths relative to it: `outputs` (the
// step's own), the context's outside paths, tool directories and what the ignore files name.
TarOptions tree_options(const fs::path& dir, const std::vector<fs::path>& outputs,
                        const StepContext& context, std::vector<std::string>& notes) {
    std::vector<std::string> prefixes;  // inside dir, never inputs
    auto add_outside = [&](const fs::path& path) {
        auto relative = relative_to(path, dir);
        if (relative.empty() || relative == ".") return;
        if (relative == ".." || relative.starts_with("../")) return;
        prefixes.push_back(relative);
    };
    for (const auto& path : outputs) add_outside(path);
    for (const auto& path : context.outside) add_outside(path);

    struct Rules {
        IgnoreRules rules;
        std::string prefix;  // of dir, from the rules' directory ("" for dir itself)
    };
    std::vector<Rules> all;
    auto dir_from_project = relative_to(dir, context.project_dir);
    auto prefix_of = [](const std::string& relative) {
        return relative.empty() || relative == "." ? std::string() : relative + "/";
    };
    if (auto rules = load_ignore_rules(context.project_dir); !rules.empty())
        all.push_back({std::move(rules), prefix_of(dir_from_project)});
    if (auto rules = gitignore_rules(context.project_dir / ".gitignore", notes))
        all.push_back({std::move(*rules), prefix_of(dir_from_project)});
    if (fs::path(dir).lexically_normal() != fs::path(context.project_dir).lexically_normal()) {
        if (auto rules = gitignore_rules(dir / ".gitignore", notes))
            all.push_back({std::move(*rules), ""});
    }

    TarOptions options;
    options.outputs = context.outputs;
    options.ignore = [prefixes, all](const std::string& relative, bool is_directory) {
        auto slash = relative.rfind('/');
        auto name = slash == std::string::npos ? relative : relative.substr(slash + 1);
        if (is_directory && is_tool_directory(name)) return true;
        for (const auto& prefix : prefixes) {
            if (relative == prefix || relative.starts_with(prefix + "/")) return true;
        }
        return std::any_of(all.begin(), all.end(), [&](const Rules& rules) {
            return rules.rules.ignored(rules.prefix + relative, is_directory);
        });
    };
    return options;
}

std::string hashed(std::string_view value) {
    return std::string(oci::Digest::of(value).hex().substr(0, 24));
}

// The tree's line of a key: `dir` walked (through the stat index, so an unchanged tree is not
// read) without `outputs`, then what the walk noted.
void add_tree(StepInputs& inputs, const fs::path& dir, const std::vector<fs::path>& outputs,
              const StepContext& context, const oci::BlobStore& store) {
    std::vector<std::string> notes;
    auto options = tree_options(dir, outputs, context, notes);
    auto tree = tree_diff_id({.trees = {{dir, "/"}}}, options, store);
    inputs.lines.push_back("tree " + tree.diff_id.str());
    inputs.lines.insert(inputs.lines.end(), notes.begin(), notes.end());
}

// The lines of the environment variables `reads` picks, and of `named`, by hashed value.
void add_variables(StepInputs& inputs, bool (*reads)(std::string_view),
                   std::vector<std::string> named) {
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto name = text.substr(0, text.find('='));
        if (reads(name)) named.emplace_back(name);
    }
    std::sort(named.begin(), named.end());
    named.erase(std::unique(named.begin(), named.end()), named.end());
    for (const auto& line : variable_lines(named)) inputs.lines.push_back("env " + line);
}

// A variable name cairn keeps: letters, digits and '_', not starting with a digit (what a
// shell can set; anything else a crate might name is passed over).
bool is_variable_name(std::string_view name) {
    if (name.empty() || name.size() > 256 || (name.front() >= '0' && name.front() <= '9'))
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_';
    });
}

// "NAME <24 hex>" or "NAME unset", as variable_lines writes them.
bool is_variable_line(std::string_view line) {
    auto space = line.find(' ');
    if (space == std::string_view::npos || !is_variable_name(line.substr(0, space))) return false;
    auto value = line.substr(space + 1);
    if (value == "unset") return true;
    return value.size() == 24 && value.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The variable names in a file cargo or rustc wrote: on each line that starts with one of
// `prefixes`, what follows up to a '=' or the line's end. A file that cannot be read gives none.
void read_variable_names(const fs::path& file, std::initializer_list<std::string_view> prefixes,
                         std::vector<std::string>& names) {
    std::string text;
    try {
        text = oci::read_small_file(file, 64u << 20);
    } catch (const Error&) {
        return;
    }
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        for (auto prefix : prefixes) {
            if (!line.starts_with(prefix)) continue;
            auto rest = std::string_view(line).substr(prefix.size());
            auto name = trimmed(rest.substr(0, rest.find('=')));
            if (is_variable_name(name)) names.push_back(name);
        }
    }
}

}  // namespace

bool npm_reads_variable(std::string_view name) {
    if (name == "NODE_ENV") return true;
    constexpr std::array prefixes{"NEXT_PUBLIC_", "VITE_", "REACT_APP_", "PUBLIC_"};
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [name](const char* prefix) { return name.starts_with(prefix); });
}

bool is_tool_directory(std::string_view name) {
    constexpr std::array names{"node_modules", ".next", ".nuxt", ".svelte-kit",
                               ".turbo",       ".parcel-cache", ".git"};
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string gitignore_as_docker_rules(std::string_view text) {
    std::string out;
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto pattern = trimmed(line);
        if (pattern.empty() || pattern.starts_with('#')) continue;
        bool exception = pattern.starts_with('!');
        if (exception) pattern.erase(0, 1);
        while (pattern.size() > 1 && pattern.back() == '/') pattern.pop_back();
        if (pattern.empty() || pattern == "/") continue;
        bool anchored = pattern.find('/') != std::string::npos;
        if (pattern.starts_with('/')) pattern.erase(0, 1);
        if (!anchored && !pattern.starts_with("**")) pattern = "**/" + pattern;
        out += (exception ? "!" : "") + pattern + "\n";
    }
    return out;
}

std::string StepInputs::key() const {
    std::string text = kStepKeyFormat;
    text += "\n" + kind;
    for (const auto& line : lines) text += "\n" + line;
    return kind + "-" + hashed(text);
}

StepInputs npm_step_inputs(const NpmSection& npm, const StepContext& context,
                           const oci::BlobStore& store) {
    StepInputs inputs{.kind = "npm"};
    add_tree(inputs, npm.dir, {npm.output}, context, store);
    const std::vector<std::string> node{"node", "--version"};
    inputs.lines.push_back("node " + (context.node_version.empty()
                                          ? tool_version(node, npm.dir)
                                          : version_line(node, context.node_version)));
    inputs.lines.push_back("npm " + npm_version(npm.dir));
    inputs.lines.push_back("script " + npm.script);
    inputs.lines.push_back("dir " + relative_to(npm.dir, context.project_dir));
    inputs.lines.push_back("output " + relative_to(npm.output, context.project_dir));
    add_variables(inputs, npm_reads_variable, npm.env_inputs);
    return inputs;
}

bool cargo_reads_variable(std::string_view name) {
    constexpr std::array names{"RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTDOCFLAGS",
                               "CARGO_INCREMENTAL", "SOURCE_DATE_EPOCH", "CC", "CXX", "AR",
                               "CFLAGS", "CXXFLAGS", "LDFLAGS", "TARGET_CC", "HOST_CC"};
    if (std::find(names.begin(), names.end(), name) != names.end()) return true;
    constexpr std::array prefixes{"RUSTC", "CARGO_BUILD_", "CARGO_PROFILE_", "CARGO_TARGET_",
                                  "CC_", "CXX_", "AR_", "CFLAGS_", "CXXFLAGS_", "PKG_CONFIG"};
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [name](const char* prefix) { return name.starts_with(prefix); });
}

StepInputs cargo_step_inputs(const CargoSection& cargo, const StepContext& context,
                             const oci::BlobStore& store, std::string_view base_key) {
    StepInputs inputs{.kind = "bin"};
    add_tree(inputs, cargo.dir, {}, context, store);
    inputs.lines.push_back("cargo " + tool_version({"cargo", "--version"}, cargo.dir));
    inputs.lines.push_back("base " + std::string(base_key));
    inputs.lines.push_back("dir " + relative_to(cargo.dir, context.project_dir));
    inputs.lines.push_back("profile " + cargo.profile);
    for (const auto& bin : cargo.bins) inputs.lines.push_back("bin " + bin);
    add_variables(inputs, cargo_reads_variable, {});
    return inputs;
}

std::vector<std::string> cargo_read_variables(const fs::path& profile_dir,
                                              const WorkspaceNames& workspace) {
    std::vector<std::string> names;
    // Every unit of the workspace's there counts, an earlier build's too: cargo reports a
    // binary's unit by its uplifted name, without the hash its dep-info file has, and reading
    // one variable too many only costs a run where the variable differs.
    std::error_code ec;
    for (fs::directory_iterator it(profile_dir / "deps", ec), end; !ec && it != end;
         it.increment(ec)) {
        auto name = it->path().filename().string();
        // rustc's `# env-dep:NAME` or `# env-dep:NAME=VALUE`.
        if (name.ends_with(".d") && workspace.owns(name) && it->is_regular_file(ec))
            read_variable_names(it->path(), {"# env-dep:"}, names);
    }
    for (fs::directory_iterator it(profile_dir / "build", ec), end; !ec && it != end;
         it.increment(ec)) {
        // A build script's declarations; `cargo::` is cargo 1.77's form.
        if (workspace.owns(it->path().filename().string())) {
            read_variable_names(it->path() / "output",
                                {"cargo:rerun-if-env-changed=", "cargo::rerun-if-env-changed="},
                                names);
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::vector<std::string> variable_lines(const std::vector<std::string>& names) {
    std::vector<std::string> lines;
    for (const auto& name : names) {
        const char* value = std::getenv(name.c_str());
        lines.push_back(name + (value ? " " + hashed(value) : " unset"));
    }
    return lines;
}

std::string join_variable_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
    return text;
}

std::optional<std::vector<std::string>> parse_variable_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        auto end = text.find('\n');
        auto line = text.substr(0, end);
        if (!is_variable_line(line)) return std::nullopt;
        lines.emplace_back(line);
        if (end == std::string_view::npos) break;
        text = text.substr(end + 1);
    }
    return lines;
}

std::optional<std::string> StepRecord::changed_variable() const {
    for (const auto& line : variables) {
        auto name = line.substr(0, line.find(' '));
        if (variable_lines({name}).front() != line) return name;
    }
    return std::nullopt;
}

StepRecords::StepRecords(const fs::path& cache_dir, const fs::path& project_dir,
                         const std::string& step)
    : records_(cache_dir / kStepRecordsDirectory),
      checkout_(cache_dir / kStepRecordsDirectory / "checkouts" /
                (hashed(fs::path(project_dir).lexically_normal().string()) + "-" + hashed(step))) {
}

std::optional<StepRecord> read_step_record(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    try {
        std::istringstream text(oci::read_small_file(path, 64u << 10));
        std::string first;
        std::getline(text, first);
        std::istringstream fields(first);
        std::string diff_id, digest, compression;
        std::int64_t size = -1;
        fields >> diff_id >> digest >> size >> compression;
        if (!oci::Digest::is_valid(diff_id) || !oci::Digest::is_valid(digest) || size < 0)
            return std::nullopt;
        StepRecord record{.layer = {.diff_id = oci::Digest::parse(diff_id),
                                    .digest = oci::Digest::parse(digest),
                                    .size = size,
                                    .compression = parse_compression(compression)}};
        for (std::string line; std::getline(text, line);) {
            if (!line.starts_with("env ") || !is_variable_line(line.substr(4))) return std::nullopt;
            record.variables.push_back(line.substr(4));
        }
        return record;
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::optional<StepRecord> StepRecords::find(const std::string& key,
                                            const oci::BlobStore& store) const {
    auto record = read_step_record(records_ / key);
    if (!record || !store.has(record->layer.digest, record->layer.size)) return std::nullopt;
    store.touch(record->layer.digest);
    return record;
}

void StepRecords::remember(const std::string& key, const StepRecord& record) const {
    fs::create_directories(records_);
    oci::TemporaryFile file(records_ / key);
    file.write(record.layer.diff_id.str() + " " + record.layer.digest.str() + " " +
               std::to_string(record.layer.size) + " " +
               std::string(compression_name(record.layer.compression)) + "\n");
    for (const auto& line : record.variables) file.write("env " + line + "\n");
    file.commit();
}

std::optional<std::string> StepRecords::last_run_here() const {
    std::error_code ec;
    if (!fs::is_regular_file(checkout_, ec)) return std::nullopt;
    try {
        auto key = trimmed(oci::read_small_file(checkout_, 128));
        if (key.empty()) return std::nullopt;
        return key;
    } catch (const Error&) {
        return std::nullopt;
    }
}

void StepRecords::ran_here(const std::string& key) const {
    fs::create_directories(checkout_.parent_path());
    oci::TemporaryFile file(checkout_);
    file.write(key + "\n");
    file.commit();
}

}  // namespace cairn::assemble
