// Speaks to docker-credential-* helpers; their output reaches error messages only after redaction.
#include "registry/credential_helper.hpp"

#include <cctype>
#include <vector>

#include "oci/json.hpp"
#include "oci/text.hpp"
#include "registry/child_process.hpp"

namespace cairn::registry {

namespace {

namespace json = oci::json;

// A helper answers with one small JSON object; anything larger is not an answer.
constexpr std::size_t kMaxHelperOutput = 1 << 20;
// Docker's convention for an identity (refresh) token in place of a username.
constexpr const char* kTokenUsername = "<token>";

bool says_not_found(const ChildResult& result) {
    // docker-credential-helpers' errCredentialsNotFoundMessage is "credentials not found in
    // native keychain"; other helpers (ecr-login, gcloud) word it alike.
    return oci::lowered(result.out).find("credentials not found") != std::string::npos ||
           oci::lowered(result.err).find("credentials not found") != std::string::npos;
}

// One line of what the helper said, fit for an error message: helpers may echo their input,
// so known secrets are blanked and anything that looks like a JSON answer is withheld.
std::string excerpt(const ChildResult& result, const std::vector<std::string>& secrets) {
    std::string text =
        result.out.find_first_not_of(" \t\r\n") != std::string::npos ? result.out : result.err;
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return "no message";
    std::string line = text.substr(begin, text.find('\n', begin) - begin);
    if (line.front() == '{') return "JSON output withheld";
    for (const auto& secret : secrets) {
        if (secret.size() < 3) continue;  // blanking every "a" would say more than it hides
        for (auto at = line.find(secret); at != std::string::npos; at = line.find(secret, at)) {
            line.replace(at, secret.size(), "***");
        }
    }
    if (line.size() > 200) line = line.substr(0, 200) + "…";
    for (char& c : line) {
        if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
    }
    return line;
}

std::string describe(std::chrono::milliseconds timeout) {
    if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
    return std::to_string(timeout.count()) + " ms";
}

ChildResult run(const std::string& program, const char* action, const std::string& input,
                std::chrono::milliseconds timeout, const std::string& server_url) {
    ChildResult result = run_child({program, action}, input, timeout, kMaxHelperOutput);
    if (!result.started) {
        throw CredentialHelperMissing(
            system_error_text(
                "cannot run the credential helper " + program + " (for " + server_url + ")",
                result.start_errno) +
            "; install it or remove it from the Docker or containers configuration");
    }
    if (result.timed_out) {
        throw Error(program + " " + action + " for " + server_url + " did not answer within " +
                    describe(timeout) + " and was stopped");
    }
    if (result.output_truncated) {
        throw Error(program + " " + action + " for " + server_url +
                    " wrote more than 1 MiB; that is not a credential helper answer");
    }
    return result;
}

}  // namespace

CredentialHelper::CredentialHelper(std::string name, std::chrono::milliseconds timeout)
    : program_("docker-credential-" + std::move(name)), timeout_(timeout) {}

std::optional<Credential> CredentialHelper::get(const std::string& server_url) const {
    ChildResult result = run(program_, "get", server_url, timeout_, server_url);
    if (result.exit_status != 0) {
        if (says_not_found(result)) return std::nullopt;
        throw Error(program_ + " get for " + server_url + " failed (exit status " +
                    std::to_string(result.exit_status) + "): " + excerpt(result, {}));
    }
    if (result.out.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
    std::string what = "the answer of " + program_ + " get for " + server_url;
    auto answer = json::parse_object(result.out, what, kMaxHelperOutput);
    std::string username = json::optional_string(answer, "Username", what).value_or("");
    std::string secret = json::optional_string(answer, "Secret", what).value_or("");
    Credential credential;
    if (username == kTokenUsername) {
        credential.identity_token = secret;
    } else {
        credential.username = username;
        credential.password = secret;
    }
    if (credential.empty()) return std::nullopt;
    credential.source = program_;
    return credential;
}

void CredentialHelper::store(const std::string& server_url, const Credential& credential) const {
    bool token = !credential.identity_token.empty();
    rapidjson::StringBuffer buffer;
    json::Writer writer(buffer);
    writer.StartObject();
    json::write_key_string(writer, "ServerURL", server_url);
    json::write_key_string(writer, "Username", token ? kTokenUsername : credential.username);
    json::write_key_string(writer, "Secret",
                           token ? credential.identity_token : credential.password);
    writer.EndObject();
    std::string input(buffer.GetString(), buffer.GetSize());
    ChildResult result = run(program_, "store", input, timeout_, server_url);
    if (result.exit_status != 0) {
        throw Error(program_ + " store for " + server_url + " failed (exit status " +
                    std::to_string(result.exit_status) +
                    "): " + excerpt(result, {credential.password, credential.identity_token}));
    }
}

void CredentialHelper::erase(const std::string& server_url) const {
    ChildResult result = run(program_, "erase", server_url, timeout_, server_url);
    if (result.exit_status != 0 && !says_not_found(result)) {
        throw Error(program_ + " erase for " + server_url + " failed (exit status " +
                    std::to_string(result.exit_status) + "): " + excerpt(result, {}));
    }
}

}  // namespace cairn::registry
