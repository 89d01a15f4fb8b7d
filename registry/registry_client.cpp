// The registry client's plumbing: ping, authorization, redirects, retries, error messages.
#include "registry/registry_client.hpp"

#include <optional>

#include "registry/registry_errors.hpp"
#include "registry/url.hpp"

namespace cairn::registry {

namespace {

constexpr int kMaxRedirects = 10;
constexpr std::size_t kMaxErrorBody = 8192;

bool is_redirect(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

RegistryClient::RegistryClient(std::string registry, std::string api_host,
                               std::shared_ptr<HttpTransport> transport,
                               std::shared_ptr<const HostPolicy> policy, ClientSettings settings)
    : registry_(std::move(registry)),
      api_host_(std::move(api_host)),
      transport_(std::move(transport)),
      policy_(std::move(policy)),
      settings_(std::move(settings)),
      auth_(registry_, *transport_, *policy_, settings_.auth) {}

std::string RegistryClient::url(std::string_view path) {
    ping();
    std::lock_guard lock(ping_mutex_);
    return base_url_ + std::string(path);
}

void RegistryClient::ping() {
    std::lock_guard lock(ping_mutex_);
    if (pinged_) return;
    std::vector<std::string> schemes;
    switch (policy_->scheme(registry_)) {
        case Scheme::https:
            schemes = {"https"};
            break;
        case Scheme::http:
            schemes = {"http"};
            break;
        case Scheme::insecure:
            schemes = {"https", "http"};  // unverified TLS when spoken, else plain HTTP
            break;
    }
    std::unique_ptr<HttpExchange> response;
    for (std::size_t i = 0; i < schemes.size(); ++i) {
        std::string base = schemes[i] + "://" + api_host_;
        try {
            response = send_with_retries(
                settings_.retry, [&] { return follow_redirects({.url = base + "/v2/"}, ""); });
        } catch (const TransportError& error) {
            if (error.kind() == TransportError::Kind::tls_handshake && i + 1 < schemes.size())
                continue;
            throw;
        }
        base_url_ = base;
        break;
    }
    long status = response->status();
    if (status == 400 && base_url_.starts_with("http://")) {
        auto body = read_body_prefix(*response, 4096);
        if (body.find("HTTPS") != std::string::npos) {
            throw Error(
                registry_ +
                " speaks HTTPS, but cairn used plain HTTP (as it does for loopback registries "
                "without a CA): trust its CA with --ca-file FILE or " +
                registry_ +
                "/ca.crt under /etc/containers/certs.d, or name it with --insecure-registry " +
                registry_);
        }
    }
    if (status == 401) {
        auth_.on_unauthorized(response->head(), {}, "");
    } else if (status == 404) {
        throw Error(registry_ +
                    " does not serve the registry v2 API (GET /v2/ answered HTTP 404); check the "
                    "registry name");
    } else if (status >= 500) {
        fail(*response, "reaching the registry " + registry_);
    }
    read_body_prefix(*response, 0);
    pinged_ = true;
}

std::unique_ptr<HttpExchange> RegistryClient::follow_redirects(const RegistryCall& call,
                                                               const std::string& authorization) {
    std::string base;
    if (!authorization.empty()) {
        std::lock_guard lock(ping_mutex_);
        base = base_url_;
    }
    // Credentials go to the registry's own origin only, whatever URL a Location header named.
    std::optional<Url> origin;
    if (!base.empty()) origin = Url::parse(base);
    HttpRequest request{.method = call.method,
                        .url = call.url,
                        .body_bytes = call.body,
                        .body = call.stream,
                        .body_size = call.stream_size,
                        .bulk = call.bulk};
    for (int hop = 0;; ++hop) {
        request.headers = call.headers;
        // Credentials go to the registry's own origin only: a redirect to blob storage (ACR,
        // S3) carries its own signature and must not see the registry's token.
        if (origin && Url::parse(request.url).same_origin(*origin)) {
            request.headers.push_back("Authorization: " + authorization);
        }
        auto response = transport_->start(request);
        auto location = response->head().header("location");
        if (!is_redirect(response->status()) || location.empty()) return response;
        if (hop >= kMaxRedirects) {
            throw Error(registry_ + " redirected " + call.method + " " + redact_url(call.url) +
                        " more than " + std::to_string(kMaxRedirects) + " times");
        }
        if (call.stream) return response;  // its body is spent: the caller decides what next
        read_body_prefix(*response, 0);
        request.url = resolve_url(request.url, location);
        if (response->status() == 303 && request.method != "HEAD") {
            request.method = "GET";
            request.body_bytes = {};
        }
    }
}

std::unique_ptr<HttpExchange> RegistryClient::send_once(const RegistryCall& call) {
    auto authorization = auth_.authorization(call.scopes);
    auto response = follow_redirects(call, authorization);
    if (response->status() != 401) return response;
    if (!auth_.on_unauthorized(response->head(), call.scopes, authorization)) return response;
    if (call.stream) return response;  // renewed for the caller's next try; the body is spent
    auto again = auth_.authorization(call.scopes);
    if (again.empty()) return response;
    read_body_prefix(*response, 0);
    response.reset();
    return follow_redirects(call, again);
}

std::unique_ptr<HttpExchange> RegistryClient::send(const RegistryCall& call) {
    ping();
    return send_with_retries(settings_.retry, [&] { return send_once(call); });
}

void RegistryClient::fail(HttpExchange& response, const std::string& what) {
    long status = response.status();
    std::string description;
    try {
        description = describe_response(status, read_body_prefix(response, kMaxErrorBody));
    } catch (const TransportError&) {
        description = describe_response(status, "");
    }
    if (status == 401) {
        auto summary = auth_.credential_summary();
        if (summary.starts_with("no credentials")) {
            throw AuthError(what + ": " + registry_ + " requires authentication (" + description +
                            "), and cairn has " + summary + "; run `cairn login " + registry_ +
                            "` (or check the repository name)");
        }
        throw AuthError(what + ": " + registry_ + " refused the request with " + summary + " (" +
                        description + "); check them, or run `cairn login " + registry_ + "`");
    }
    if (status == 403) {
        auto summary = auth_.credential_summary();
        throw AuthError(
            what + ": " + registry_ + " denied access (" + description + ") with " + summary +
            "; check that this account may access the repository, or run `cairn login " +
            registry_ + "`");
    }
    throw Error(what + ": " + registry_ + " answered " + description);
}

}  // namespace cairn::registry
