// Token requests: what is sent (and to whom) for each kind of credential, never logged.
#include "registry/token_service.hpp"

#include "registry/base64.hpp"
#include "registry/registry_errors.hpp"
#include "registry/url.hpp"

namespace cairn::registry {

namespace {

constexpr const char* kClientId = "cairn";

std::string form_field(std::string_view name, std::string_view value) {
    return std::string(name) + "=" + url_encode(value);
}

std::unique_ptr<HttpExchange> send(HttpTransport& transport, const RetryPolicy& retry,
                                   const HttpRequest& request) {
    return send_with_retries(retry, [&] { return transport.start(request); });
}

// The body of a 200; a 401/403 is TokenRefused, anything else an Error.
std::string answer(HttpExchange& exchange, const std::string& what) {
    if (exchange.status() == 200) return read_body(exchange, kMaxTokenResponse, what + "'s answer");
    auto description = describe_response(exchange.status(), read_body_prefix(exchange, 4096));
    if (exchange.status() == 401 || exchange.status() == 403) {
        throw TokenRefused(what + " refused the credentials: " + description, exchange.status());
    }
    throw Error(what + " failed: " + description);
}

std::string service_name(const std::string& realm) {
    return "the token service " + redact_url(realm);
}

HttpRequest form_post(const std::string& url, const std::string& form) {
    return {
        .method = "POST",
        .url = url,
        .headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"},
        .body_bytes = form};
}

}  // namespace

BearerToken fetch_token(const TokenService& service, const Scopes& scopes,
                        const std::string& username, const std::string& password) {
    std::string url = service.realm;
    if (!service.service.empty()) url = with_query(url, "service", service.service);
    for (const auto& scope : scopes.items()) url = with_query(url, "scope", scope);
    HttpRequest request{.url = url, .headers = {"Accept: application/json"}};
    if (!username.empty() || !password.empty()) {
        request.headers.push_back("Authorization: Basic " +
                                  base64_encode(username + ":" + password));
    }
    auto what = service_name(service.realm);
    auto exchange = send(service.transport, service.retry, request);
    return parse_token_response(answer(*exchange, what), Clock::now(), what);
}

BearerToken refresh_token_grant(const TokenService& service, const Scopes& scopes,
                                const std::string& username, const std::string& refresh_token) {
    std::string form = form_field("grant_type", "refresh_token") + "&" +
                       form_field("client_id", kClientId) + "&" +
                       form_field("refresh_token", refresh_token);
    if (!service.service.empty()) form += "&" + form_field("service", service.service);
    if (!scopes.empty()) form += "&" + form_field("scope", scopes.joined());
    HttpRequest request = form_post(service.realm, form);
    auto what = service_name(service.realm);
    auto exchange = send(service.transport, service.retry, request);
    if (exchange->status() == 404 || exchange->status() == 405) {
        exchange.reset();
        return fetch_token(service, scopes, username.empty() ? "<token>" : username, refresh_token);
    }
    return parse_token_response(answer(*exchange, what), Clock::now(), what);
}

std::string exchange_aad_token(HttpTransport& transport, const RetryPolicy& retry,
                               const std::string& exchange_url, const std::string& service,
                               const std::string& access_token) {
    std::string form = form_field("grant_type", "access_token") + "&" +
                       form_field("service", service) + "&" +
                       form_field("access_token", access_token);
    auto what = "the Entra ID token exchange " + redact_url(exchange_url);
    auto exchange = send(transport, retry, form_post(exchange_url, form));
    auto body = answer(*exchange, what);
    auto token = parse_token_response(body, Clock::now(), what);
    if (token.refresh_token.empty()) throw Error(what + " answered without a refresh token");
    return token.refresh_token;
}

}  // namespace cairn::registry
