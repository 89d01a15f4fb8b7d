// Flattening: one pass over the layers from the top, a set of the paths already decided.
#include "assemble/transport/flatten.hpp"

#include <map>
#include <set>
#include <string>

#include "assemble/layer/compression.hpp"
#include "assemble/layer/layer.hpp"
#include "assemble/layer/tar_stream.hpp"
#include "oci/error.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace {

constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";

// "./usr/bin/" and "/usr/bin" are both "usr/bin".
std::string normalize(std::string_view path) {
    while (true) {
        if (path.starts_with("./")) {
            path.remove_prefix(2);
        } else if (path.starts_with("/")) {
            path.remove_prefix(1);
        } else {
            break;
        }
    }
    while (path.ends_with("/")) path.remove_suffix(1);
    if (path == ".") return "";
    return std::string(path);
}

std::string parent_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

const char* entry_path(archive_entry* entry) {
    const char* path = archive_entry_pathname_utf8(entry);
    return path ? path : archive_entry_pathname(entry);
}

// What the layers above the one being read decided.
class UpperLayers {
  public:
    // Whether an upper layer hides `path`: gave it already, deleted it or an ancestor, made an
    // ancestor opaque, or put a non-directory where an ancestor would be.
    bool hide(const std::string& path) const {
        if (seen_.count(path) || deleted_.count(path)) return true;
        for (auto at = path.rfind('/'); at != std::string::npos; at = path.rfind('/', at - 1)) {
            std::string ancestor = path.substr(0, at);
            if (deleted_.count(ancestor) || opaque_.count(ancestor)) return true;
            auto found = seen_.find(ancestor);
            if (found != seen_.end() && !found->second) return true;
            if (at == 0) break;
        }
        return false;
    }
    void saw(const std::string& path, bool directory) { seen_.emplace(path, directory); }
    // Whiteouts apply to the layers below the one that holds them: kept apart until it ends.
    void will_delete(const std::string& path) { pending_deleted_.insert(path); }
    void will_hide_below(const std::string& directory) { pending_opaque_.insert(directory); }
    void end_layer() {
        deleted_.merge(pending_deleted_);
        opaque_.merge(pending_opaque_);
        pending_deleted_.clear();
        pending_opaque_.clear();
    }

  private:
    std::map<std::string, bool> seen_;  // path -> is a directory
    std::set<std::string> deleted_, opaque_, pending_deleted_, pending_opaque_;
};

class LayerFlattener {
  public:
    LayerFlattener(TarStreamWriter& writer, UpperLayers& upper, FlattenStats& stats)
        : writer_(writer), upper_(upper), stats_(stats) {}

    void read(ByteSource& tar, const std::string& what) {
        TarStreamReader reader(tar, what);
        while (archive_entry* entry = reader.next()) {
            std::string path = normalize(entry_path(entry));
            std::string name = path.substr(path.rfind('/') + 1);
            if (path.empty()) continue;  // the root directory itself
            if (name == kOpaque) {
                upper_.will_hide_below(parent_of(path));
            } else if (name.starts_with(kWhiteout)) {
                std::string parent = parent_of(path);
                std::string target = name.substr(kWhiteout.size());
                upper_.will_delete(parent.empty() ? target : parent + "/" + target);
            } else if (upper_.hide(path)) {
                ++stats_.entries_hidden;
            } else {
                upper_.saw(path, archive_entry_filetype(entry) == AE_IFDIR);
                write(reader, entry, path);
                continue;
            }
            reader.skip_data(path);
        }
        upper_.end_layer();
    }

  private:
    void write(TarStreamReader& reader, archive_entry* entry, const std::string& path) {
        archive_entry_update_pathname_utf8(entry, path.c_str());
        if (const char* link = archive_entry_hardlink_utf8(entry)) {
            archive_entry_update_hardlink_utf8(entry, normalize(link).c_str());
        }
        writer_.header(entry);
        std::uint8_t buffer[64 * 1024];
        while (std::size_t n = reader.read_data(buffer, sizeof buffer, path))
            writer_.data(buffer, n, path);
        ++stats_.entries;
    }

    TarStreamWriter& writer_;
    UpperLayers& upper_;
    FlattenStats& stats_;
};

}  // namespace

FlattenStats flatten(oci::ImageSource& source, const oci::Manifest& manifest, ByteSink& out,
                     oci::Meter* meter) {
    FlattenStats stats;
    UpperLayers upper;
    TarStreamWriter writer(out);
    LayerFlattener flattener(writer, upper, stats);
    const auto& layers = manifest.layers;
    for (std::size_t i = layers.size(); i-- > 0;) {
        const auto& layer = layers[i];
        if (!oci::media_type::is_layer(layer.media_type)) {
            throw Error(source.name() + ": layer " + layer.digest.str() + " has media type \"" +
                        layer.media_type + "\", which is not a layer");
        }
        oci::ProgressTask task(meter, "layer " + std::to_string(i + 1) + " " +
                                          std::string(layer.digest.short_hex()),
                               static_cast<std::uint64_t>(layer.size));
        oci::MeteredSource blob(source.open_blob(layer), &task);
        auto tar = make_decompressor(layer_compression(layer.media_type), blob);
        flattener.read(*tar, "layer " + layer.digest.str() + " of " + source.name());
        // The rest of the stream (the tar's padding, a compressed end): read, so that the
        // blob's digest is checked at its end.
        CountingSink rest;
        copy_stream(*tar, rest);
        copy_stream(blob, rest);
    }
    writer.finish();
    return stats;
}

}  // namespace cairn::assemble
