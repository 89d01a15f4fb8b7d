// Backoff bounds, jitter, retryable statuses, Retry-After in both forms, and the retry loop.
#include "registry/retry_policy.hpp"

#include <boost/test/unit_test.hpp>

namespace cairn::registry {

namespace {

using std::chrono::milliseconds;

class CannedExchange : public HttpExchange {
  public:
    explicit CannedExchange(HttpResponseHead head) : head_(std::move(head)) {}
    const HttpResponseHead& head() const override { return head_; }
    std::size_t read(std::uint8_t*, std::size_t) override { return 0; }

  private:
    HttpResponseHead head_;
};

std::unique_ptr<HttpExchange> respond(
    long status, std::vector<std::pair<std::string, std::string>> headers = {}) {
    return std::make_unique<CannedExchange>(
        HttpResponseHead{.status = status, .headers = std::move(headers)});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_retry_policy)

BOOST_AUTO_TEST_CASE(exponential_backoff_with_equal_jitter_and_a_cap) {
    RetryPolicy policy{.initial_delay = milliseconds(500), .max_delay = milliseconds(4000)};
    BOOST_TEST(policy.delay(1, std::nullopt, 0.0).count() == 250);
    BOOST_TEST(policy.delay(1, std::nullopt, 1.0).count() == 500);
    BOOST_TEST(policy.delay(2, std::nullopt, 0.0).count() == 500);
    BOOST_TEST(policy.delay(3, std::nullopt, 0.5).count() == 1500);
    BOOST_TEST(policy.delay(4, std::nullopt, 1.0).count() == 4000);
    BOOST_TEST(policy.delay(30, std::nullopt, 1.0).count() == 4000);
    for (double r : {0.0, 0.3, 0.99}) {
        auto d = policy.delay(2, std::nullopt, r);
        BOOST_TEST((d >= milliseconds(500) && d <= milliseconds(1000)));
    }
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured_up_to_its_cap) {
    RetryPolicy policy{.max_retry_after = milliseconds(60'000)};
    BOOST_TEST(policy.delay(1, milliseconds(7000), 0.9).count() == 7000);
    BOOST_TEST(policy.delay(1, milliseconds(3'600'000), 0.9).count() == 60'000);
    BOOST_TEST(policy.delay(1, milliseconds(0), 0.9).count() == 0);
}

BOOST_AUTO_TEST_CASE(which_statuses_are_retried) {
    for (long status : {408L, 429L, 500L, 502L, 503L, 504L})
        BOOST_TEST(is_retryable_status(status));
    for (long status : {200L, 201L, 202L, 400L, 401L, 403L, 404L, 416L, 501L, 505L}) {
        BOOST_TEST(!is_retryable_status(status));
    }
}

BOOST_AUTO_TEST_CASE(retry_after_parsing) {
    auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    BOOST_TEST(parse_retry_after("120", now)->count() == 120'000);
    BOOST_TEST(parse_retry_after(" 0 ", now)->count() == 0);
    BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now)->count() == 30'000);
    BOOST_TEST(parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now)->count() == 60'000);
    BOOST_TEST(parse_retry_after("Sun Nov  6 08:49:47 1994", now)->count() == 10'000);
    BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now)->count() == 0);  // past
    BOOST_TEST(!parse_retry_after("", now));
    BOOST_TEST(!parse_retry_after("soon", now));
    BOOST_TEST(!parse_retry_after("-5", now));
}

BOOST_AUTO_TEST_CASE(the_loop_retries_5xx_and_transport_errors_within_its_bound) {
    std::vector<milliseconds> waits;
    RetryPolicy policy{.max_attempts = 4, .sleep = [&](milliseconds d) { waits.push_back(d); }};
    int calls = 0;
    auto response = send_with_retries(policy, [&]() -> std::unique_ptr<HttpExchange> {
        ++calls;
        if (calls == 1) throw TransportError(TransportError::Kind::dropped, "reset");
        if (calls == 2) return respond(503, {{"retry-after", "2"}});
        return respond(200);
    });
    BOOST_TEST(response->status() == 200);
    BOOST_TEST(calls == 3);
    BOOST_TEST_REQUIRE(waits.size() == 2u);
    BOOST_TEST(waits[1].count() == 2000);

    calls = 0;
    auto last = send_with_retries(policy, [&] {
        ++calls;
        return respond(502);
    });
    BOOST_TEST(last->status() == 502);
    BOOST_TEST(calls == 4);

    calls = 0;
    BOOST_CHECK_THROW(send_with_retries(policy,
                                        [&]() -> std::unique_ptr<HttpExchange> {
                                            ++calls;
                                            throw TransportError(TransportError::Kind::tls_verify,
                                                                 "untrusted");
                                        }),
                      TransportError);
    BOOST_TEST(calls == 1);

    calls = 0;
    auto not_found = send_with_retries(policy, [&] {
        ++calls;
        return respond(404);
    });
    BOOST_TEST(not_found->status() == 404);
    BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::registry
