// Backoff with jitter, retryable statuses, and Retry-After parsing.
#include "registry/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>

namespace cairn::registry {

std::chrono::milliseconds RetryPolicy::delay(int attempt,
                                             std::optional<std::chrono::milliseconds> retry_after,
                                             double unit_random) const {
    if (retry_after) return std::clamp(*retry_after, std::chrono::milliseconds(0), max_retry_after);
    auto full = initial_delay;
    for (int i = 1; i < attempt && full < max_delay; ++i) full *= 2;
    full = std::min(full, max_delay);
    auto half = full / 2;
    return half + std::chrono::milliseconds(static_cast<std::int64_t>(
                      static_cast<double>(half.count()) * std::clamp(unit_random, 0.0, 1.0)));
}

void RetryPolicy::wait(int attempt, std::optional<std::chrono::milliseconds> retry_after) const {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto pause = delay(attempt, retry_after, unit(generator));
    if (sleep) {
        sleep(pause);
    } else {
        std::this_thread::sleep_for(pause);
    }
}

bool is_retryable_status(long status) {
    if (status == 408 || status == 429) return true;
    return status >= 500 && status <= 599 && status != 501 && status != 505;
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (value.size() > 9) return std::chrono::milliseconds::max();
        return std::chrono::seconds(std::stol(std::string(value)));
    }
    // curl_getdate reads the three HTTP-date forms of RFC 9110 (IMF-fixdate, RFC 850, asctime).
    std::string text(value);
    time_t when = curl_getdate(text.c_str(), nullptr);
    if (when == -1) return std::nullopt;
    auto wait = std::chrono::system_clock::from_time_t(when) - now;
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(wait),
                    std::chrono::milliseconds(0));
}

std::unique_ptr<HttpExchange> send_with_retries(
    const RetryPolicy& policy, const std::function<std::unique_ptr<HttpExchange>()>& send) {
    for (int attempt = 1;; ++attempt) {
        std::optional<std::chrono::milliseconds> retry_after;
        try {
            auto exchange = send();
            if (!is_retryable_status(exchange->status()) || attempt >= policy.max_attempts)
                return exchange;
            retry_after = parse_retry_after(exchange->head().header("retry-after"),
                                            std::chrono::system_clock::now());
        } catch (const TransportError& error) {
            if (!error.retryable() || attempt >= policy.max_attempts) throw;
        }
        policy.wait(attempt, retry_after);
    }
}

}  // namespace cairn::registry
