// Detecting a project's builds and writing its first cairn.toml.
#include "assemble/build/project_template.hpp"

#include <algorithm>
#include <sstream>

#include "assemble/build/native_build.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/json.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxPackageJson = 4 << 20;
constexpr std::size_t kMaxScriptFile = 1 << 20;

std::string string_member(const oci::json::Value& object, const char* key) {
    auto member = object.FindMember(key);
    if (member == object.MemberEnd() || !member->value.IsString()) return "";
    return member->value.GetString();
}

std::string toml_string(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

// The workspace's binaries, and its package name when it is one package.
CargoFacts cargo_facts(const fs::path& project, std::string& name) {
    auto document = cargo_metadata(project);
    CargoFacts facts;
    auto packages = document.FindMember("packages");
    if (packages == document.MemberEnd() || !packages->value.IsArray()) return facts;
    if (packages->value.Size() == 1) name = string_member(packages->value[0], "name");
    for (const auto& package : packages->value.GetArray()) {
        auto targets = package.FindMember("targets");
        if (targets == package.MemberEnd() || !targets->value.IsArray()) continue;
        for (const auto& target : targets->value.GetArray()) {
            auto kinds = target.FindMember("kind");
            if (kinds == target.MemberEnd() || !kinds->value.IsArray()) continue;
            for (const auto& kind : kinds->value.GetArray()) {
                if (kind.IsString() && std::string_view(kind.GetString()) == "bin")
                    facts.bins.push_back(string_member(target, "name"));
            }
        }
    }
    return facts;
}

// Where the build script writes: a known tool's directory, else a directory named in the
// script's file, else one that exists, else "dist".
void guess_output(const fs::path& dir, const oci::json::Document& package, NpmFacts& facts) {
    for (auto [dependency, output] : {std::pair{"vite", "dist"}, {"react-scripts", "build"},
                                      {"next", "out"}, {"@sveltejs/kit", "build"},
                                      {"parcel", "dist"}, {"webpack", "dist"}}) {
        for (const char* section : {"dependencies", "devDependencies"}) {
            auto deps = package.FindMember(section);
            if (deps != package.MemberEnd() && deps->value.IsObject() &&
                deps->value.HasMember(dependency)) {
                facts.output = output;
                facts.output_reason = std::string("where ") + dependency + " writes by default";
                return;
            }
        }
    }
    auto scripts = package.FindMember("scripts");
    std::string command = scripts != package.MemberEnd() && scripts->value.IsObject()
                              ? string_member(scripts->value, facts.script.c_str())
                              : "";
    if (command.starts_with("node ")) {
        auto file = dir / command.substr(5, command.find(' ', 5) - 5);
        std::error_code ec;
        if (fs::is_regular_file(file, ec)) {
            auto text = oci::read_small_file(file, kMaxScriptFile);
            for (const char* name : {"out", "dist", "build", "public"}) {
                for (char quote : {'\'', '"'}) {
                    if (text.find(quote + std::string(name) + quote) != std::string::npos) {
                        facts.output = name;
                        facts.output_reason = "named in " + file.filename().string();
                        return;
                    }
                }
            }
        }
    }
    for (const char* name : {"dist", "build", "out"}) {
        std::error_code ec;
        if (fs::is_directory(dir / name, ec)) {
            facts.output = name;
            facts.output_reason = "the directory there now";
            return;
        }
    }
    facts.output = "dist";
    facts.output_reason = "a guess";
}

std::optional<NpmFacts> npm_facts(const fs::path& project) {
    std::vector<fs::path> candidates{project};
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(project, ec)) {
        auto name = entry.path().filename().string();
        if (entry.is_directory(ec) && !name.starts_with(".") && name != "node_modules" &&
            name != "target")
            candidates.push_back(entry.path());
    }
    std::sort(candidates.begin() + 1, candidates.end());
    for (const auto& dir : candidates) {
        auto file = dir / "package.json";
        if (!fs::is_regular_file(file, ec)) continue;
        auto package =
            oci::json::parse_object(oci::read_small_file(file, kMaxPackageJson), file.string(),
                                    kMaxPackageJson);
        NpmFacts facts;
        facts.dir = dir == project ? "." : dir.filename().string();
        guess_output(dir, package, facts);
        return facts;
    }
    return std::nullopt;
}

void image_section(std::ostringstream& out, const ProjectFacts& facts) {
    out << "[image]\n"
        << "name = " << toml_string(facts.name) << "      # the repository name in the registry\n"
        << "base = \"debian:bookworm-slim\"   # the runtime base, any transport (oci:DIR:TAG…)\n";
    if (facts.cargo && !facts.cargo->bins.empty()) {
        out << "entrypoint = [" << toml_string("/app/" + facts.cargo->bins.front()) << "]\n";
    } else {
        out << "# entrypoint = [\"/app/server\"]\n";
    }
    out << "# cmd = [\"--port\", \"8080\"]\n"
        << "workdir = \"/app\"\n"
        << "# user = \"10001:10001\"            # run as a user without privileges\n"
        << "# env = { RUST_LOG = \"info\" }\n"
        << "# ports = [\"8080/tcp\"]\n"
        << "# labels = { \"org.opencontainers.image.source\" = \"https://…\" }\n\n";
}

}  // namespace

std::string repository_name_of(const std::string& text) {
    std::string out;
    for (char c : text) {
        char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
        if (keep) {
            out.push_back(lower);
        } else if (!out.empty() && out.back() != '-') {
            out.push_back('-');
        }
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "app" : out;
}

ProjectFacts detect_project(const fs::path& project) {
    ProjectFacts facts;
    std::error_code ec;
    std::string name;
    if (fs::is_regular_file(project / "Cargo.toml", ec)) {
        facts.cargo = cargo_facts(project, name);
    }
    facts.npm = npm_facts(project);
    facts.git = fs::exists(project / ".git", ec);
    facts.name = repository_name_of(name.empty() ? project.filename().string() : name);
    return facts;
}

std::string starter_config(const ProjectFacts& facts) {
    std::ostringstream out;
    out << "# cairn.toml: how `cairn build` makes this project's image (docs/config.md has every\n"
        << "# key). Written by `cairn init`; check each line, then `cairn build --local-only`.\n\n";
    image_section(out, facts);
    if (facts.cargo) {
        out << "[cargo]                    # `cargo build`; its binaries go to /app/<bin>\n"
            << "dir = " << toml_string(facts.cargo->dir) << '\n'
            << "profile = \"release\"\n"
            << "bins = [";
        for (std::size_t i = 0; i < facts.cargo->bins.size(); ++i)
            out << (i ? ", " : "") << toml_string(facts.cargo->bins[i]);
        out << "]" << (facts.cargo->bins.empty() ? "  # name at least one binary" : "")
            << "\n# features = []\n\n";
    }
    if (facts.npm) {
        out << "[npm]                      # `npm ci` and `npm run <script>`; output to /app/ui\n"
            << "dir = " << toml_string(facts.npm->dir) << '\n'
            << "script = " << toml_string(facts.npm->script) << '\n'
            << "output = " << toml_string(facts.npm->output) << "   # " << facts.npm->output_reason
            << ": check what the script writes\n\n";
    }
    if (!facts.cargo && !facts.npm) {
        out << "# Neither Cargo.toml nor package.json here: say which files go into the image.\n";
    } else {
        out << "# Extra files, one layer:\n# ";
    }
    out << "[[files]]\n" << (facts.cargo || facts.npm ? "# " : "")
        << "src = \"config\"             # a file or directory of the project\n"
        << (facts.cargo || facts.npm ? "# " : "") << "dest = \"/etc/app\"\n\n";
    out << "[profiles.dev]             # `cairn build dev`: where it is pushed, and what next\n"
        << "registry = \"localhost:5000\"  # e.g. myregistry.azurecr.io\n"
        << "tag = " << (facts.git ? "\"dev-{git_short}\"" : "\"dev-{date}\"")
        << "      # {git_short} {git_sha} {date} {env}\n"
        << "# deploy = \"echo deployed {image}@{digest}\"\n";
    return out.str();
}

}  // namespace cairn::assemble
