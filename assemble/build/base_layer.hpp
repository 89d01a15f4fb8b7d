// The base layer: the compiled third-party dependencies and node_modules, as a cache blob.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "assemble/build/build_config.hpp"
#include "assemble/layer/layer.hpp"
#include "oci/blob_store.hpp"

namespace cairn::assemble {

// Unlike app layers, a base keeps real mtimes, owners' ids and modes: it is a build cache, and
// cargo decides what is fresh by mtime (a base with SOURCE_DATE_EPOCH mtimes would look stale).
struct BasePart {
    std::string member;               // the member prefix in the layer: "cargo/deps"
    std::filesystem::path directory;  // where it lives on this machine
    // Entries directly under `directory` that stay out of the layer (the workspace's own build
    // output: a base holds third-party code only). Empty: keep everything.
    std::function<bool(std::string_view entry)> leave_out;
};

// What goes into the base for this config: <profile dir>/{deps,.fingerprint,build} of cargo's
// target directory and <npm dir>/node_modules.
std::vector<BasePart> base_parts(const BuildConfig& config,
                                 const std::filesystem::path& target_dir);

// Whether the builds are already warm here: every part exists and is not empty.
bool base_is_warm(const std::vector<BasePart>& parts);

// Where a restore notes, in each part, how far it moved the mtimes (nanoseconds): the next base
// made from the part moves them back, so that a file cargo did not rebuild keeps its bytes in
// the base. Never itself in a base.
inline constexpr const char* kBaseShiftFile = ".cairn-base-shift";

// The parts that exist as zstd tar layers. The bytes depend on the entries' names, modes,
// contents and (moved back) mtimes only, in name order, not on owners or the machine.
LayerDigests write_base_layer(const std::vector<BasePart>& parts, unsigned threads, ByteSink& out);

// One layer of a base made of several.
struct BaseLayer {
    // "cargo:tokio" for a crate of its own, "shared-cargo-3" for a shared layer of crates,
    // "npm:next" and "shared-npm-1" for npm's
    std::string group;
    LayerDigests digests;
    // Kept as the last restore unpacked it: none of its files changed since (base_index.hpp),
    // so it was not read again.
    bool kept = false;
};

// The tool whose entries the layer of `group` holds ("cargo", "npm"), or empty for a group of
// neither form (an earlier cairn's "shared-3" held both).
std::string_view base_layer_tool(std::string_view group);

// The base as several layers written into `store`, so that a crate that did not change keeps
// its layer's digest and a registry moves only the layers that did. No layer holds both tools'
// entries. Each crate of at least 1 MiB, up to the 30 largest, in a layer of its own, the rest
// spread over 6 shared layers by a hash of their names; npm's packages likewise, up to 8 and 4
// (at most 48 layers in all). In group name order. A group that is a layer the last restore
// into `parts` unpacked, none of its files changed since, is that layer again, its blob in
// `store` not read (the bytes are the same either way).
std::vector<BaseLayer> write_base_layers(const std::vector<BasePart>& parts, unsigned threads,
                                         oci::BlobStore& store);

// Unpacks a base layer (`compressed`: the blob as stored) into the parts' directories, keeping
// modes and the mtimes' order: every mtime is moved by one amount so that the newest is the
// time of the restore (see shift_to_now in base_layer.cpp). A member outside every part, or
// climbing with "..", is a cairn::Error.
// Returns the number of bytes of file content restored.
std::uint64_t restore_base_layer(ByteSource& compressed, const std::vector<BasePart>& parts);
// The same for the layers of one base, dated as one, unpacked on up to `threads` threads (a
// base holds no entry in two layers). With `digests` (one per layer, as stored), the restore
// leaves an index of what it wrote (kBaseIndexFile), for write_base_layers. The parts whose
// members `left_alone` names are not touched: their entries are read past, not written (a part
// the build does not need, or one already warm), and the layers that hold any stay out of the
// index.
std::uint64_t restore_base_layers(const std::vector<ByteSource*>& layers,
                                  const std::vector<BasePart>& parts, unsigned threads = 1,
                                  const std::vector<LayerDigests>& digests = {},
                                  const std::vector<std::string>& left_alone = {});

}  // namespace cairn::assemble
