// The blob upload protocol with resumption: chunks in memory, offsets from the registry.
#include "registry/blob_upload.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "registry/blob_requests.hpp"
#include "registry/registry_errors.hpp"
#include "registry/url.hpp"

namespace cairn::registry {

namespace {

constexpr int kMaxRestarts = 2;

// The registry forgot the session or refused what it holds: the upload starts over.
struct SessionLost {
    std::string why;
};

class Uploader {
  public:
    Uploader(const BlobUpload& upload, ByteSource& content, const BlobOpener* reopen)
        : up_(upload),
          source_(&content),
          reopen_(reopen),
          hasher_(std::make_unique<oci::Sha256>()) {}

    std::uint64_t run();

  private:
    std::string what() const {
        return "uploading blob " + up_.descriptor.digest.str() + " to " + up_.name;
    }
    std::uint64_t size() const { return static_cast<std::uint64_t>(up_.descriptor.size); }
    const RetryPolicy& retry() const { return up_.client.settings().retry; }
    RegistryCall call(std::string method, std::string url) const {
        return {.method = std::move(method), .url = std::move(url), .scopes = up_.scopes};
    }

    void start_session();
    void send_streamed();
    void skip_to(std::uint64_t offset);
    void fill_chunk();
    void send_chunk();
    std::uint64_t registry_offset();
    std::uint64_t reported_offset();
    void verify();
    void commit();
    void restart();
    void follow_location(const HttpExchange& response);
    [[noreturn]] void session_lost(HttpExchange& response);

    const BlobUpload& up_;
    ByteSource* source_;
    std::unique_ptr<ByteSource> reopened_;
    const BlobOpener* reopen_;
    std::unique_ptr<oci::Sha256> hasher_;
    bool verified_ = false;
    std::string location_;
    std::string chunk_;  // bytes [chunk_start_, chunk_start_ + chunk_.size()) of the blob
    std::uint64_t chunk_start_ = 0;
    bool ended_ = false;  // chunk_ is the last one
    std::uint64_t sent_ = 0;
};

std::uint64_t Uploader::run() {
    location_ = up_.session_url;
    // Content that can be opened again goes as one streamed PATCH, as docker and skopeo send
    // it: nothing held in memory, one request however big. Otherwise, chunks in memory, each
    // of which can be sent again.
    const bool streamed = reopen_ && size() > 0;
    if (!streamed) fill_chunk();
    for (int restarts = 0;; ++restarts) {
        try {
            if (location_.empty()) start_session();
            if (streamed) {
                send_streamed();
                commit();
                return sent_;
            }
            while (true) {
                send_chunk();
                if (ended_) break;
                chunk_start_ += chunk_.size();
                fill_chunk();
            }
            verify();
            commit();
            return sent_;
        } catch (const SessionLost& lost) {
            bool can_restart = reopen_ || chunk_start_ == 0;
            if (streamed) chunk_start_ = 0;
            if (restarts >= kMaxRestarts || !can_restart) {
                throw Error(what() + ": " + up_.client.registry() + " lost the upload after " +
                            std::to_string(chunk_start_) + " bytes (" + lost.why + ")" +
                            (can_restart
                                 ? ""
                                 : "; run the command again: blobs already pushed are skipped"));
            }
            restart();
        }
    }
}

void Uploader::start_session() {
    auto url = up_.client.url("/v2/" + up_.repository + "/blobs/uploads/");
    auto response = up_.client.send(call("POST", url));
    auto location = response->head().header("location");
    if (response->status() != 202 || location.empty())
        up_.client.fail(*response, what() + " (starting the upload)");
    location_ = resolve_url(url, location);
    read_body_prefix(*response, 0);
}

// Hashes what the transport reads for the body, and checks the content ends where its
// descriptor says.
class HashingBody : public ByteSource {
  public:
    HashingBody(ByteSource& inner, oci::Sha256& hasher) : inner_(inner), hasher_(hasher) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        std::size_t n = inner_.read(data, capacity);
        hasher_.write(data, n);
        return n;
    }

  private:
    ByteSource& inner_;
    oci::Sha256& hasher_;
};

void Uploader::send_streamed() {
    std::uint64_t offset = 0;
    int failures = 0;
    while (true) {
        std::optional<std::chrono::milliseconds> retry_after;
        try {
            HashingBody body(*source_, *hasher_);
            RegistryCall patch = call("PATCH", location_);
            patch.headers = {
                "Content-Type: application/octet-stream",
                "Content-Range: " + std::to_string(offset) + "-" + std::to_string(size() - 1)};
            patch.stream = &body;
            patch.stream_size = size() - offset;
            sent_ += size() - offset;
            auto response = up_.client.send_once(patch);
            long status = response->status();
            if (status == 202 || status == 204) {
                follow_location(*response);
                read_body_prefix(*response, 0);
                std::uint8_t extra;  // one more read: the end, where verifying sources check
                if (source_->read(&extra, 1) != 0) {
                    throw Error(what() + ": the content is larger than the " +
                                std::to_string(size()) + " bytes its descriptor gives");
                }
                verify();
                return;
            }
            if (status == 404 || status == 400) session_lost(*response);
            if (status != 401 && status != 416 && !is_retryable_status(status))
                up_.client.fail(*response, what());
            retry_after = parse_retry_after(response->head().header("retry-after"), Clock::now());
        } catch (const TransportError& error) {
            if (!error.retryable()) throw;
        }
        if (++failures >= retry().max_attempts) {
            throw Error(what() + ": gave up after " + std::to_string(failures) + " tries");
        }
        retry().wait(failures, retry_after);
        offset = reported_offset();
        if (offset > size()) throw SessionLost{"it reports more bytes than the blob has"};
        skip_to(offset);
    }
}

// Opens the content again and reads (and hashes) it up to `offset`, where the registry is.
void Uploader::skip_to(std::uint64_t offset) {
    reopened_ = (*reopen_)();
    source_ = reopened_.get();
    hasher_ = std::make_unique<oci::Sha256>();
    std::vector<std::uint8_t> buffer(1 << 20);
    while (offset > 0) {
        auto n = source_->read(buffer.data(), std::min<std::uint64_t>(buffer.size(), offset));
        if (n == 0) throw Error(what() + ": the content ended early when read again");
        hasher_->write(buffer.data(), n);
        offset -= n;
    }
}

void Uploader::fill_chunk() {
    std::uint64_t remaining = size() - chunk_start_;
    auto want = static_cast<std::size_t>(
        std::min<std::uint64_t>(up_.client.settings().chunk_size, remaining));
    chunk_.resize(want);
    std::size_t filled = 0;
    while (filled < want) {
        std::size_t n =
            source_->read(reinterpret_cast<std::uint8_t*>(chunk_.data()) + filled, want - filled);
        if (n == 0) {
            throw Error(what() + ": the content ended after " +
                        std::to_string(chunk_start_ + filled) + " bytes, its descriptor gives " +
                        std::to_string(size()));
        }
        filled += n;
    }
    hasher_->write(chunk_);
    ended_ = chunk_start_ + want == size();
    if (ended_) {
        std::uint8_t
            extra;  // one more read: the end of the content (where verifying sources check)
        if (source_->read(&extra, 1) != 0) {
            throw Error(what() + ": the content is larger than the " + std::to_string(size()) +
                        " bytes its descriptor gives");
        }
    }
}

void Uploader::send_chunk() {
    if (chunk_.empty()) return;
    const std::uint64_t end = chunk_start_ + chunk_.size();
    std::uint64_t offset = chunk_start_;
    int failures = 0;
    while (offset < end) {
        auto part = std::string_view(chunk_).substr(offset - chunk_start_);
        std::optional<std::chrono::milliseconds> retry_after;
        try {
            RegistryCall patch = call("PATCH", location_);
            patch.headers = {
                "Content-Type: application/octet-stream",
                "Content-Range: " + std::to_string(offset) + "-" + std::to_string(end - 1)};
            patch.body = part;
            sent_ += part.size();
            auto response = up_.client.send_once(patch);
            long status = response->status();
            if (status == 202 || status == 204) {
                follow_location(*response);
                read_body_prefix(*response, 0);
                offset = end;
                continue;
            }
            if (status == 404 || status == 400) session_lost(*response);
            if (status != 416 && !is_retryable_status(status)) up_.client.fail(*response, what());
            retry_after = parse_retry_after(response->head().header("retry-after"), Clock::now());
        } catch (const TransportError& error) {
            if (!error.retryable()) throw;
        }
        if (++failures >= retry().max_attempts) {
            throw Error(what() + ": gave up after " + std::to_string(failures) +
                        " tries to send bytes " + std::to_string(offset) + "-" +
                        std::to_string(end - 1));
        }
        retry().wait(failures, retry_after);
        offset = registry_offset();
    }
}

std::uint64_t Uploader::registry_offset() {
    auto offset = reported_offset();
    if (offset < chunk_start_ || offset > chunk_start_ + chunk_.size()) {
        throw SessionLost{"it holds " + std::to_string(offset) + " bytes, cairn had sent up to " +
                          std::to_string(chunk_start_ + chunk_.size())};
    }
    return offset;
}

// How many bytes of the upload the registry holds (its Range header).
std::uint64_t Uploader::reported_offset() {
    auto response = up_.client.send(call("GET", location_));
    if (response->status() == 404 || response->status() == 400) session_lost(*response);
    if (response->status() != 204 && response->status() != 200) {
        up_.client.fail(*response, what() + " (asking how far the upload got)");
    }
    follow_location(*response);
    auto range = response->head().header("range");
    read_body_prefix(*response, 0);
    if (range.starts_with("bytes=")) range.erase(0, 6);
    std::uint64_t offset = 0;
    auto dash = range.find('-');
    if (dash != std::string::npos) {
        std::uint64_t last = std::stoull(range.substr(dash + 1));
        // distribution reports "0-0" for an empty upload too.
        offset = last == 0 && chunk_start_ == 0 ? 0 : last + 1;
    }
    return offset;
}

void Uploader::verify() {
    if (verified_) return;
    auto digest = hasher_->finish();
    if (digest != up_.descriptor.digest) {
        throw Error(what() + ": the content hashes to " + digest.str() +
                    ", not to its descriptor's digest; "
                    "nothing was committed");
    }
    verified_ = true;
}

void Uploader::commit() {
    auto put = call("PUT", with_query(location_, "digest", up_.descriptor.digest.str()));
    put.headers = {"Content-Type: application/octet-stream"};
    auto response = up_.client.send(put);
    long status = response->status();
    if (status == 404 && stat_blob(up_.client, up_.repository, up_.descriptor.digest, up_.scopes)) {
        return;  // an earlier try committed it and its answer was lost
    }
    if (status == 404 || status == 400) session_lost(*response);
    if (status != 201 && status != 204 && status != 200)
        up_.client.fail(*response, what() + " (committing it)");
    auto reported = response->head().header("docker-content-digest");
    read_body_prefix(*response, 0);
    if (!reported.empty() && reported != up_.descriptor.digest.str()) {
        throw Error(what() + ": " + up_.client.registry() + " stored it as " + reported);
    }
}

void Uploader::restart() {
    location_.clear();
    if (reopen_ && size() > 0 && chunk_.empty()) {  // streamed: from the start, afresh
        skip_to(0);
        verified_ = false;
        return;
    }
    if (chunk_start_ == 0) return;  // the first chunk is still in memory: send it again
    reopened_ = (*reopen_)();
    source_ = reopened_.get();
    hasher_ = std::make_unique<oci::Sha256>();
    verified_ = false;
    chunk_start_ = 0;
    fill_chunk();
}

void Uploader::follow_location(const HttpExchange& response) {
    auto location = response.head().header("location");
    if (!location.empty()) location_ = resolve_url(location_, location);
}

void Uploader::session_lost(HttpExchange& response) {
    long status = response.status();
    auto body = read_body_prefix(response, 8192);
    auto errors = parse_registry_errors(body);
    bool lost = status == 404 || has_error_code(errors, "BLOB_UPLOAD_INVALID") ||
                has_error_code(errors, "BLOB_UPLOAD_UNKNOWN") ||
                has_error_code(errors, "DIGEST_INVALID") ||
                has_error_code(errors, "SIZE_INVALID") || has_error_code(errors, "RANGE_INVALID");
    if (!lost)
        throw Error(what() + ": " + up_.client.registry() + " answered " +
                    describe_response(status, body));
    throw SessionLost{describe_response(status, body)};
}

}  // namespace

std::uint64_t upload_blob(const BlobUpload& upload, ByteSource& content, const BlobOpener* reopen) {
    return Uploader(upload, content, reopen).run();
}

}  // namespace cairn::registry
