// For the tests: a scripted HTTP transport that records every request and answers from a
// handler, with connections that drop part-way when told to.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "registry/http_transport.hpp"

namespace cairn::registry::test {

struct Recorded {
    std::string method;
    std::string url;
    std::vector<std::string> headers;
    std::string body;

    std::string header(std::string_view name) const {
        for (const auto& line : headers) {
            auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string key = line.substr(0, colon);
            if (key.size() == name.size() &&
                std::equal(key.begin(), key.end(), name.begin(),
                           [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
                auto value = line.substr(colon + 1);
                return value.empty() ? value : value.substr(value.find_first_not_of(' '));
            }
        }
        return "";
    }
};

struct FakeResponse {
    long status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::optional<std::size_t> drop_after;  // the connection drops after this many body bytes
};

class FakeExchange : public HttpExchange {
  public:
    explicit FakeExchange(FakeResponse response) : response_(std::move(response)) {
        head_.status = response_.status;
        for (auto& [name, value] : response_.headers) {
            std::string lower = name;
            for (auto& c : lower) c = static_cast<char>(std::tolower(c));
            head_.headers.emplace_back(lower, value);
        }
    }
    const HttpResponseHead& head() const override { return head_; }
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        std::size_t limit = response_.drop_after.value_or(response_.body.size());
        if (offset_ >= limit) {
            if (limit < response_.body.size())
                throw TransportError(TransportError::Kind::dropped, "fake: dropped");
            return 0;
        }
        std::size_t n = std::min(capacity, limit - offset_);
        std::memcpy(data, response_.body.data() + offset_, n);
        offset_ += n;
        return n;
    }

  private:
    FakeResponse response_;
    HttpResponseHead head_;
    std::size_t offset_ = 0;
};

class FakeTransport : public HttpTransport {
  public:
    using Handler = std::function<FakeResponse(const Recorded&)>;
    explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}

    std::unique_ptr<HttpExchange> start(const HttpRequest& request) override {
        Recorded recorded{request.method, request.url, request.headers,
                          std::string(request.body_bytes)};
        if (request.body) {
            recorded.body.resize(request.body_size);
            std::size_t filled = 0;
            while (filled < request.body_size) {
                auto n = request.body->read(
                    reinterpret_cast<std::uint8_t*>(recorded.body.data()) + filled,
                    request.body_size - filled);
                if (n == 0) break;
                filled += n;
            }
        }
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(recorded);
        }
        return std::make_unique<FakeExchange>(handler_(recorded));
    }

    std::vector<Recorded> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    void clear() {
        std::lock_guard lock(mutex_);
        requests_.clear();
    }

  private:
    Handler handler_;
    std::mutex mutex_;
    std::vector<Recorded> requests_;
};

}  // namespace cairn::registry::test
