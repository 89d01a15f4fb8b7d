// The files of a layer before they become tar: every input walked, merged and sorted by path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "assemble/layer/tar_tree.hpp"

namespace cairn::assemble {

enum class EntryKind { directory, regular, symlink };

// One path of the layer and where its metadata and content come from.
struct TreeEntry {
    // Path in the layer: '/'-separated, no leading "/" or "./", no trailing '/'.
    std::string path;
    EntryKind kind = EntryKind::directory;
    // On disk; empty for a directory made up to hold a `dest`.
    std::filesystem::path source;
    // Permission bits, setuid/setgid/sticky included.
    std::uint32_t mode = 0755;
    // Regular files: the size when walked (checked again when the content is read).
    std::uint64_t size = 0;
    std::string symlink_target;
    // Non-empty: stored as a hardlink to this earlier path of the same layer.
    std::string hardlink_target;
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t link_count = 1;
    // Regular files: the raw `security.capability` extended attribute (file capabilities, as
    // `setcap cap_net_bind_service=+ep` sets), empty when there is none. The one xattr a layer
    // keeps, as Docker does: user.* and the rest describe the host (download origins, SELinux
    // labels, ACLs) and would make the layer depend on it.
    std::string capability;
    // When the content and the inode last changed, in whole seconds (0 for a made-up
    // directory): the evidence the stat index (stat_index.hpp) trusts instead of the content.
    std::int64_t modified = 0;
    std::int64_t changed = 0;
};

// The extended attribute a layer keeps (see TreeEntry::capability).
inline constexpr const char* kCapabilityAttribute = "security.capability";

// Walks every input (never following symlinks), applies options.ignore, warns about and drops
// FIFOs, sockets and devices, adds the directories above each `dest`, merges the inputs and
// returns the entries sorted byte-wise by path, so that a directory precedes its contents and
// the order never depends on readdir. Later paths of a multiply linked file get
// hardlink_target. Throws cairn::Error for a missing or unreadable source and for two inputs
// that put different things at one path.
std::vector<TreeEntry> collect_tree(const std::vector<TreeInput>& inputs,
                                    const TarOptions& options);

}  // namespace cairn::assemble
