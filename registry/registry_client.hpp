// One registry host over the v2 API: its base URL (found by a ping), authorization, redirects
// that never carry credentials to another host, and bounded retries. The requests themselves
// (manifests, blobs, uploads) are built on send() in their own files.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "registry/authenticator.hpp"
#include "registry/host_policy.hpp"
#include "registry/http_transport.hpp"
#include "registry/retry_policy.hpp"
#include "registry/scope.hpp"

namespace cairn::registry {

struct ClientSettings {
    AuthSettings auth;
    RetryPolicy retry;
    // Blobs larger than this are uploaded in chunks of this size (each held in memory while
    // it is sent, so that a dropped connection can resume); smaller ones in one request.
    std::uint64_t chunk_size = 16 << 20;
};

// A request to the registry; `url` absolute (see RegistryClient::url).
struct RegistryCall {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;
    std::string_view body;  // in memory, so the call can be sent again
    // Or a body streamed once (a whole blob): such a call is never sent again by the client;
    // after a 401 the caller gets it back (with the token renewed) and must reopen the stream.
    ByteSource* stream = nullptr;
    std::uint64_t stream_size = 0;
    Scopes scopes;  // what the bearer token must allow
    bool bulk = false;  // a blob download: see HttpRequest::bulk
};

// Safe to share between threads.
class RegistryClient {
  public:
    // `registry` as the user wrote it ("docker.io", "127.0.0.1:5000"); `api_host` where the API
    // answers ("registry-1.docker.io"). The policy must outlive the client.
    RegistryClient(std::string registry, std::string api_host,
                   std::shared_ptr<HttpTransport> transport,
                   std::shared_ptr<const HostPolicy> policy, ClientSettings settings);

    const std::string& registry() const { return registry_; }
    // "https://host/v2/…" for a path "/v2/…"; pings the registry first, once.
    std::string url(std::string_view path);
    // GET /v2/: finds the scheme of an --insecure-registry host and the auth challenge. Called by
    // url(); a registry that does not answer like one is an Error.
    void ping();

    // Sends with authorization (a 401 gets a fresh token and one more try), follows redirects
    // (dropping Authorization off the registry's origin), retries connection failures, 5xx and
    // 429 as the retry policy says. Returns the final response, whatever its status.
    std::unique_ptr<HttpExchange> send(const RegistryCall& call);
    // Sends one request through the same redirect and credential rules, without retrying
    // (for callers that retry by themselves, like resuming downloads).
    std::unique_ptr<HttpExchange> send_once(const RegistryCall& call);

    // Throws the Error for an unexpected response to `what` ("getting manifest app:v1"): an
    // AuthError naming the credential source for 401/403, else the status and the registry's
    // error codes.
    [[noreturn]] void fail(HttpExchange& response, const std::string& what);

    const ClientSettings& settings() const { return settings_; }
    HttpTransport& transport() { return *transport_; }

  private:
    std::unique_ptr<HttpExchange> follow_redirects(const RegistryCall& call,
                                                   const std::string& authorization);

    std::string registry_;
    std::string api_host_;
    std::shared_ptr<HttpTransport> transport_;
    std::shared_ptr<const HostPolicy> policy_;
    ClientSettings settings_;
    Authenticator auth_;
    std::mutex ping_mutex_;
    bool pinged_ = false;
    std::string base_url_;
};

}  // namespace cairn::registry
