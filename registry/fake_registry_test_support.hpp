// For the tests: an in-memory registry v2 on the fake transport, with a token service, blob
// storage behind redirects, and faults to inject (drops, 503s, lost sessions).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oci/digest.hpp"
#include "oci/manifest.hpp"
#include "oci/media_types.hpp"
#include "oci/stream.hpp"
#include "registry/base64.hpp"
#include "registry/credential.hpp"
#include "registry/fake_transport_test_support.hpp"
#include "registry/http_transport.hpp"
#include "registry/registry_client.hpp"
#include "registry/url.hpp"

namespace cairn::registry::test {

// The descriptor of `bytes` as a blob of `type`.
inline oci::Descriptor describe(const std::string& bytes,
                                std::string_view type = oci::media_type::oci_layer_gzip) {
    return {.media_type = std::string(type),
            .digest = oci::Digest::of(bytes),
            .size = static_cast<std::int64_t>(bytes.size())};
}

// `size` bytes that do not compress, the same for the same `seed`.
inline std::string pattern(std::size_t size, unsigned seed) {
    std::string bytes(size, '\0');
    unsigned state = seed;
    for (auto& c : bytes) {
        state = state * 1103515245 + 12345;
        c = static_cast<char>(state >> 16);
    }
    return bytes;
}

// Everything `source` gives, read `chunk` bytes at a time.
inline std::string drain(ByteSource& source, std::size_t chunk = 65536) {
    std::string out;
    std::vector<std::uint8_t> buffer(chunk);
    while (std::size_t n = source.read(buffer.data(), buffer.size()))
        out.append(reinterpret_cast<char*>(buffer.data()), n);
    return out;
}

inline FakeResponse errors_body(long status, const std::string& code) {
    return {.status = status,
            .headers = {{"Content-Type", "application/json"}},
            .body = R"({"errors":[{"code":")" + code + R"(","message":"fake )" + code + R"("}]})"};
}

// https://registry.test, its token service at https://auth.test/token, and blob storage at
// https://storage.test. Thread-safe (one request at a time).
class FakeRegistry {
  public:
    // Auth: with `bearer`, every registry request needs a token from the token service (which
    // checks `username`/`password` when set); without it, `username` set means Basic auth.
    bool bearer = false;
    std::string username;
    std::string password;
    std::string refresh_token;        // accepted by the token service's POST grant
    bool token_post_refused = false;  // the token service answers POST with 405
    // Faults and quirks.
    bool redirect_blob_gets = false;
    bool ignore_range = false;
    std::optional<std::size_t> drop_blob_get_after;        // once
    std::optional<std::size_t> drop_every_blob_get_after;  // every time: a dripping peer
    std::optional<std::size_t> drop_patch_after;  // once: that many bytes arrive, then a drop
    bool invalidate_upload_on_drop = false;       // as distribution's _state check does
    int unavailable = 0;                          // the next N registry requests answer 503
    std::string retry_after = "0";
    int expire_tokens_after_requests = -1;  // revoke every token after N more requests

    std::map<std::string, std::map<std::string, std::string>> blobs;  // repository → digest → bytes
    std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>>
        manifests;  // → ref → type, bytes
    struct Upload {
        std::string repository;
        std::string data;
        bool valid = true;
    };
    std::map<std::string, Upload> uploads;
    std::set<std::string> valid_tokens;
    std::vector<std::string> token_requests;  // "GET scope=… user=…" / "POST scope=…"
    int next_id = 0;

    FakeResponse handle(const Recorded& request) {
        std::lock_guard lock(mutex_);
        Url url = Url::parse(request.url);
        if (url.authority == "auth.test") return token(request, url);
        if (url.authority == "storage.test") return storage(request, url);
        if (url.authority != "registry.test")
            throw TransportError(TransportError::Kind::resolve, "fake: no such host");
        if (expire_tokens_after_requests >= 0 && expire_tokens_after_requests-- == 0)
            valid_tokens.clear();
        if (unavailable > 0) {
            --unavailable;
            return {.status = 503, .headers = {{"Retry-After", retry_after}}, .body = "busy"};
        }
        if (auto denied = authorize(request)) return *denied;
        return route(request, url);
    }

    std::string put_blob(const std::string& repository, const std::string& bytes) {
        auto digest = oci::Digest::of(bytes).str();
        blobs[repository][digest] = bytes;
        return digest;
    }

  private:
    std::optional<FakeResponse> authorize(const Recorded& request) {
        auto given = request.header("Authorization");
        if (bearer) {
            if (given.starts_with("Bearer ") && valid_tokens.contains(given.substr(7)))
                return std::nullopt;
            return FakeResponse{
                .status = 401,
                .headers = {{"WWW-Authenticate",
                             R"(Bearer realm="https://auth.test/token",service="registry.test")"}},
                .body =
                    R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
        }
        if (!username.empty() && given != "Basic " + base64_encode(username + ":" + password)) {
            return FakeResponse{.status = 401,
                                .headers = {{"WWW-Authenticate", R"(Basic realm="fake")"}}};
        }
        return std::nullopt;
    }

    FakeResponse token(const Recorded& request, const Url& url) {
        if (request.method == "POST") {
            if (token_post_refused) return {.status = 405};
            token_requests.push_back("POST " + request.body);
            if (refresh_token.empty() ||
                request.body.find("refresh_token=" + refresh_token) == std::string::npos) {
                return errors_body(401, "UNAUTHORIZED");
            }
            return issue();
        }
        auto given = request.header("Authorization");
        token_requests.push_back("GET " + url.target +
                                 (given.empty() ? "" : " with " + given.substr(0, 5)));
        bool anonymous_ok = username.empty() && refresh_token.empty();
        bool user_ok =
            !username.empty() && given == "Basic " + base64_encode(username + ":" + password);
        bool refresh_ok =
            !refresh_token.empty() && given.starts_with("Basic ") &&
            base64_decode(given.substr(6)).value_or("").ends_with(":" + refresh_token);
        if (!anonymous_ok && !user_ok && !refresh_ok) return errors_body(401, "UNAUTHORIZED");
        return issue();
    }

    FakeResponse issue() {
        std::string token = "tok-" + std::to_string(++next_id);
        valid_tokens.insert(token);
        return {.status = 200, .body = R"({"token":")" + token + R"(","expires_in":300})"};
    }

    FakeResponse storage(const Recorded& request, const Url& url) {
        if (!request.header("Authorization").empty())
            return {.status = 400, .body = "credentials leaked to storage"};
        auto digest = url.target.substr(1, url.target.find('?') - 1);
        for (auto& [repository, content] : blobs) {
            if (content.contains(digest)) return {.status = 200, .body = content[digest]};
        }
        return {.status = 404};
    }

    FakeResponse route(const Recorded& request, const Url& url) {
        std::string path = url.target.substr(0, url.target.find('?'));
        std::string query = url.target.find('?') == std::string::npos
                                ? ""
                                : url.target.substr(url.target.find('?') + 1);
        if (path == "/v2/") return {.status = 200, .body = "{}"};
        if (auto at = path.rfind("/blobs/uploads/"); at != std::string::npos) {
            return upload(request, path.substr(4, at - 4), path.substr(at + 15), query);
        }
        if (auto at = path.rfind("/blobs/"); at != std::string::npos) {
            return blob(request, path.substr(4, at - 4), path.substr(at + 7));
        }
        if (auto at = path.rfind("/manifests/"); at != std::string::npos) {
            return manifest(request, path.substr(4, at - 4), path.substr(at + 11));
        }
        return errors_body(404, "NAME_UNKNOWN");
    }

    static std::string query_value(const std::string& query, const std::string& name) {
        auto at = ("&" + query).find("&" + name + "=");
        if (at == std::string::npos) return "";
        auto value = query.substr(at + name.size() + 1);
        value = value.substr(0, value.find('&'));
        std::string decoded;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (value[i] == '%' && i + 2 < value.size()) {
                decoded.push_back(
                    static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16)));
                i += 2;
            } else {
                decoded.push_back(value[i]);
            }
        }
        return decoded;
    }

    FakeResponse upload_status(const std::string& repository, const std::string& id, long status) {
        auto size = uploads[id].data.size();
        return {.status = status,
                .headers = {{"Location", "/v2/" + repository + "/blobs/uploads/" + id +
                                             "?_state=" + std::to_string(size)},
                            {"Range", "0-" + std::to_string(size == 0 ? 0 : size - 1)}}};
    }

    FakeResponse upload(const Recorded& request, const std::string& repository,
                        const std::string& id, const std::string& query) {
        if (request.method == "POST") {
            auto mount = query_value(query, "mount");
            auto from = query_value(query, "from");
            if (!mount.empty() && blobs[from].contains(mount)) {
                blobs[repository][mount] = blobs[from][mount];
                return {.status = 201,
                        .headers = {{"Location", "/v2/" + repository + "/blobs/" + mount}}};
            }
            std::string new_id = "u" + std::to_string(++next_id);
            uploads[new_id] = {repository, "", true};
            return upload_status(repository, new_id, 202);
        }
        auto found = uploads.find(id);
        if (found == uploads.end() || !found->second.valid)
            return errors_body(404, "BLOB_UPLOAD_UNKNOWN");
        auto& state = found->second;
        if (request.method == "GET") return upload_status(repository, id, 204);
        if (request.method == "PATCH") {
            auto range = request.header("Content-Range");
            if (range.empty() ||
                std::stoull(range.substr(0, range.find('-'))) != state.data.size()) {
                return errors_body(416, "RANGE_INVALID");
            }
            if (drop_patch_after) {
                state.data += request.body.substr(0, *drop_patch_after);
                drop_patch_after.reset();
                if (invalidate_upload_on_drop) state.valid = false;
                throw TransportError(TransportError::Kind::dropped,
                                     "fake: connection reset during PATCH");
            }
            state.data += request.body;
            return upload_status(repository, id, 202);
        }
        if (request.method == "PUT") {
            state.data += request.body;
            auto digest = query_value(query, "digest");
            if (oci::Digest::of(state.data).str() != digest)
                return errors_body(400, "DIGEST_INVALID");
            blobs[repository][digest] = state.data;
            uploads.erase(found);
            return {.status = 201, .headers = {{"Docker-Content-Digest", digest}}};
        }
        return {.status = 405};
    }

    FakeResponse blob(const Recorded& request, const std::string& repository,
                      const std::string& digest) {
        if (!blobs[repository].contains(digest)) return errors_body(404, "BLOB_UNKNOWN");
        const auto& content = blobs[repository][digest];
        if (request.method == "HEAD") {
            return {.status = 200, .headers = {{"Content-Length", std::to_string(content.size())}}};
        }
        if (redirect_blob_gets) {
            return {.status = 307,
                    .headers = {{"Location", "https://storage.test/" + digest + "?sig=secret"}}};
        }
        FakeResponse response{.status = 200, .body = content};
        auto range = request.header("Range");
        if (!range.empty() && !ignore_range) {
            auto start = std::stoull(range.substr(6, range.find('-') - 6));
            response.status = 206;
            response.body = content.substr(start);
            response.headers.push_back({"Content-Range", "bytes " + std::to_string(start) + "-" +
                                                             std::to_string(content.size() - 1) +
                                                             "/" + std::to_string(content.size())});
        }
        if (drop_blob_get_after) {
            response.drop_after = drop_blob_get_after;
            drop_blob_get_after.reset();
        }
        if (drop_every_blob_get_after) response.drop_after = drop_every_blob_get_after;
        return response;
    }

    FakeResponse manifest(const Recorded& request, const std::string& repository,
                          const std::string& reference) {
        if (request.method == "PUT") {
            auto digest = oci::Digest::of(request.body).str();
            auto type = request.header("Content-Type");
            manifests[repository][reference] = {type, request.body};
            manifests[repository][digest] = {type, request.body};
            return {.status = 201, .headers = {{"Docker-Content-Digest", digest}}};
        }
        auto found = manifests[repository].find(reference);
        if (found == manifests[repository].end()) return errors_body(404, "MANIFEST_UNKNOWN");
        FakeResponse response{
            .status = 200,
            .headers = {{"Content-Type", found->second.first},
                        {"Docker-Content-Digest", oci::Digest::of(found->second.second).str()}},
            .body = found->second.second};
        if (request.method == "HEAD") response.body.clear();
        return response;
    }

    std::mutex mutex_;
};

class FakeKeychain : public Keychain {
  public:
    std::optional<Credential> credential;
    int lookups = 0;
    std::optional<Credential> find(const std::string&, std::string* tried) override {
        ++lookups;
        if (tried) *tried = "the fake keychain";
        return credential;
    }
};

// A client of FakeRegistry's registry.test, retrying without sleeping.
struct FakeRegistryFixture {
    FakeRegistry registry;
    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>(
        [this](const Recorded& request) { return registry.handle(request); });
    std::shared_ptr<const HostPolicy> policy = std::make_shared<const HostPolicy>(
        std::vector<std::string>{}, std::string(), std::vector<std::filesystem::path>{});
    FakeKeychain keychain;
    std::vector<std::chrono::milliseconds> waits;
    std::mutex waits_mutex;

    std::shared_ptr<RegistryClient> client(std::uint64_t chunk_size = 16 << 20,
                                           std::string aad_token = "") {
        RetryPolicy retry{.max_attempts = 4, .sleep = [this](std::chrono::milliseconds pause) {
                              std::lock_guard lock(waits_mutex);
                              waits.push_back(pause);
                          }};
        ClientSettings settings{.auth = {.keychain = &keychain,
                                         .aad_access_token = std::move(aad_token),
                                         .retry = retry},
                                .retry = retry,
                                .chunk_size = chunk_size};
        return std::make_shared<RegistryClient>("registry.test", "registry.test", transport, policy,
                                                settings);
    }

    // The requests sent to a host, as "METHOD target".
    std::vector<std::string> sent_to(const std::string& authority) {
        std::vector<std::string> out;
        for (const auto& request : transport->requests()) {
            Url url = Url::parse(request.url);
            if (url.authority == authority) out.push_back(request.method + " " + url.target);
        }
        return out;
    }
};

}  // namespace cairn::registry::test
