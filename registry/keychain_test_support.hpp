// A sandboxed environment for keychain tests: temporary HOME and config variables, restored
// afterwards, and fake docker-credential-* helpers on PATH.
#pragma once

#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "temp_dir.hpp"

namespace cairn::test {

// Sets variables for one test; the destructor puts back what was there.
class EnvironmentGuard {
  public:
    EnvironmentGuard() = default;
    ~EnvironmentGuard() {
        for (const auto& [name, value] : saved_) {
            if (value) {
                ::setenv(name.c_str(), value->c_str(), 1);
            } else {
                ::unsetenv(name.c_str());
            }
        }
    }
    EnvironmentGuard(const EnvironmentGuard&) = delete;
    EnvironmentGuard& operator=(const EnvironmentGuard&) = delete;

    void set(const std::string& name, const std::string& value) {
        save(name);
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    void unset(const std::string& name) {
        save(name);
        ::unsetenv(name.c_str());
    }

  private:
    void save(const std::string& name) {
        if (saved_.count(name)) return;
        const char* value = std::getenv(name.c_str());
        saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
    }
    std::map<std::string, std::optional<std::string>> saved_;
};

// The fake helper answers `get` from "<FAKE_HELPER_DIR>/<server URL, non-alphanumerics as _>.json"
// and otherwise says "credentials not found" (exit 1), as docker-credential-helpers do; it
// records what it was asked and what it was given to store or erase.
inline constexpr std::string_view kFakeHelper = R"(#!/bin/sh
input=$(cat)
state="$FAKE_HELPER_DIR"
mkdir -p "$state"
name=$(printf '%s' "$input" | tr -c 'A-Za-z0-9.-' '_')
case "$1" in
get)
    printf '%s\n' "$input" >> "$state/asked"
    if [ -f "$state/$name.json" ]; then cat "$state/$name.json"; exit 0; fi
    echo "credentials not found in native keychain"
    exit 1;;
store) printf '%s' "$input" > "$state/stored";;
erase) printf '%s' "$input" > "$state/erased";;
*) echo "unknown action $1" >&2; exit 2;;
esac
)";

class KeychainSandbox {
  public:
    KeychainSandbox() {
        std::filesystem::create_directories(home());
        std::filesystem::create_directories(bin());
        env_.set("HOME", home().string());
        for (const char* name :
             {"DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"}) {
            env_.unset(name);
        }
        const char* path = std::getenv("PATH");
        env_.set("PATH", bin().string() + ":" + (path ? path : "/usr/bin:/bin"));
        env_.set("FAKE_HELPER_DIR", helper_state().string());
        install_helper("fake", kFakeHelper);
    }

    std::filesystem::path root() const { return dir_.path(); }
    std::filesystem::path home() const { return dir_ / "home"; }
    std::filesystem::path bin() const { return dir_ / "bin"; }
    std::filesystem::path helper_state() const { return dir_ / "helper"; }
    std::filesystem::path docker_config() const { return home() / ".docker" / "config.json"; }
    EnvironmentGuard& env() { return env_; }

    static void write(const std::filesystem::path& path, std::string_view content) {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    }
    static std::string read(const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    void install_helper(const std::string& name, std::string_view script) const {
        auto path = bin() / ("docker-credential-" + name);
        write(path, script);
        ::chmod(path.c_str(), 0755);
    }
    // What the fake helper answers to `get` for `server_url`.
    void helper_knows(const std::string& server_url, std::string_view answer) const {
        std::string name;
        for (char c : server_url)
            name += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
        write(helper_state() / (name + ".json"), answer);
    }

  private:
    TempDir dir_;
    EnvironmentGuard env_;
};

}  // namespace cairn::test
