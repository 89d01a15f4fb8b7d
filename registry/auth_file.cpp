// Reads and rewrites Docker's config.json / containers' auth.json; secrets never reach a message.
#include "registry/auth_file.hpp"

#include <openssl/evp.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>

#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/text.hpp"
#include "registry/base64.hpp"

namespace cairn::registry {

namespace {

namespace fs = std::filesystem;
namespace json = oci::json;

// Hand-kept files of a few entries; anything near this size is not one.
constexpr std::size_t kMaxAuthFileSize = 4 << 20;
constexpr const char* kDockerHubKey = "https://index.docker.io/v1/";
constexpr std::array<const char*, 5> kSecretFields = {"auth", "username", "password",
                                                      "identitytoken", "registrytoken"};

struct KeyParts {
    bool has_scheme = false;
    std::string host;  // lower case
    std::string path;  // without its leading and trailing '/'
};

KeyParts split_key(std::string_view key) {
    KeyParts parts;
    for (std::string_view scheme : {"https://", "http://"}) {
        if (oci::lowered(key.substr(0, scheme.size())) == scheme) {
            key.remove_prefix(scheme.size());
            parts.has_scheme = true;
            break;
        }
    }
    auto slash = key.find('/');
    parts.host = oci::lowered(key.substr(0, slash));
    if (slash != std::string_view::npos) {
        std::string_view path = key.substr(slash);
        while (!path.empty() && path.front() == '/') path.remove_prefix(1);
        while (!path.empty() && path.back() == '/') path.remove_suffix(1);
        parts.path = path;
    }
    return parts;
}

std::string canonical(std::string host) {
    if (host == "index.docker.io" || host == "registry-1.docker.io") return "docker.io";
    return host;
}

std::string as_string(const json::Value& value) {
    return std::string(value.GetString(), value.GetStringLength());
}

json::Value string_value(std::string_view text, json::Document::AllocatorType& allocator) {
    return json::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

// Docker's "auth" field as Go's base64.StdEncoding reads it: padded, standard alphabet, no
// whitespace. Stricter than registry/base64.hpp's decoder (lenient for JWTs) on purpose: a
// file Docker refuses should not quietly mean something to cairn.
std::optional<std::string> decode_auth(std::string_view text) {
    if (text.size() % 4 != 0 || text.size() > INT_MAX) return std::nullopt;
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
    for (char c : text.substr(0, text.size() - padding)) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/')
            return std::nullopt;
    }
    std::string out(text.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    out.resize(static_cast<std::size_t>(n) - padding);  // EVP_DecodeBlock counts padding as zeros
    return out;
}

json::Document parse_file(const fs::path& path, const std::string& text) {
    json::Document document;
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        document.SetObject();  // Docker accepts an empty file as no configuration
        return document;
    }
    constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                                rapidjson::kParseValidateEncodingFlag |
                                rapidjson::kParseFullPrecisionFlag;
    document.Parse<kFlags>(text.data(), text.size());
    if (document.HasParseError()) {
        // Line and column, not only RapidJSON's byte offset: these files are edited by hand.
        std::string_view before = std::string_view(text).substr(0, document.GetErrorOffset());
        std::size_t line = 1 + std::count(before.begin(), before.end(), '\n');
        std::size_t newline = before.rfind('\n');
        std::size_t column =
            before.size() - (newline == std::string_view::npos ? 0 : newline + 1) + 1;
        throw Error(path.string() + ":" + std::to_string(line) + ":" + std::to_string(column) +
                    ": not valid JSON: " + rapidjson::GetParseError_En(document.GetParseError()) +
                    " Fix the file or move it away.");
    }
    if (!document.IsObject()) throw Error(path.string() + " does not hold a JSON object");
    return document;
}

// The credential an "auths" entry holds (empty for a placeholder). The messages name the file
// and the key, never a value.
Credential entry_credential(const fs::path& path, std::string_view key, const json::Value& entry) {
    std::string what = path.string() + ": \"auths\" entry \"" + std::string(key) + "\"";
    if (!entry.IsObject()) throw Error(what + " must be an object");
    Credential credential;
    std::string auth = json::optional_string(entry, "auth", what).value_or("");
    if (!auth.empty()) {
        auto decoded = decode_auth(auth);
        if (!decoded) throw Error(what + ": \"auth\" is not valid base64");
        // The user name cannot hold ':' (RFC 7617); the password may.
        auto colon = decoded->find(':');
        if (colon == std::string::npos)
            throw Error(what + ": \"auth\" does not hold user:password");
        credential.username = decoded->substr(0, colon);
        credential.password = decoded->substr(colon + 1);
    } else {
        credential.username = json::optional_string(entry, "username", what).value_or("");
        credential.password = json::optional_string(entry, "password", what).value_or("");
    }
    credential.identity_token = json::optional_string(entry, "identitytoken", what).value_or("");
    credential.registry_token = json::optional_string(entry, "registrytoken", what).value_or("");
    credential.source = path.string();
    return credential;
}

void validate(const fs::path& path, const json::Document& document) {
    const std::string what = path.string();
    if (const json::Value* auths = json::optional_object(document, "auths", what)) {
        for (const auto& member : auths->GetObject()) {
            entry_credential(path, as_string(member.name), member.value);
        }
    }
    json::string_map(document, "credHelpers", what);
    json::optional_string(document, "credsStore", what);
}

}  // namespace

std::optional<std::string> host_of_key(std::string_view key) {
    KeyParts parts = split_key(key);
    // Without a scheme, a path is a containers auth.json namespace; with one it is Docker's
    // API version ("/v1/") or noise that Docker ignores too.
    if (!parts.has_scheme && !parts.path.empty() && parts.path != "v1" && parts.path != "v2") {
        return std::nullopt;
    }
    if (parts.host.empty()) return std::nullopt;
    return canonical(parts.host);
}

std::string canonical_host(std::string_view host) {
    return canonical(split_key(host).host);
}

std::string docker_config_key(std::string_view host) {
    std::string canonical_name = canonical_host(host);
    return canonical_name == "docker.io" ? kDockerHubKey : canonical_name;
}

AuthFile::AuthFile(fs::path path, json::Document document)
    : path_(std::move(path)), document_(std::move(document)) {}

std::optional<AuthFile> AuthFile::load(const fs::path& path) {
    std::error_code error;
    auto status = fs::status(path, error);
    if (status.type() == fs::file_type::not_found) return std::nullopt;
    if (error) throw Error(system_error_text("cannot read " + path.string(), error.value()));
    if (status.type() == fs::file_type::directory) {
        throw Error(path.string() + " is a directory, not a credentials file");
    }
    std::string text = oci::read_small_file(path, kMaxAuthFileSize);
    json::Document document = parse_file(path, text);
    validate(path, document);
    return AuthFile(path, std::move(document));
}

AuthFile AuthFile::empty(const fs::path& path) {
    json::Document document;
    document.SetObject();
    return AuthFile(path, std::move(document));
}

const json::Value* AuthFile::find_entry(const json::Value* map, std::string_view host,
                                        std::string* key) const {
    if (!map) return nullptr;
    const std::string wanted = canonical_host(host);
    const std::string docker_key = docker_config_key(host);
    const json::Value* best = nullptr;
    int best_rank = 0;
    for (const auto& member : map->GetObject()) {
        std::string name = as_string(member.name);
        // Docker's own key, then the bare host (podman writes "docker.io"), then any alias.
        int rank = name == docker_key            ? 3
                   : name == wanted              ? 2
                   : host_of_key(name) == wanted ? 1
                                                 : 0;
        if (rank > best_rank) {
            best_rank = rank;
            best = &member.value;
            if (key) *key = name;
        }
    }
    return best;
}

std::optional<std::string> AuthFile::helper_for(std::string_view host) const {
    const json::Value* helpers = json::optional_object(document_, "credHelpers", path_.string());
    const json::Value* name = find_entry(helpers, host, nullptr);
    if (!name || name->GetStringLength() == 0) return std::nullopt;
    return as_string(*name);
}

std::optional<std::string> AuthFile::default_helper() const {
    auto name = json::optional_string(document_, "credsStore", path_.string());
    if (!name || name->empty()) return std::nullopt;
    return name;
}

std::optional<Credential> AuthFile::credential_for(std::string_view host) const {
    const json::Value* auths = json::optional_object(document_, "auths", path_.string());
    std::string key;
    const json::Value* entry = find_entry(auths, host, &key);
    if (!entry) return std::nullopt;
    Credential credential = entry_credential(path_, key, *entry);
    if (credential.empty()) return std::nullopt;
    return credential;
}

void AuthFile::set_credential(std::string_view host, const Credential& credential) {
    if (credential.username.find(':') != std::string::npos) {
        throw Error("a registry user name cannot contain ':' (for " + std::string(host) + ")");
    }
    auto& allocator = document_.GetAllocator();
    auto auths_member = document_.FindMember("auths");
    if (auths_member == document_.MemberEnd()) {
        document_.AddMember("auths", json::Value(rapidjson::kObjectType), allocator);
        auths_member = document_.FindMember("auths");
    } else if (auths_member->value.IsNull()) {
        auths_member->value.SetObject();
    }
    json::Value& auths = auths_member->value;
    const std::string key = docker_config_key(host);
    auto it = auths.FindMember(key);
    if (it == auths.MemberEnd()) {
        auths.AddMember(string_value(key, allocator), json::Value(rapidjson::kObjectType),
                        allocator);
        it = auths.FindMember(key);
    }
    json::Value& entry = it->value;
    for (const char* field : kSecretFields) entry.RemoveMember(field);
    if (!credential.username.empty() || !credential.password.empty()) {
        std::string auth = base64_encode(credential.username + ":" + credential.password);
        entry.AddMember("auth", string_value(auth, allocator), allocator);
    }
    if (!credential.identity_token.empty()) {
        entry.AddMember("identitytoken", string_value(credential.identity_token, allocator),
                        allocator);
    }
    if (!credential.registry_token.empty()) {
        entry.AddMember("registrytoken", string_value(credential.registry_token, allocator),
                        allocator);
    }
}

bool AuthFile::erase_credentials(std::string_view host) {
    auto it = document_.FindMember("auths");
    if (it == document_.MemberEnd() || !it->value.IsObject()) return false;
    const std::string wanted = canonical_host(host);
    json::Value& auths = it->value;
    bool erased = false;
    for (auto member = auths.MemberBegin(); member != auths.MemberEnd();) {
        if (host_of_key(as_string(member->name)) == wanted) {
            member = auths.EraseMember(member);  // keeps the order of the others
            erased = true;
        } else {
            ++member;
        }
    }
    return erased;
}

void AuthFile::save() const {
    std::error_code error;
    // Docker follows a symbolic link (dotfile managers keep config.json elsewhere).
    fs::path target = fs::weakly_canonical(path_, error);
    if (error) target = path_;
    fs::path directory = target.parent_path();
    if (!directory.empty() && !fs::exists(directory)) {
        fs::create_directories(directory, error);
        if (error)
            throw Error(system_error_text("cannot create " + directory.string(), error.value()));
        // It holds secrets: readable by its owner only, as Docker makes it.
        fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace, error);
    }

    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent('\t', 1);
    document_.Accept(writer);
    std::string text(buffer.GetString(), buffer.GetSize());
    text += '\n';

    oci::TemporaryFile file(target);
    // The mode is set before the first byte goes in, so no secret is ever world-readable.
    if (::chmod(file.temporary_path().c_str(), 0600) != 0) {
        throw Error(
            system_error_text("cannot set the mode of " + file.temporary_path().string(), errno));
    }
    file.write(text);
    file.commit();
}

}  // namespace cairn::registry
