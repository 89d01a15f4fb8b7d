// A build step's input key, and its records in the local cache.
#include "assemble/build/build_step.hpp"

#include <algorithm>
#include <array>
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

// What the walk of npm.dir leaves out, by paths relative to it.
TarOptions tree_options(const NpmSection& npm, const StepContext& context,
                        std::vector<std::string>& notes) {
    std::vector<std::string> prefixes;  // inside npm.dir, never inputs
    auto add_outside = [&](const fs::path& path) {
        auto relative = relative_to(path, npm.dir);
        if (relative.empty() || relative == ".") return;
        if (relative == ".." || relative.starts_with("../")) return;
        prefixes.push_back(relative);
    };
    add_outside(npm.output);
    for (const auto& path : context.outside) add_outside(path);

    struct Rules {
        IgnoreRules rules;
        std::string prefix;  // of npm.dir, from the rules' directory ("" for npm.dir itself)
    };
    std::vector<Rules> all;
    auto npm_from_project = relative_to(npm.dir, context.project_dir);
    auto prefix_of = [](const std::string& relative) {
        return relative.empty() || relative == "." ? std::string() : relative + "/";
    };
    if (auto rules = load_ignore_rules(context.project_dir); !rules.empty())
        all.push_back({std::move(rules), prefix_of(npm_from_project)});
    if (auto rules = gitignore_rules(context.project_dir / ".gitignore", notes))
        all.push_back({std::move(*rules), prefix_of(npm_from_project)});
    if (fs::path(npm.dir).lexically_normal() != fs::path(context.project_dir).lexically_normal()) {
        if (auto rules = gitignore_rules(npm.dir / ".gitignore", notes))
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
    for (const auto& line : lines) text += "\n" + line;
    return "npm-" + hashed(text);
}

StepInputs npm_step_inputs(const NpmSection& npm, const StepContext& context,
                           const oci::BlobStore& store) {
    StepInputs inputs;
    std::vector<std::string> notes;
    auto options = tree_options(npm, context, notes);
    auto tree = tree_diff_id({.trees = {{npm.dir, "/"}}}, options, store);
    inputs.lines.push_back("tree " + tree.diff_id.str());
    inputs.lines.insert(inputs.lines.end(), notes.begin(), notes.end());
    const std::vector<std::string> node{"node", "--version"};
    inputs.lines.push_back("node " + (context.node_version.empty()
                                          ? tool_version(node, npm.dir)
                                          : version_line(node, context.node_version)));
    inputs.lines.push_back("npm " + npm_version(npm.dir));
    inputs.lines.push_back("script " + npm.script);
    inputs.lines.push_back("dir " + relative_to(npm.dir, context.project_dir));
    inputs.lines.push_back("output " + relative_to(npm.output, context.project_dir));
    std::vector<std::string> variables;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto name = text.substr(0, text.find('='));
        if (npm_reads_variable(name)) variables.emplace_back(name);
    }
    variables.insert(variables.end(), npm.env_inputs.begin(), npm.env_inputs.end());
    std::sort(variables.begin(), variables.end());
    variables.erase(std::unique(variables.begin(), variables.end()), variables.end());
    for (const auto& name : variables) {
        const char* value = std::getenv(name.c_str());
        inputs.lines.push_back("env " + name + (value ? " " + hashed(value) : " unset"));
    }
    return inputs;
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
        std::istringstream text(oci::read_small_file(path, 512));
        std::string diff_id, digest, compression;
        std::int64_t size = -1;
        text >> diff_id >> digest >> size >> compression;
        if (!oci::Digest::is_valid(diff_id) || !oci::Digest::is_valid(digest) || size < 0)
            return std::nullopt;
        return StepRecord{.layer = {.diff_id = oci::Digest::parse(diff_id),
                                    .digest = oci::Digest::parse(digest),
                                    .size = size,
                                    .compression = parse_compression(compression)}};
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
