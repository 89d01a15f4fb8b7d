// An image configuration: the runtime config, rootfs.diff_ids and history of an image.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.hpp"
#include "oci/json.hpp"
#include "oci/platform.hpp"

namespace cairn::oci {

struct HistoryEntry {
    std::string created;
    std::string author;
    std::string created_by;
    std::string comment;
    bool empty_layer = false;
};

// Keeps the whole document, so fields cairn does not model (healthchecks, stop signals,
// tool-specific keys) survive a change; only the fields changed through this API move.
class ImageConfig {
  public:
    static ImageConfig parse(std::string_view bytes, std::string_view what);
    // The config of an image with no layers yet (a "scratch" base).
    static ImageConfig scratch(const Platform& platform);

    ImageConfig(const ImageConfig& other);
    ImageConfig& operator=(const ImageConfig& other);
    ImageConfig(ImageConfig&&) = default;
    ImageConfig& operator=(ImageConfig&&) = default;

    // Compact JSON in the document's own key order (stable for the same input).
    std::string to_json() const;

    Platform platform() const;
    std::string created() const;
    void set_created(std::string_view rfc3339);

    std::vector<std::string> entrypoint() const;
    std::vector<std::string> cmd() const;
    std::vector<std::string> env() const;
    std::string user() const;
    std::string workdir() const;
    std::map<std::string, std::string> labels() const;
    std::vector<std::string> exposed_ports() const;

    void set_entrypoint(const std::vector<std::string>& words);
    void set_cmd(const std::vector<std::string>& words);
    // Sets NAME=VALUE, replacing an earlier NAME in place.
    void set_env(std::string_view name, std::string_view value);
    void set_user(std::string_view user);
    void set_workdir(std::string_view workdir);
    void set_label(std::string_view key, std::string_view value);
    // "8080/tcp"; a port without a protocol means tcp.
    void add_exposed_port(std::string_view port);

    std::vector<Digest> diff_ids() const;
    std::vector<HistoryEntry> history() const;
    // Adds a layer: its diff_id and a history entry for it, keeping the two consistent.
    void append_layer(const Digest& diff_id, const HistoryEntry& history);
    // History is optional, and a config may describe fewer layers than it has: adds `entry`
    // (at the end) once for each layer without a non-empty history entry, so that entries
    // appended after it describe the layers appended after it. Returns how many it added.
    std::size_t add_missing_history(const HistoryEntry& entry);
    // Replaces rootfs.diff_ids and history as a whole (a rebase onto other base layers); the
    // caller keeps them consistent.
    void set_layers(const std::vector<Digest>& diff_ids, const std::vector<HistoryEntry>& history);

  private:
    explicit ImageConfig(json::Document document) : document_(std::move(document)) {}
    json::Value& runtime();
    const json::Value* runtime_or_null() const;
    void set_string_array(json::Value& parent, const char* key,
                          const std::vector<std::string>& words);
    json::Value& member_object(json::Value& parent, const char* key);
    void append_history(const HistoryEntry& history);

    json::Document document_;
};

// RFC 3339 UTC text of a Unix time, as image configs write it: "1970-01-01T00:00:00Z".
std::string rfc3339_utc(std::int64_t unix_seconds);

}  // namespace cairn::oci
