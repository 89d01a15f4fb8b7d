// Stat keys of walked trees and their records (`cairn stat index 1`, key, diff_id).
#include "assemble/layer/stat_index.hpp"

#include <sstream>
#include <string>

#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view record_magic = "cairn stat index 1";

// Length-prefixed, so that no two different entry lists hash the same text.
void put(oci::Sha256& hash, std::string_view field) {
    hash.write(std::to_string(field.size()) + ":");
    hash.write(field);
}
void put(oci::Sha256& hash, std::int64_t number) {
    put(hash, std::to_string(number));
}

}  // namespace

StatKey stat_key(const std::vector<TreeEntry>& entries, const TarOptions& options,
                 std::string_view salt, std::int64_t walked_at) {
    oci::Sha256 hash;
    put(hash, salt);
    put(hash, options.mtime);
    put(hash, static_cast<std::int64_t>(entries.size()));
    bool racy = false;
    for (const auto& entry : entries) {
        put(hash, entry.path);
        put(hash, static_cast<std::int64_t>(entry.kind));
        put(hash, entry.source.native());
        put(hash, entry.mode);
        put(hash, static_cast<std::int64_t>(entry.size));
        put(hash, entry.symlink_target);
        put(hash, entry.hardlink_target);
        put(hash, entry.capability);
        put(hash, static_cast<std::int64_t>(entry.device));
        put(hash, static_cast<std::int64_t>(entry.inode));
        put(hash, entry.modified);
        put(hash, entry.changed);
        if (entry.modified >= walked_at - racy_seconds || entry.changed >= walked_at - racy_seconds)
            racy = true;
    }
    return {.digest = hash.finish(), .racy = racy};
}

std::optional<oci::Digest> read_stat_record(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    try {
        std::istringstream text(oci::read_small_file(path, 512));
        std::string magic, key, diff_id;
        std::getline(text, magic);
        std::getline(text, key);
        std::getline(text, diff_id);
        // The key line guards against a record copied or renamed under another name.
        if (magic != record_magic || !oci::Digest::is_valid(key) ||
            oci::Digest::parse(key).hex() != path.filename().native() ||
            !oci::Digest::is_valid(diff_id))
            return std::nullopt;
        return oci::Digest::parse(diff_id);
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::optional<oci::Digest> find_stat_record(const fs::path& directory, const oci::Digest& key) {
    return read_stat_record(directory / std::string(key.hex()));
}

void write_stat_record(const fs::path& directory, const oci::Digest& key,
                       const oci::Digest& diff_id) {
    fs::create_directories(directory);
    oci::TemporaryFile file(directory / std::string(key.hex()));
    file.write(std::string(record_magic) + "\n" + key.str() + "\n" + diff_id.str() + "\n");
    file.commit();
}

}  // namespace cairn::assemble
