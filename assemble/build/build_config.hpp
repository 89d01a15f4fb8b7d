// The project's `cairn.toml`: what to build, onto which base, and where each profile ships it.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "assemble/transport/stack.hpp"
#include "assemble/transport/transport.hpp"

namespace cairn::assemble {

// [image]
struct ImageSection {
    std::string name;  // repository name, e.g. "unitone-agentgateway"
    // The runtime base, any transport; the path of `oci:` and archive transports is resolved
    // against the config file's directory (`text` keeps what the file says).
    ImageReference base;
    std::optional<std::vector<std::string>> entrypoint;
    std::optional<std::vector<std::string>> cmd;
    std::optional<std::string> workdir;
    std::optional<std::string> user;
    std::vector<std::pair<std::string, std::string>> env;  // sorted by name
    std::vector<std::string> ports;                        // "8080/tcp"
    std::map<std::string, std::string> labels;
};

// [cargo]
struct CargoSection {
    std::filesystem::path dir;  // where Cargo.toml is (absolute)
    std::string profile = "release";
    std::vector<std::string> bins;  // installed to /app/<bin>
    std::vector<std::string> features;
};

// [npm]
struct NpmSection {
    std::filesystem::path dir;  // where package.json is (absolute)
    std::string script = "build";
    std::filesystem::path output;  // what `npm run <script>` writes (absolute; inside or near dir)
    // Environment variables the script reads (a Next.js NEXT_PUBLIC_*, a build id): inputs of
    // the step, besides the ones every npm build reads (build_step.hpp).
    std::vector<std::string> env_inputs;
};

// One [[files]] entry.
struct ExtraFile {
    std::filesystem::path src;  // absolute, inside the project directory
    std::string dest;           // absolute path in the image
};

// [profiles.<env>]
struct Profile {
    std::string env;
    std::string registry;               // host[:port][/path]
    std::string tag;                    // template: see expand_tag
    std::optional<std::string> deploy;  // command template: see expand_deploy
};

struct BuildConfig {
    std::filesystem::path file;         // the config file, as named
    std::filesystem::path project_dir;  // its directory (absolute): relative paths start here
    ImageSection image;
    std::optional<CargoSection> cargo;
    std::optional<NpmSection> npm;
    std::vector<ExtraFile> files;
    std::map<std::string, Profile> profiles;

    // The profile for `env`; a cairn::Error listing the defined profiles when there is none.
    const Profile& profile(const std::string& env) const;
    // The same, or null when there is none.
    const Profile* find_profile(const std::string& env) const;
    // Whether it names anything to put on the base: [cargo], [npm] or [[files]].
    bool builds_something() const;
};

// Every key the parser accepts, dotted: "image.name", "files.src" (of each [[files]] entry),
// "profiles.NAME.tag" (of each profile). env and labels hold keys of the user's choosing.
std::vector<std::string> accepted_config_keys();

// Reads and checks a config file. Every mistake is a cairn::Error naming the file, and the line
// when there is one:
//   FILE:LINE:COLUMN: TOML syntax error: <toml++'s description>
//   FILE:LINE: unknown key "image.nmae" (did you mean "name"?)
//   FILE:LINE: image.entrypoint must be an array of strings
//   FILE:LINE: missing required key "image.base"          (LINE of the table that lacks it)
//   FILE: missing required table [image]
// and messages naming the key for bad values (an empty name, a relative `dest`, a [[files]]
// `src` outside the project directory, a bad port, an unknown tag placeholder).
BuildConfig load_build_config(const std::filesystem::path& file);

// The same for text already read; `file_name` names it in messages and its directory is the
// project directory (made absolute against the current directory).
BuildConfig parse_build_config(std::string_view text, const std::string& file_name);

// Where `path` (absolute, normalised) really is when it is outside `project_dir`: lexically,
// or once the symbolic links in its directories are resolved (`root -> /` in the repository
// makes "root/etc/shadow" the host's /etc/shadow); nothing when it is inside. The last name is
// not resolved: a layer stores a link as a link. What a layer reads must be inside, as
// Docker's COPY is confined to its build context.
std::optional<std::filesystem::path> outside_project(const std::filesystem::path& project_dir,
                                                     const std::filesystem::path& path);
// The same as an Error: "`key` \"`value`\" is outside the project directory DIR …".
void check_inside_project(const std::filesystem::path& project_dir,
                          const std::filesystem::path& path, const std::string& key,
                          const std::string& value);

// The [image] settings as changes to the base image's config.
ConfigChanges config_changes(const ImageSection& image);

}  // namespace cairn::assemble
