// When and how long to wait before trying a request again: bounded, backing off, with jitter.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "registry/http_transport.hpp"

namespace cairn::registry {

struct RetryPolicy {
    // Tries in all, the first included.
    int max_attempts = 5;
    std::chrono::milliseconds initial_delay{500};
    std::chrono::milliseconds max_delay{30'000};
    // A server's Retry-After is honoured up to this long.
    std::chrono::milliseconds max_retry_after{60'000};
    // Where the waiting happens; tests record instead of sleeping. Empty: std::this_thread.
    std::function<void(std::chrono::milliseconds)> sleep;

    // The wait after failed try number `attempt` (from 1): the server's Retry-After when it
    // gave one, else initial_delay doubled per try, capped, with "equal jitter" (a random
    // point in its upper half, `unit_random` in [0, 1)) so that parallel uploads that failed
    // together do not come back together.
    std::chrono::milliseconds delay(int attempt,
                                    std::optional<std::chrono::milliseconds> retry_after,
                                    double unit_random) const;
    // delay() with a random jitter, then waits that long.
    void wait(int attempt, std::optional<std::chrono::milliseconds> retry_after) const;
};

// 408, 429 and the 5xx that mean "not now" (500, 502, 503, 504 and the rest but 501 and 505).
bool is_retryable_status(long status);

// A Retry-After value: delay-seconds or an HTTP-date (relative to `now`); std::nullopt when
// it is neither. A date in the past means no wait.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// Calls `send` until it returns a response whose status is not worth retrying (or the tries run
// out: the last response is returned as it is), waiting as the policy says in between;
// retryable TransportErrors are tried again too, others thrown at once.
std::unique_ptr<HttpExchange> send_with_retries(
    const RetryPolicy& policy, const std::function<std::unique_ptr<HttpExchange>()>& send);

}  // namespace cairn::registry
