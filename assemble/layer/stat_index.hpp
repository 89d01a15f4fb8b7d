// The stat index: an unchanged layer recognised from its files' stats, without reading them.
//
// Like git's index and ccache's direct mode, a tree whose every path, type, mode, size, link,
// device, inode, modification and change time is what it was when a layer was last made of it
// is taken to hold the same bytes, so its tar pass (a read and a hash of every byte) is
// skipped. The change time moves on every write, chmod, rename into place or xattr change, and
// cannot be set back by a user, which makes the evidence hard to fake by accident.
//
// The racy case (git's "racily clean" entries): a file written in the same second as the stats
// were taken may change again within that second and keep every stat. So no record is written
// while any entry changed within racy_seconds of the walk; the next build, when those files
// have aged, writes it. Times are whole seconds, so every filesystem (ns, 1 s, FAT's 2 s)
// behaves the same.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "assemble/layer/file_tree.hpp"
#include "oci/digest.hpp"

namespace cairn::assemble {

inline constexpr std::int64_t racy_seconds = 2;

struct StatKey {
    oci::Digest digest;  // of every stat that decides the tar's bytes, and of `salt`
    bool racy = false;   // some entry changed too recently for a record to be trusted
};

// `salt` names how the tar is written (cairn's layer format); `walked_at` is the time, in
// seconds, just before the walk that produced `entries`.
StatKey stat_key(const std::vector<TreeEntry>& entries, const TarOptions& options,
                 std::string_view salt, std::int64_t walked_at);

// `directory/<key hex>` -> the diff_id of the tar those stats gave. A missing, corrupt or
// foreign record is nothing, never an error.
std::optional<oci::Digest> find_stat_record(const std::filesystem::path& directory,
                                            const oci::Digest& key);
// Written atomically (temp file and rename), so concurrent builds never see half a record.
void write_stat_record(const std::filesystem::path& directory, const oci::Digest& key,
                       const oci::Digest& diff_id);
// The diff_id a record names, or nothing; for `cache gc`.
std::optional<oci::Digest> read_stat_record(const std::filesystem::path& path);

}  // namespace cairn::assemble
