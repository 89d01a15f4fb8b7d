// The libcurl HTTP transport: pooled handles (connections kept for reuse), HTTP/2 over TLS where
// offered, per-host TLS from the HostPolicy, streamed request and response bodies.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "registry/host_policy.hpp"
#include "registry/http_transport.hpp"

namespace cairn::registry {

struct HttpSettings {
    std::string user_agent = "cairn";
    std::chrono::seconds connect_timeout{30};
    // No total timeout (a layer may take an hour): a transfer that moves no byte for this long
    // is dropped instead (and retried by the caller).
    std::chrono::seconds stall_timeout{120};
};

// Safe to use from several threads at once: each request takes a handle from a pool and
// gives it back, with its open connections, when its exchange ends.
class HttpClient : public HttpTransport {
  public:
    HttpClient(HostPolicy policy, HttpSettings settings);
    ~HttpClient() override;
    std::unique_ptr<HttpExchange> start(const HttpRequest& request) override;

    struct Pool;

  private:
    std::shared_ptr<Pool> pool_;
};

}  // namespace cairn::registry
