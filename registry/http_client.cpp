// libcurl behind the HttpTransport interface: a multi handle per pooled easy handle, pumped by
// the thread that reads, so that response bodies are pulled as streams with bounded memory.
#include "registry/http_client.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <vector>

#include "oci/text.hpp"
#include "registry/curl_handles.hpp"
#include "registry/trace.hpp"
#include "registry/url.hpp"

namespace cairn::registry {

namespace {

// A response buffered beyond this pauses the transfer until the reader catches up.
constexpr std::size_t kHighWater = 1 << 20;
constexpr long kReceiveBuffer = 256 * 1024;
constexpr long kUploadBuffer = 1 << 20;
constexpr const char* kSystemCaPath = "/etc/ssl/certs";
// A request body larger than this is a transfer (speed floor), not a small request (deadline).
constexpr std::size_t kSmallBody = 1 << 20;
using SteadyClock = std::chrono::steady_clock;

std::string seconds_text(std::chrono::milliseconds time) {
    auto ms = time.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

struct Handle {
    CurlMulti multi;
    CurlEasy easy;
};

std::string trim(std::string_view text) {
    return std::string(oci::trimmed(text));
}

TransportError::Kind kind_of(CURLcode code) {
    using Kind = TransportError::Kind;
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
            return Kind::resolve;
        case CURLE_COULDNT_CONNECT:
            return Kind::connect;
        case CURLE_OPERATION_TIMEDOUT:
            return Kind::timeout;
        case CURLE_SSL_CONNECT_ERROR:
            return Kind::tls_handshake;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_ISSUER_ERROR:
            return Kind::tls_verify;
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_SEND_FAIL_REWIND:
        case CURLE_HTTP3:
            return Kind::dropped;
        default:
            return Kind::other;
    }
}

}  // namespace

struct HttpClient::Pool {
    Pool(HostPolicy p, HttpSettings s) : policy(std::move(p)), settings(std::move(s)) {}

    std::unique_ptr<Handle> acquire() {
        {
            std::lock_guard lock(mutex);
            if (!idle.empty()) {
                auto handle = std::move(idle.back());
                idle.pop_back();
                return handle;
            }
        }
        auto handle = std::make_unique<Handle>(
            Handle{CurlMulti(curl_multi_init()), CurlEasy(curl_easy_init())});
        if (!handle->multi || !handle->easy)
            throw Error("cannot create a libcurl handle (out of memory?)");
        return handle;
    }

    void release(std::unique_ptr<Handle> handle) {
        std::lock_guard lock(mutex);
        idle.push_back(std::move(handle));
    }

    HostPolicy policy;
    HttpSettings settings;
    CurlShare share;  // before `idle`: the handles that use it go first
    std::mutex mutex;
    std::vector<std::unique_ptr<Handle>> idle;
};

namespace {

class CurlExchange : public HttpExchange {
  public:
    explicit CurlExchange(std::shared_ptr<HttpClient::Pool> pool) : pool_(std::move(pool)) {}
    ~CurlExchange() override;
    CurlExchange(const CurlExchange&) = delete;
    CurlExchange& operator=(const CurlExchange&) = delete;

    // Sends the request and waits for the response head.
    void start(const HttpRequest& request);
    const HttpResponseHead& head() const override { return head_; }
    std::size_t read(std::uint8_t* data, std::size_t capacity) override;

  private:
    void configure(const HttpRequest& request);
    void configure_tls();
    void configure_method(const HttpRequest& request);
    void configure_limits();
    void pump(int wait_ms = 1000);
    // Waits for the response head, at most request_timeout once the request is sent.
    void wait_for_head();
    // Throws what ended the transfer badly, if anything did.
    void check_finished();

    static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
    static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* self);
    static std::size_t on_read(char* data, std::size_t size, std::size_t count, void* self);

    std::shared_ptr<HttpClient::Pool> pool_;
    std::unique_ptr<Handle> handle_;
    bool attached_ = false;
    CurlSlist headers_;
    std::string url_;
    std::string authority_;
    bool bulk_ = false;
    std::optional<MemorySource> memory_body_;
    ByteSource* body_ = nullptr;
    std::uint64_t body_remaining_ = 0;
    HttpResponseHead head_;
    bool head_done_ = false;
    bool progressed_ = false;
    std::string buffer_;
    std::size_t buffer_pos_ = 0;
    bool paused_ = false;
    bool done_ = false;
    CURLcode result_ = CURLE_OK;
    std::exception_ptr callback_error_;
    char error_buffer_[CURL_ERROR_SIZE] = {};
};

CurlExchange::~CurlExchange() {
    if (!handle_) return;
    // Removing an unfinished transfer closes its connection; a finished one's stays pooled.
    if (attached_) curl_multi_remove_handle(handle_->multi.get(), handle_->easy.get());
    pool_->release(std::move(handle_));
}

void CurlExchange::start(const HttpRequest& request) {
    handle_ = pool_->acquire();
    configure(request);
    if (curl_multi_add_handle(handle_->multi.get(), handle_->easy.get()) != CURLM_OK) {
        throw Error("cannot start an HTTP request to " + authority_ + " (libcurl)");
    }
    attached_ = true;
    wait_for_head();
    if (!head_done_) {
        check_finished();
        throw TransportError(TransportError::Kind::dropped,
                             authority_ + " closed the connection without a response");
    }
}

void CurlExchange::wait_for_head() {
    const auto timeout = pool_->settings.request_timeout;
    std::optional<SteadyClock::time_point> deadline;
    while (!head_done_ && !done_) {
        // The clock starts once curl has the whole body: an upload takes as long as it takes.
        if (!deadline && body_remaining_ == 0) deadline = SteadyClock::now() + timeout;
        int wait_ms = 1000;
        if (deadline) {
            auto left =
                std::chrono::ceil<std::chrono::milliseconds>(*deadline - SteadyClock::now());
            if (left.count() <= 0) {
                throw TransportError(
                    TransportError::Kind::timeout,
                    authority_ + " sent no complete response head within " + seconds_text(timeout) +
                        " of the request (a stalled or dripping peer; the limit is "
                        "--request-timeout or CAIRN_REQUEST_TIMEOUT)");
            }
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 1000));
        }
        pump(wait_ms);
    }
}

void CurlExchange::configure_limits() {
    CURL* easy = handle_->easy.get();
    const auto& settings = pool_->settings;
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT,
                     static_cast<long>(settings.connect_timeout.count()));
    if (bulk_) {
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT,
                         static_cast<long>(std::max<std::uint64_t>(settings.low_speed_limit, 1)));
        curl_easy_setopt(
            easy, CURLOPT_LOW_SPEED_TIME,
            static_cast<long>(std::max<long long>(settings.low_speed_time.count(), 1)));
    } else {
        curl_easy_setopt(
            easy, CURLOPT_TIMEOUT_MS,
            static_cast<long>(std::max<long long>(settings.request_timeout.count(), 1)));
    }
}

void CurlExchange::configure(const HttpRequest& request) {
    CURL* easy = handle_->easy.get();
    const auto& settings = pool_->settings;
    curl_easy_reset(easy);
    url_ = request.url;
    authority_ = Url::parse(url_).authority;
    curl_easy_setopt(easy, CURLOPT_SHARE, pool_->share.get());
    curl_easy_setopt(easy, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // the client follows, minding credentials
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, settings.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, kReceiveBuffer);
    curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBuffer);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &CurlExchange::on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &CurlExchange::on_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &CurlExchange::on_read);
    curl_easy_setopt(easy, CURLOPT_READDATA, this);
    configure_tls();
    configure_method(request);
    bulk_ = request.bulk || request.body != nullptr || request.body_bytes.size() > kSmallBody;
    configure_limits();
    // No "Expect: 100-continue" round trip (not every proxy answers it; bodies here are bounded).
    headers_.append("Expect:");
    for (const auto& header : request.headers) headers_.append(header);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_.get());
}

void CurlExchange::configure_tls() {
    CURL* easy = handle_->easy.get();
    TlsSettings tls = pool_->policy.tls(authority_);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
    if (!tls.ca_file.empty()) {
        // The extra CA and the system's together, as docker's certs.d does.
        curl_easy_setopt(easy, CURLOPT_CAINFO, tls.ca_file.c_str());
        curl_easy_setopt(easy, CURLOPT_CAPATH, kSystemCaPath);
    }
    if (!tls.client_cert.empty()) {
        curl_easy_setopt(easy, CURLOPT_SSLCERT, tls.client_cert.c_str());
        curl_easy_setopt(easy, CURLOPT_SSLKEY, tls.client_key.c_str());
    }
}

void CurlExchange::configure_method(const HttpRequest& request) {
    CURL* easy = handle_->easy.get();
    body_ = request.body;
    body_remaining_ = request.body ? request.body_size : 0;
    if (!body_ && !request.body_bytes.empty()) {
        memory_body_.emplace(request.body_bytes);
        body_ = &*memory_body_;
        body_remaining_ = request.body_bytes.size();
    }
    auto size = static_cast<curl_off_t>(body_remaining_);
    const auto& method = request.method;
    if (method == "GET") {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (method == "POST") {
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, size);
    } else if (method == "PUT" || method == "PATCH") {
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, size);
        if (method == "PATCH") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "PATCH");
    } else {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
}

void CurlExchange::pump(int wait_ms) {
    progressed_ = false;
    int running = 0;
    CURLMcode code = curl_multi_perform(handle_->multi.get(), &running);
    if (code != CURLM_OK) {
        throw TransportError(
            TransportError::Kind::other,
            "HTTP transfer with " + authority_ + " failed: " + curl_multi_strerror(code));
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(handle_->multi.get(), &queued)) {
        if (message->msg == CURLMSG_DONE) {
            done_ = true;
            result_ = message->data.result;
        }
    }
    if (!done_ && !progressed_ && running > 0) {
        curl_multi_poll(handle_->multi.get(), nullptr, 0, wait_ms, nullptr);
    }
}

void CurlExchange::check_finished() {
    if (callback_error_) std::rethrow_exception(callback_error_);
    if (result_ == CURLE_OK) return;
    auto kind = kind_of(result_);
    std::string detail = error_buffer_[0] ? error_buffer_ : curl_easy_strerror(result_);
    switch (kind) {
        case TransportError::Kind::tls_verify:
            throw TransportError(
                kind, "the TLS certificate of " + authority_ + " is not trusted (" + detail +
                          "); trust its CA with --ca-file FILE or " + authority_ +
                          "/ca.crt under /etc/containers/certs.d, or name the registry "
                          "with --insecure-registry " +
                          authority_);
        case TransportError::Kind::timeout: {
            const auto& settings = pool_->settings;
            if (bulk_) {
                throw TransportError(
                    kind, authority_ + " stalled: the transfer stayed under " +
                              std::to_string(settings.low_speed_limit) + " bytes/s for " +
                              seconds_text(settings.low_speed_time) + " (" + detail +
                              "; the limits are --low-speed-limit and --low-speed-time, or "
                              "CAIRN_LOW_SPEED_LIMIT and CAIRN_LOW_SPEED_TIME)");
            }
            throw TransportError(kind,
                                 authority_ + " did not answer within " +
                                     seconds_text(settings.request_timeout) + " (" + detail +
                                     "; the limit is --request-timeout or CAIRN_REQUEST_TIMEOUT)");
        }
        case TransportError::Kind::resolve:
            throw TransportError(kind, "cannot resolve " + authority_ + " (" + detail +
                                           "); check the registry name");
        case TransportError::Kind::connect:
            throw TransportError(kind, "cannot connect to " + authority_ + " (" + detail +
                                           "); is the registry running and reachable?");
        case TransportError::Kind::tls_handshake:
            throw TransportError(
                kind, "the TLS handshake with " + authority_ + " failed (" + detail +
                          "); if it speaks plain HTTP, name it with --insecure-registry " +
                          authority_);
        default:
            throw TransportError(kind, "HTTP transfer with " + authority_ + " failed: " + detail);
    }
}

std::size_t CurlExchange::read(std::uint8_t* data, std::size_t capacity) {
    while (buffer_pos_ >= buffer_.size()) {
        buffer_.clear();
        buffer_pos_ = 0;
        if (paused_) {
            paused_ = false;
            curl_easy_pause(handle_->easy.get(), CURLPAUSE_CONT);  // may deliver data at once
            continue;
        }
        if (done_) {
            check_finished();
            return 0;
        }
        pump();
    }
    std::size_t n = std::min(capacity, buffer_.size() - buffer_pos_);
    std::memcpy(data, buffer_.data() + buffer_pos_, n);
    buffer_pos_ += n;
    return n;
}

std::size_t CurlExchange::on_header(char* data, std::size_t size, std::size_t count,
                                    void* self_pointer) {
    auto* self = static_cast<CurlExchange*>(self_pointer);
    std::string_view line(data, size * count);
    self->progressed_ = true;
    if (line.starts_with("HTTP/")) {
        // A new response (after a 100 Continue, say): forget the previous one's head.
        self->head_ = {};
        self->head_done_ = false;
        auto space = line.find(' ');
        if (space != std::string_view::npos)
            self->head_.status = std::atol(std::string(line.substr(space + 1, 3)).c_str());
    } else if (trim(line).empty()) {
        if (self->head_.status >= 200) self->head_done_ = true;
    } else if (!self->head_done_) {
        auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            std::string name = oci::lowered(oci::trimmed(line.substr(0, colon)));
            self->head_.headers.emplace_back(std::move(name), trim(line.substr(colon + 1)));
        }
    }
    return size * count;
}

std::size_t CurlExchange::on_write(char* data, std::size_t size, std::size_t count,
                                   void* self_pointer) {
    auto* self = static_cast<CurlExchange*>(self_pointer);
    if (self->buffer_.size() - self->buffer_pos_ >= kHighWater) {
        self->paused_ = true;
        return CURL_WRITEFUNC_PAUSE;  // libcurl keeps this data and hands it over on unpause
    }
    self->progressed_ = true;
    self->head_done_ = true;
    if (self->buffer_pos_ > 0 && self->buffer_pos_ == self->buffer_.size()) {
        self->buffer_.clear();
        self->buffer_pos_ = 0;
    }
    self->buffer_.append(data, size * count);
    return size * count;
}

std::size_t CurlExchange::on_read(char* data, std::size_t size, std::size_t count,
                                  void* self_pointer) {
    auto* self = static_cast<CurlExchange*>(self_pointer);
    std::size_t wanted = std::min<std::uint64_t>(size * count, self->body_remaining_);
    if (wanted == 0 || !self->body_) return 0;
    try {
        std::size_t n = self->body_->read(reinterpret_cast<std::uint8_t*>(data), wanted);
        if (n == 0)
            throw Error("a request body to " + self->authority_ +
                        " ended before its announced length");
        self->body_remaining_ -= n;
        self->progressed_ = true;
        return n;
    } catch (...) {
        self->callback_error_ = std::current_exception();
        return CURL_READFUNC_ABORT;
    }
}

}  // namespace

HttpClient::HttpClient(HostPolicy policy, HttpSettings settings) {
    ensure_curl_initialised();
    pool_ = std::make_shared<Pool>(std::move(policy), std::move(settings));
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpExchange> HttpClient::start(const HttpRequest& request) {
    auto exchange = std::make_unique<CurlExchange>(pool_);
    if (!tracing()) {
        exchange->start(request);
        return exchange;
    }
    // The URL without its query (upload URLs and signed storage URLs carry secrets there);
    // headers are never shown.
    std::string line = request.method + " " + redact_url(request.url);
    try {
        exchange->start(request);
    } catch (const TransportError& error) {
        trace(line + " -> " + error.what());
        throw;
    }
    trace(line + " -> " + std::to_string(exchange->status()));
    return exchange;
}

}  // namespace cairn::registry
