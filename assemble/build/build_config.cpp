// Reading cairn.toml into a BuildConfig, checking every key and value on the way.
#include "assemble/build/build_config.hpp"

#include <algorithm>
#include <cctype>

#include "assemble/build/config_table.hpp"
#include "assemble/build/tag_template.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "registry/reference.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxConfigSize = 1 << 20;

// The keys each table accepts: the parser checks against these, and accepted_config_keys()
// lists them (docs/config.md must describe every one; a test holds it to that).
const std::vector<std::string_view> kRootKeys = {"image", "cargo", "npm", "files", "profiles"};
const std::vector<std::string_view> kImageKeys = {"name",    "base", "entrypoint", "cmd",  "workdir",
                                                  "user",    "env",  "ports",      "labels"};
const std::vector<std::string_view> kCargoKeys = {"dir", "profile", "bins", "features"};
const std::vector<std::string_view> kNpmKeys = {"dir", "script", "output", "env_inputs"};
const std::vector<std::string_view> kFilesKeys = {"src", "dest"};
const std::vector<std::string_view> kProfileKeys = {"registry", "tag", "deploy"};

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// One path component of a repository name: [a-z0-9]+ joined by '.', '_', '__' or '-'+.
bool is_name_component(std::string_view part) {
    if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) {
        return false;
    }
    std::size_t i = 0;
    while (i < part.size()) {
        if (is_lower_alnum(part[i])) {
            ++i;
            continue;
        }
        std::size_t end = part.find_first_of("abcdefghijklmnopqrstuvwxyz0123456789", i);
        std::string_view separator = part.substr(i, end - i);
        bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
        if (!dashes && separator != "." && separator != "_" && separator != "__") return false;
        i = end;
    }
    return true;
}

bool is_repository_name(std::string_view name) {
    std::size_t start = 0;
    while (true) {
        auto slash = name.find('/', start);
        if (!is_name_component(name.substr(start, slash - start))) return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

bool is_port(const std::string& port) {
    auto slash = port.find('/');
    std::string number = port.substr(0, slash);
    std::string protocol = slash == std::string::npos ? "tcp" : port.substr(slash + 1);
    if (number.empty() || number.size() > 5 ||
        number.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    unsigned long value = std::stoul(number);
    return value >= 1 && value <= 65535 &&
           (protocol == "tcp" || protocol == "udp" || protocol == "sctp");
}

// `relative` against `base`, normalized, without a trailing separator.
fs::path resolve(const fs::path& base, const fs::path& relative) {
    fs::path out = (base / relative).lexically_normal();
    if (!out.has_filename() && out != out.root_path()) out = out.parent_path();
    return out;
}

}  // namespace

std::optional<fs::path> outside_project(const fs::path& project_dir, const fs::path& path) {
    auto inside = [](const fs::path& base, const fs::path& candidate) {
        fs::path relative = candidate.lexically_relative(base);
        return !relative.empty() && *relative.begin() != "..";
    };
    if (!inside(project_dir, path)) return path;
    if (path == project_dir) return std::nullopt;
    // The directories are resolved, as the kernel resolves them when the file is opened; the
    // last name is not, as a layer stores a link as a link (never what it points to).
    std::error_code error;
    auto project = fs::weakly_canonical(project_dir, error);
    if (error) project = project_dir;
    auto resolved = fs::weakly_canonical(path.parent_path(), error);
    if (error) resolved = path.parent_path();
    resolved /= path.filename();
    if (!inside(project, resolved) && resolved != project) return resolved;
    return std::nullopt;
}

void check_inside_project(const fs::path& project_dir, const fs::path& path,
                          const std::string& key, const std::string& value) {
    auto outside = outside_project(project_dir, path);
    if (!outside) return;
    std::string through = *outside == path ? "" : " (through a symbolic link it is " +
                                                      outside->string() + ")";
    throw Error(key + " \"" + value + "\" is outside the project directory " +
                project_dir.string() + through + "; copy it into the project");
}

namespace {

ImageReference read_base(const ConfigTable& image, const fs::path& project_dir) {
    std::string text = image.required_string("base");
    ImageReference base;
    try {
        base = ImageReference::parse(text);
    } catch (const Error& error) {
        image.fail(image.find("base"), "image.base: " + std::string(error.what()));
    }
    bool has_path = base.transport == ImageReference::Transport::oci ||
                    base.transport == ImageReference::Transport::oci_archive ||
                    base.transport == ImageReference::Transport::docker_archive;
    if (has_path) base.path = resolve(project_dir, base.path);
    return base;
}

ImageSection read_image(const ConfigTable& root, const fs::path& project_dir) {
    auto image = root.table("image", kImageKeys);
    if (!image) throw Error(root.file() + ": missing required table [image]");
    ImageSection out;
    out.name = image->required_string("name");
    if (!is_repository_name(out.name)) {
        image->fail(image->find("name"),
                    "image.name \"" + out.name +
                        "\" is not a repository name: lowercase letters and digits, separated "
                        "by '.', '_', '__', '-' or '/'");
    }
    out.base = read_base(*image, project_dir);
    out.entrypoint = image->strings("entrypoint");
    out.cmd = image->strings("cmd");
    out.workdir = image->string("workdir");
    out.user = image->string("user");
    for (auto& [name, value] :
         image->string_map("env").value_or(std::map<std::string, std::string>{})) {
        if (name.empty() || name.find('=') != std::string::npos) {
            image->fail(image->find("env"),
                        "image.env name \"" + name + "\" must be non-empty and without '='");
        }
        out.env.emplace_back(name, value);
    }
    out.ports = image->strings("ports").value_or(std::vector<std::string>{});
    for (const auto& port : out.ports) {
        if (!is_port(port)) {
            image->fail(image->find("ports"), "image.ports entry \"" + port +
                                                  "\" must be PORT/PROTOCOL (tcp, udp or sctp), "
                                                  "e.g. \"8080/tcp\"");
        }
    }
    out.labels = image->string_map("labels").value_or(std::map<std::string, std::string>{});
    return out;
}

std::optional<CargoSection> read_cargo(const ConfigTable& root, const fs::path& project_dir) {
    auto cargo = root.table("cargo", kCargoKeys);
    if (!cargo) return std::nullopt;
    CargoSection out;
    out.dir = resolve(project_dir, cargo->string("dir").value_or("."));
    if (cargo->find("profile")) out.profile = cargo->required_string("profile");
    auto bins = cargo->strings("bins");
    if (!bins) {
        cargo->fail(nullptr, "missing required key \"cargo.bins\" (the binaries to install)");
    }
    if (bins->empty()) cargo->fail(cargo->find("bins"), "cargo.bins must name at least one binary");
    for (const auto& bin : *bins) {
        if (bin.empty() || bin == "." || bin == ".." || bin.find('/') != std::string::npos) {
            cargo->fail(cargo->find("bins"),
                        "cargo.bins entry \"" + bin + "\" is not a binary name");
        }
    }
    out.bins = *bins;
    out.features = cargo->strings("features").value_or(std::vector<std::string>{});
    return out;
}

std::optional<NpmSection> read_npm(const ConfigTable& root, const fs::path& project_dir) {
    auto npm = root.table("npm", kNpmKeys);
    if (!npm) return std::nullopt;
    NpmSection out;
    out.dir = resolve(project_dir, npm->required_string("dir"));
    if (npm->find("script")) out.script = npm->required_string("script");
    fs::path output = npm->required_string("output");
    if (output.is_absolute()) {
        npm->fail(npm->find("output"),
                  "npm.output \"" + output.string() + "\" must be a path relative to npm.dir");
    }
    out.output = resolve(out.dir, output);
    if (auto names = npm->strings("env_inputs")) {
        for (const auto& name : *names) {
            bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                         std::all_of(name.begin(), name.end(), [](unsigned char c) {
                             return std::isalnum(c) || c == '_';
                         });
            if (!valid) {
                npm->fail(npm->find("env_inputs"), "npm.env_inputs holds \"" + name +
                                                       "\", which is not a variable name");
            }
        }
        out.env_inputs = std::move(*names);
    }
    try {
        check_inside_project(project_dir, out.output, "npm.output", output.string());
    } catch (const Error& error) {
        npm->fail(npm->find("output"), error.what());
    }
    return out;
}

std::vector<ExtraFile> read_files(const ConfigTable& root, const fs::path& project_dir) {
    std::vector<ExtraFile> out;
    for (const ConfigTable& entry : root.tables("files", kFilesKeys)) {
        ExtraFile file;
        std::string src = entry.required_string("src");
        file.src = resolve(project_dir, src);
        try {
            check_inside_project(project_dir, file.src, "files.src", src);
        } catch (const Error& error) {
            entry.fail(entry.find("src"), error.what());
        }
        file.dest = entry.required_string("dest");
        if (file.dest.front() != '/') {
            entry.fail(entry.find("dest"), "files.dest \"" + file.dest +
                                               "\" must be an absolute path in the image, e.g. /" +
                                               file.dest);
        }
        out.push_back(std::move(file));
    }
    return out;
}

bool is_profile_name(std::string_view env) {
    return !env.empty() && env.find_first_not_of(
                               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_.-") == std::string_view::npos;
}

Profile read_profile(const ConfigTable& profiles, const std::string& env, const std::string& name) {
    auto table = profiles.table(env, kProfileKeys);
    if (!is_profile_name(env)) {
        profiles.fail(profiles.find(env),
                      "profile name \"" + env + "\" must be letters, digits, '_', '.' or '-'");
    }
    Profile out{.env = env,
                .registry = table->required_string("registry"),
                .tag = table->required_string("tag"),
                .deploy = table->string("deploy")};
    try {
        (void)registry::Reference::parse(out.registry + "/" + name);
    } catch (const Error& error) {
        table->fail(table->find("registry"),
                    table->key_name("registry") + " \"" + out.registry +
                        "\" is not a registry (HOST[:PORT][/PATH], no scheme): " + error.what());
    }
    try {
        check_tag_template(out.tag);
    } catch (const Error& error) {
        table->fail(table->find("tag"), table->key_name("tag") + ": " + error.what());
    }
    if (out.deploy) {
        try {
            check_deploy_command(*out.deploy);
        } catch (const Error& error) {
            table->fail(table->find("deploy"), table->key_name("deploy") + ": " + error.what());
        }
    }
    return out;
}

std::map<std::string, Profile> read_profiles(const ConfigTable& root, const std::string& name) {
    std::map<std::string, Profile> out;
    auto profiles = root.table("profiles", {});
    if (!profiles) return out;
    for (const std::string& env : profiles->keys())
        out.emplace(env, read_profile(*profiles, env, name));
    return out;
}

toml::table parse_toml(std::string_view text, const std::string& file_name) {
    try {
        return toml::parse(text, file_name);
    } catch (const toml::parse_error& error) {
        const auto& begin = error.source().begin;
        throw Error(file_name + ":" + std::to_string(begin.line) + ":" +
                    std::to_string(begin.column) +
                    ": TOML syntax error: " + std::string(error.description()));
    }
}

}  // namespace

std::vector<std::string> accepted_config_keys() {
    std::vector<std::string> keys;
    auto add = [&keys](const std::string& table, const std::vector<std::string_view>& names) {
        for (auto name : names) keys.push_back(table + "." + std::string(name));
    };
    add("image", kImageKeys);
    add("cargo", kCargoKeys);
    add("npm", kNpmKeys);
    add("files", kFilesKeys);
    add("profiles.NAME", kProfileKeys);
    return keys;
}

const Profile* BuildConfig::find_profile(const std::string& env) const {
    auto found = profiles.find(env);
    return found == profiles.end() ? nullptr : &found->second;
}

bool BuildConfig::builds_something() const {
    return cargo || npm || !files.empty();
}

const Profile& BuildConfig::profile(const std::string& env) const {
    auto found = profiles.find(env);
    if (found != profiles.end()) return found->second;
    if (profiles.empty()) {
        throw Error(file.string() + " defines no profiles; add a [profiles." + env +
                    "] table with registry and tag");
    }
    std::string defined;
    for (const auto& [name, profile] : profiles) defined += (defined.empty() ? "" : ", ") + name;
    throw Error("no profile \"" + env + "\" in " + file.string() + "; it defines " + defined);
}

BuildConfig parse_build_config(std::string_view text, const std::string& file_name) {
    toml::table document = parse_toml(text, file_name);
    ConfigTable root(document, "", file_name, kRootKeys);
    BuildConfig config;
    config.file = file_name;
    config.project_dir = resolve(fs::absolute(config.file).parent_path(), ".");
    config.image = read_image(root, config.project_dir);
    config.cargo = read_cargo(root, config.project_dir);
    config.npm = read_npm(root, config.project_dir);
    config.files = read_files(root, config.project_dir);
    config.profiles = read_profiles(root, config.image.name);
    return config;
}

BuildConfig load_build_config(const fs::path& file) {
    std::error_code error;
    if (!fs::exists(file, error)) {
        throw Error("config file " + file.string() +
                    " does not exist; create it (see cairn.toml in the README) or name one with "
                    "--config");
    }
    return parse_build_config(oci::read_small_file(file, kMaxConfigSize), file.string());
}

ConfigChanges config_changes(const ImageSection& image) {
    ConfigChanges changes;
    changes.entrypoint = image.entrypoint;
    changes.cmd = image.cmd;
    changes.env = image.env;
    changes.workdir = image.workdir;
    changes.user = image.user;
    changes.labels = image.labels;
    changes.ports = image.ports;
    return changes;
}

}  // namespace cairn::assemble
