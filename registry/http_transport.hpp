// The HTTP transport interface the registry client speaks through (libcurl in http_client.hpp,
// a scripted fake in the tests): one request, its response head, its body as a stream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oci/error.hpp"
#include "oci/stream.hpp"

namespace cairn::registry {

struct HttpRequest {
    std::string method = "GET";        // GET HEAD POST PUT PATCH DELETE
    std::string url;                   // absolute
    std::vector<std::string> headers;  // "Name: value"
    // A body in memory, which makes the request one that can be sent again as it is.
    std::string_view body_bytes;
    // Or a streamed body, read once, exactly body_size bytes. Either is sent with its
    // Content-Length, never chunked (ACR refuses Transfer-Encoding: chunked).
    ByteSource* body = nullptr;
    std::uint64_t body_size = 0;
    // The response body is a blob (of any size): the transfer has a floor of speed rather than
    // a total deadline (see HttpSettings). Request bodies over 1 MiB make a request bulk too.
    bool bulk = false;
};

struct HttpResponseHead {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order

    // The last value of a header, "" when absent.
    std::string header(std::string_view name) const;
    // Every value of a header (WWW-Authenticate may come more than once).
    std::vector<std::string> headers_named(std::string_view name) const;
};

// A response whose head has arrived; read() streams the body and throws TransportError
// when the connection drops before its end.
class HttpExchange : public ByteSource {
  public:
    virtual const HttpResponseHead& head() const = 0;
    long status() const { return head().status; }
};

class HttpTransport {
  public:
    virtual ~HttpTransport() = default;
    // Sends the request (following no redirects) and waits for the response head. Throws
    // TransportError when none comes.
    virtual std::unique_ptr<HttpExchange> start(const HttpRequest& request) = 0;
};

// The network failed rather than the server answering. The message names the host, never a
// URL's query or any header.
class TransportError : public Error {
  public:
    enum class Kind {
        resolve,        // no such host
        connect,        // refused or unreachable
        tls_handshake,  // no TLS spoken (e.g. plain HTTP) or the handshake broke
        tls_verify,     // the certificate is not trusted
        timeout,        // connect timeout or a stalled transfer
        dropped,        // reset or closed part-way
        other,
    };
    TransportError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
    Kind kind() const { return kind_; }
    // Worth trying again: connection refusals, resets, stalls.
    bool retryable() const {
        return kind_ == Kind::connect || kind_ == Kind::timeout || kind_ == Kind::dropped;
    }

  private:
    Kind kind_;
};

// Reads a whole small body; more than `max_size` bytes is an Error naming `what`.
std::string read_body(HttpExchange& exchange, std::size_t max_size, std::string_view what);
// Reads at most `max_size` bytes of a body and drops the rest (for error responses).
std::string read_body_prefix(HttpExchange& exchange, std::size_t max_size);

}  // namespace cairn::registry
