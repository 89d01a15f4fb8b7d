// Where credentials are looked for, in which order, and where `cairn login` puts them.
#include "registry/keychain.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "oci/error.hpp"
#include "registry/auth_file.hpp"

namespace cairn::registry {

namespace {

namespace fs = std::filesystem;

std::optional<std::string> environment(const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value) return std::nullopt;
    return std::string(value);
}

std::optional<fs::path> home_directory() {
    if (auto home = environment("HOME")) return fs::path(*home);
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* result = nullptr;
    if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &result) == 0 && result &&
        result->pw_dir && *result->pw_dir) {
        return fs::path(result->pw_dir);
    }
    return std::nullopt;
}

std::optional<fs::path> find_docker_config_file() {
    if (auto directory = environment("DOCKER_CONFIG")) return fs::path(*directory) / "config.json";
    if (auto home = home_directory()) return *home / ".docker" / "config.json";
    return std::nullopt;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
    return out;
}

// Asks one helper; a helper that is not installed is noted and passed over, as a leftover
// "credsStore": "desktop" on a machine without Docker Desktop must not stop anonymous pulls.
std::optional<Credential> ask_helper(const std::string& name, const std::string& host,
                                     std::chrono::milliseconds timeout,
                                     std::vector<std::string>& looked) {
    CredentialHelper helper(name, timeout);
    try {
        auto credential = helper.get(docker_config_key(host));
        looked.push_back(helper.program());
        return credential;
    } catch (const CredentialHelperMissing&) {
        looked.push_back(helper.program() + " (not installed)");
        return std::nullopt;
    }
}

std::optional<Credential> find_in(const CredentialFile& source, const std::string& host,
                                  std::chrono::milliseconds timeout,
                                  std::vector<std::string>& looked) {
    auto file = AuthFile::load(source.path);
    if (!file) {
        looked.push_back(source.label + " (absent)");
        return std::nullopt;
    }
    looked.push_back(source.label);
    if (auto helper = file->helper_for(host)) {
        if (auto credential = ask_helper(*helper, host, timeout, looked)) return credential;
    }
    if (auto credential = file->credential_for(host)) return credential;
    if (auto helper = file->default_helper()) {
        if (auto credential = ask_helper(*helper, host, timeout, looked)) return credential;
    }
    return std::nullopt;
}

}  // namespace

std::vector<CredentialFile> credential_files(const fs::path& auth_file) {
    std::vector<CredentialFile> files;
    if (!auth_file.empty()) {
        files.push_back({auth_file, "--authfile " + auth_file.string()});
    } else if (auto file = environment("REGISTRY_AUTH_FILE")) {
        files.push_back({*file, "REGISTRY_AUTH_FILE=" + *file});
    } else {
        if (auto runtime = environment("XDG_RUNTIME_DIR")) {
            fs::path path = fs::path(*runtime) / "containers" / "auth.json";
            files.push_back({path, path.string()});
        }
        std::optional<fs::path> config_home;
        if (auto xdg = environment("XDG_CONFIG_HOME")) {
            config_home = fs::path(*xdg);
        } else if (auto home = home_directory()) {
            config_home = *home / ".config";
        }
        if (config_home) {
            fs::path path = *config_home / "containers" / "auth.json";
            files.push_back({path, path.string()});
        }
    }
    if (auto docker = find_docker_config_file()) files.push_back({*docker, docker->string()});
    return files;
}

fs::path docker_config_file() {
    auto path = find_docker_config_file();
    if (!path) {
        throw Error("cannot tell where Docker's config.json is: set HOME or DOCKER_CONFIG");
    }
    return *path;
}

std::optional<Credential> DefaultKeychain::find(const std::string& host, std::string* tried) {
    std::vector<std::string> looked;
    std::optional<Credential> found;
    for (const auto& file : credential_files(options_.auth_file)) {
        found = find_in(file, host, options_.helper_timeout, looked);
        if (found) break;
    }
    if (tried) *tried = join(looked);
    return found;
}

std::string DefaultKeychain::store_credential(const std::string& host,
                                              const Credential& credential) {
    if (credential.empty()) throw Error("no credential to store for " + host);
    fs::path path = options_.auth_file.empty() ? docker_config_file() : options_.auth_file;
    auto loaded = AuthFile::load(path);
    AuthFile file = loaded ? std::move(*loaded) : AuthFile::empty(path);
    auto helper = file.helper_for(host);
    if (!helper) helper = file.default_helper();
    std::string where = path.string();
    if (helper) {
        CredentialHelper store(*helper, options_.helper_timeout);
        store.store(docker_config_key(host), credential);
        where = "the credential helper " + store.program() + " (named in " + path.string() + ")";
        // A placeholder, as Docker leaves: an old secret in the file must not shadow the helper.
        file.set_credential(host, Credential{});
    } else {
        file.set_credential(host, credential);
    }
    file.save();
    return where;
}

std::vector<std::string> DefaultKeychain::erase_credential(const std::string& host) {
    fs::path path = options_.auth_file.empty() ? docker_config_file() : options_.auth_file;
    std::vector<std::string> erased;
    auto file = AuthFile::load(path);
    if (!file) return erased;
    auto helper = file->helper_for(host);
    if (!helper) helper = file->default_helper();
    if (helper) {
        CredentialHelper store(*helper, options_.helper_timeout);
        store.erase(docker_config_key(host));
        erased.push_back(store.program());
    }
    if (file->erase_credentials(host)) {
        file->save();
        erased.push_back(path.string());
    }
    return erased;
}

}  // namespace cairn::registry
