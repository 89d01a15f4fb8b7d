// Blob HEAD, mount and the resuming download stream.
#include "registry/blob_requests.hpp"

#include <algorithm>
#include <cstring>

#include "registry/url.hpp"

namespace cairn::registry {

namespace {

std::string blob_path(const std::string& repository, const oci::Digest& digest) {
    return "/v2/" + repository + "/blobs/" + digest.str();
}

// The first byte of a Content-Range "bytes START-END/TOTAL", or std::nullopt.
std::optional<std::uint64_t> content_range_start(std::string_view value) {
    if (!value.starts_with("bytes ")) return std::nullopt;
    value.remove_prefix(6);
    auto dash = value.find('-');
    if (dash == 0 || dash == std::string_view::npos) return std::nullopt;
    try {
        return std::stoull(std::string(value.substr(0, dash)));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

class BlobStream : public ByteSource {
  public:
    BlobStream(std::shared_ptr<RegistryClient> client, std::string repository,
               oci::Descriptor descriptor, Scopes scopes, std::string name)
        : client_(std::move(client)),
          repository_(std::move(repository)),
          descriptor_(std::move(descriptor)),
          scopes_(std::move(scopes)),
          name_(std::move(name)) {}

    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        if (finished_) return 0;  // read again after its end: still the end, no new request
        while (true) {
            bool opening = !response_;
            try {
                if (opening) open();
                std::size_t n = read_skipping(data, capacity);
                if (n == 0) {
                    response_.reset();
                    if (offset_ < static_cast<std::uint64_t>(descriptor_.size)) {
                        throw TransportError(TransportError::Kind::dropped,
                                             "the download ended early");
                    }
                    finished_ = true;
                    return 0;
                }
                offset_ += n;
                attempt_bytes_ += n;
                return n;
            } catch (const TransportError& error) {
                response_.reset();
                // The budget of tries is per stall, not per blob: an attempt that moved a good
                // part of a blob earns a fresh budget; one that got a few bytes does not, or a
                // peer dripping a byte per try would keep us forever.
                if (attempt_bytes_ >= kSteadyProgress) failures_ = 0;
                attempt_bytes_ = 0;
                const auto& retry = client_->settings().retry;
                // A request that got no answer was retried by the client already: trying it
                // again here would multiply the tries (5 × 5 against a registry that never
                // answers). Only a body cut short earns tries of this loop, each resuming.
                if (!error.retryable() || opening || ++failures_ >= retry.max_attempts) {
                    throw Error("downloading blob " + descriptor_.digest.str() + " of " + name_ +
                                " from " + client_->registry() + " failed after " +
                                std::to_string(offset_) + " of " +
                                std::to_string(descriptor_.size) + " bytes: " + error.what());
                }
                retry.wait(failures_, std::nullopt);
            }
        }
    }

  private:
    void open() {
        RegistryCall call{.url = client_->url(blob_path(repository_, descriptor_.digest)),
                          .scopes = scopes_,
                          .bulk = true};
        if (offset_ > 0) call.headers.push_back("Range: bytes=" + std::to_string(offset_) + "-");
        response_ = client_->send(call);
        long status = response_->status();
        skip_ = 0;
        if (status == 200) {
            skip_ = offset_;  // the whole blob again: drop what was already given
        } else if (status == 206 && offset_ > 0) {
            auto start = content_range_start(response_->head().header("content-range"));
            if (start != offset_) {
                throw Error("blob " + descriptor_.digest.str() + " of " + name_ + ": " +
                            client_->registry() + " resumed the download at the wrong offset");
            }
        } else if (status == 404) {
            throw Error("blob " + descriptor_.digest.str() + " of " + name_ + " is missing from " +
                        client_->registry() + " (HTTP 404): the image is incomplete there");
        } else {
            client_->fail(*response_,
                          "downloading blob " + descriptor_.digest.str() + " of " + name_);
        }
    }

    std::size_t read_skipping(std::uint8_t* data, std::size_t capacity) {
        while (skip_ > 0) {
            std::size_t n = response_->read(
                data, static_cast<std::size_t>(std::min<std::uint64_t>(capacity, skip_)));
            if (n == 0) return 0;
            skip_ -= n;
        }
        return response_->read(data, capacity);
    }

    std::shared_ptr<RegistryClient> client_;
    std::string repository_;
    oci::Descriptor descriptor_;
    Scopes scopes_;
    std::string name_;
    std::unique_ptr<HttpExchange> response_;
    std::uint64_t offset_ = 0;
    std::uint64_t skip_ = 0;
    int failures_ = 0;
    bool finished_ = false;
    static constexpr std::uint64_t kSteadyProgress = 1 << 20;
    std::uint64_t attempt_bytes_ = 0;  // moved since the last open()
};

}  // namespace

std::optional<std::int64_t> stat_blob(RegistryClient& client, const std::string& repository,
                                      const oci::Digest& digest, const Scopes& scopes) {
    auto response = client.send(
        {.method = "HEAD", .url = client.url(blob_path(repository, digest)), .scopes = scopes});
    if (response->status() == 404) return std::nullopt;
    if (response->status() != 200)
        client.fail(*response, "checking for blob " + digest.str() + " in " + repository);
    auto length = response->head().header("content-length");
    try {
        return length.empty() ? -1 : std::stoll(length);
    } catch (const std::exception&) {
        return -1;
    }
}

MountResult mount_blob(RegistryClient& client, const std::string& repository,
                       const oci::Digest& digest, const std::string& source_repository,
                       const Scopes& scopes) {
    auto url = with_query(
        with_query(client.url("/v2/" + repository + "/blobs/uploads/"), "mount", digest.str()),
        "from", source_repository);
    auto response = client.send({.method = "POST", .url = url, .scopes = scopes});
    MountResult result;
    result.mounted = response->status() == 201;
    auto location = response->head().header("location");
    if (response->status() == 202 && !location.empty())
        result.upload_url = resolve_url(url, location);
    read_body_prefix(*response, 0);
    return result;
}

std::unique_ptr<ByteSource> open_blob_stream(std::shared_ptr<RegistryClient> client,
                                             const std::string& repository,
                                             const oci::Descriptor& descriptor,
                                             const Scopes& scopes, const std::string& name) {
    return std::make_unique<BlobStream>(std::move(client), repository, descriptor, scopes, name);
}

}  // namespace cairn::registry
