// The libcurl HTTP transport: pooled handles (connections kept for reuse), HTTP/2 over TLS where
// offered, per-host TLS from the HostPolicy, streamed request and response bodies.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "registry/host_policy.hpp"
#include "registry/http_transport.hpp"

namespace cairn::registry {

// How long a peer may take. A peer that drips bytes must not hold cairn forever, yet a layer
// may take an hour: small answers (pings, tokens, manifests, errors) have a total deadline,
// and so has every response head once its request is sent; blob transfers (a download marked
// `bulk`, an upload of more than 1 MiB) instead have a floor of speed, which they must not stay
// under for `low_speed_time`. What fails is a TransportError of kind timeout naming the host
// (retried by the caller as a stall).
struct HttpSettings {
    std::string user_agent = "cairn";
    std::chrono::seconds connect_timeout{30};
    std::chrono::milliseconds request_timeout{60'000};
    std::uint64_t low_speed_limit = 1024;  // bytes per second
    std::chrono::seconds low_speed_time{60};
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
