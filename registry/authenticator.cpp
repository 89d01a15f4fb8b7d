// The auth state of one registry: Basic or Bearer, credential lookup, token cache and refresh.
#include "registry/authenticator.hpp"

#include "registry/base64.hpp"
#include "registry/reference.hpp"
#include "registry/token_service.hpp"
#include "registry/url.hpp"

namespace cairn::registry {

namespace {

// ACR's user name for token passwords (`az acr login --expose-token`) and refresh tokens.
constexpr const char* kAcrTokenUser = "00000000-0000-0000-0000-000000000000";

bool is_azure_registry(std::string_view registry) {
    auto host = registry.substr(0, registry.find(':'));
    for (std::string_view suffix : {".azurecr.io", ".azurecr.cn", ".azurecr.us"}) {
        if (host.ends_with(suffix)) return true;
    }
    return false;
}

const Challenge* pick(const std::vector<Challenge>& challenges, std::string_view scheme) {
    for (const auto& challenge : challenges) {
        if (challenge.scheme == scheme) return &challenge;
    }
    return nullptr;
}

// Does `scopes` already ask for the resource the challenge's scope names?
bool covers(const Scopes& scopes, const std::string& scope) {
    auto resource = scope.substr(0, scope.rfind(':') + 1);
    for (const auto& item : scopes.items()) {
        if (item.starts_with(resource)) return true;
    }
    return false;
}

}  // namespace

Authenticator::Authenticator(std::string registry, HttpTransport& transport,
                             const HostPolicy& policy, AuthSettings settings)
    : registry_(std::move(registry)),
      transport_(transport),
      policy_(policy),
      settings_(std::move(settings)) {
    remember_secret_forms(settings_.aad_access_token);
}

const std::optional<Credential>& Authenticator::credential() {
    if (!looked_up_) {
        looked_up_ = true;
        if (settings_.keychain) credential_ = settings_.keychain->find(registry_, &tried_);
        if (credential_ && credential_->empty()) credential_.reset();
        if (credential_) remember_credential(*credential_);
    }
    return credential_;
}

bool Authenticator::aad_applies() const {
    if (settings_.aad_access_token.empty() || mode_ != Mode::bearer) return false;
    if (!is_azure_registry(registry_) && !is_loopback_host(registry_)) return false;
    Url realm = Url::parse(realm_);
    return realm.authority == registry_ && realm.target.starts_with("/oauth2/token");
}

std::string Authenticator::credential_summary() {
    std::lock_guard lock(mutex_);
    return summary();
}

std::string Authenticator::summary() {
    if (aad_applies()) return std::string("the Entra ID access token in $") + kAadTokenVariable;
    const auto& found = credential();
    if (found)
        return "credentials from " +
               (found->source.empty() ? std::string("the keychain") : found->source);
    if (!settings_.keychain) return "no credentials";
    return "no credentials (looked at: " + (tried_.empty() ? std::string("nothing") : tried_) + ")";
}

void Authenticator::refused(const std::string& what, long status) {
    std::string summary = this->summary();
    std::string advice = "; run `cairn login " + registry_ + "`";
    if (summary.starts_with("no credentials")) {
        throw AuthError(registry_ + " requires authentication: " + what + "; " + summary + advice);
    }
    throw AuthError(
        "cannot authenticate to " + registry_ + " with " + summary + ": " + what +
        (status == 403 ? "; check that this account may access the repository" : "; check them") +
        advice);
}

BearerToken Authenticator::fetch(const Scopes& requested) {
    Scopes scopes = requested;
    if (!challenge_scope_.empty() && !covers(scopes, challenge_scope_))
        scopes.add(challenge_scope_);
    Url realm = Url::parse(realm_);
    bool secret = aad_applies() || credential().has_value();
    if (secret && realm.scheme == "http" && !is_loopback_host(realm.authority) &&
        !policy_.is_insecure(realm.authority) && !policy_.is_insecure(registry_)) {
        throw AuthError(registry_ +
                        " asks for credentials to be sent to the plain-HTTP token service " +
                        redact_url(realm_) +
                        "; cairn sends them only over HTTPS unless the registry is named "
                        "with --insecure-registry");
    }
    TokenService service{transport_, settings_.retry, realm_, service_};
    try {
        if (aad_applies()) {
            for (int attempt = 0;; ++attempt) {
                if (aad_refresh_token_.empty()) {
                    aad_refresh_token_ = exchange_aad_token(
                        transport_, settings_.retry,
                        realm.scheme + "://" + realm.authority + "/oauth2/exchange",
                        service_.empty() ? registry_ : service_, settings_.aad_access_token);
                }
                try {
                    return refresh_token_grant(service, scopes, kAcrTokenUser, aad_refresh_token_);
                } catch (const TokenRefused&) {
                    aad_refresh_token_.clear();  // it may have expired: exchange once more
                    if (attempt > 0) throw;
                }
            }
        }
        const auto& found = credential();
        if (found && !found->identity_token.empty()) {
            return refresh_token_grant(service, scopes, found->username, found->identity_token);
        }
        if (found) return fetch_token(service, scopes, found->username, found->password);
        return fetch_token(service, scopes, "", "");
    } catch (const TokenRefused& error) {
        refused(error.what(), error.status());
    }
}

std::string Authenticator::authorization(const Scopes& scopes) {
    std::lock_guard lock(mutex_);
    if (mode_ == Mode::basic) {
        const auto& found = credential();
        if (!found) return "";
        return "Basic " + base64_encode(found->username + ":" + found->password);
    }
    if (mode_ != Mode::bearer) return "";
    if (!aad_applies() && credential() && !credential_->registry_token.empty()) {
        return "Bearer " + credential_->registry_token;
    }
    auto key = scopes.joined();
    auto cached = tokens_.find(key);
    if (cached != tokens_.end() && cached->second.usable_at(Clock::now()))
        return "Bearer " + cached->second.token;
    auto token = fetch(scopes);
    if (token.token.empty())
        throw AuthError("the token service of " + registry_ + " answered without a token");
    tokens_[key] = token;
    return "Bearer " + token.token;
}

bool Authenticator::on_unauthorized(const HttpResponseHead& head, const Scopes& scopes,
                                    const std::string& sent) {
    auto challenges = parse_challenges(head.headers_named("www-authenticate"));
    std::lock_guard lock(mutex_);
    if (const Challenge* bearer = pick(challenges, "bearer")) {
        mode_ = Mode::bearer;
        realm_ = bearer->param("realm");
        service_ = bearer->param("service");
        challenge_scope_ = bearer->param("scope");
        if (realm_.empty()) throw AuthError(registry_ + " sent a Bearer challenge without a realm");
        Url::parse(realm_);  // an unusable realm is an error now, not at the token request
        if (!sent.starts_with("Bearer ")) return true;
        if (!aad_applies() && credential() && !credential_->registry_token.empty()) return false;
        auto cached = tokens_.find(scopes.joined());
        if (cached != tokens_.end() && sent == "Bearer " + cached->second.token)
            tokens_.erase(cached);
        return true;
    }
    if (pick(challenges, "basic")) {
        mode_ = Mode::basic;
        if (sent.starts_with("Basic ")) return false;
        if (!credential()) return false;
        return true;
    }
    if (challenges.empty()) return false;
    throw AuthError(registry_ + " asks for authentication by \"" + challenges.front().scheme +
                    "\", which cairn does not support (it speaks Basic and Bearer)");
}

}  // namespace cairn::registry
