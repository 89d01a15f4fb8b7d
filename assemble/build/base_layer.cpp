// The base layer as tar with real metadata (libarchive), and its restore with archive_write_disk.
#include "assemble/build/base_layer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "assemble/build/base_index.hpp"
#include "assemble/build/native_build.hpp"
#include "assemble/layer/compression.hpp"
#include "assemble/transport/parallel.hpp"
#include "oci/digest.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

struct ReadFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using EntryHandle = std::unique_ptr<archive_entry, EntryFree>;

constexpr std::size_t kChunk = 256 * 1024;

// libarchive's error text, which may be missing.
std::string archive_message(archive* a) {
    const char* text = a ? archive_error_string(a) : nullptr;
    return text ? text : "unknown error";
}

// A failed libarchive call: the exception our callback kept out of libarchive's C frames if
// there is one (the sink's or the source's own), else libarchive's message.
[[noreturn]] void throw_archive_error(const std::exception_ptr& kept, const std::string& what,
                                      archive* a) {
    if (kept) std::rethrow_exception(kept);
    throw Error(what + ": " + archive_message(a));
}

// Uncompressed tar to a ByteSink; the sink's exception is kept out of libarchive's C frames.
class BaseTarWriter {
  public:
    explicit BaseTarWriter(ByteSink& out) : out_(out), archive_(archive_write_new()) {
        if (!archive_ || archive_write_set_format_pax_restricted(archive_.get()) != ARCHIVE_OK ||
            archive_write_add_filter_none(archive_.get()) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(archive_.get(), 1) != ARCHIVE_OK ||
            archive_write_open(archive_.get(), this, nullptr, &BaseTarWriter::on_write, nullptr) !=
                ARCHIVE_OK) {
            fail("cannot start the base layer");
        }
    }
    ~BaseTarWriter() {
        if (!finished_) discard_ = true;
    }
    BaseTarWriter(const BaseTarWriter&) = delete;
    BaseTarWriter& operator=(const BaseTarWriter&) = delete;

    // `shift`: what the last restore added to the part's mtimes (kBaseShiftFile), taken off
    // again so that a file cargo did not rebuild has the mtime the base gave it.
    void add(const fs::path& path, const std::string& name, __int128 shift) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0)
            throw Error(system_error_text("cannot read " + path.string(), errno));
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) return;
        EntryHandle entry(archive_entry_new());
        // The bytes depend on names, modes, contents and file mtimes only: no owner, no atime
        // or ctime, so that an unchanged crate gives the same layer on every machine.
        archive_entry_set_pathname(entry.get(), name.c_str());
        archive_entry_set_mode(entry.get(), st.st_mode);
        archive_entry_set_size(entry.get(), S_ISREG(st.st_mode) ? st.st_size : 0);
        // A directory's mtime is 0: cargo never compares it, and it moves whenever a file in
        // it comes or goes, which would change the layer of every crate that shares it.
        auto mtime = static_cast<__int128>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        mtime = S_ISDIR(st.st_mode) ? 0 : std::max<__int128>(0, mtime - shift);
        archive_entry_set_mtime(entry.get(), static_cast<time_t>(mtime / 1000000000),
                                static_cast<long>(mtime % 1000000000));
        if (S_ISLNK(st.st_mode))
            archive_entry_set_symlink(entry.get(), fs::read_symlink(path).c_str());
        if (archive_write_header(archive_.get(), entry.get()) < ARCHIVE_WARN)
            fail("cannot add " + name);
        if (!S_ISREG(st.st_mode)) return;
        oci::FileSource file(path);
        std::array<std::uint8_t, kChunk> buffer{};
        for (std::size_t n; (n = file.read(buffer.data(), buffer.size())) > 0;) {
            if (archive_write_data(archive_.get(), buffer.data(), n) < 0)
                fail("cannot add " + name);
        }
    }
    void finish() {
        if (archive_write_close(archive_.get()) != ARCHIVE_OK) fail("cannot finish the base layer");
        finished_ = true;
    }

  private:
    static la_ssize_t on_write(archive*, void* self, const void* data, size_t size) {
        auto* writer = static_cast<BaseTarWriter*>(self);
        if (writer->discard_) return static_cast<la_ssize_t>(size);
        try {
            writer->out_.write(static_cast<const std::uint8_t*>(data), size);
            return static_cast<la_ssize_t>(size);
        } catch (...) {
            writer->error_ = std::current_exception();
            return -1;
        }
    }
    [[noreturn]] void fail(const std::string& what) {
        throw_archive_error(error_, what, archive_.get());
    }

    ByteSink& out_;
    std::exception_ptr error_;
    bool discard_ = false;
    bool finished_ = false;
    std::unique_ptr<archive, WriteFree> archive_;
};

// The shift a restore recorded in a part (restore_base_layers), or 0.
__int128 recorded_shift(const BasePart& part) {
    std::error_code ec;
    auto file = part.directory / kBaseShiftFile;
    if (!fs::is_regular_file(file, ec)) return 0;
    try {
        auto text = oci::read_small_file(file, 64);
        std::int64_t value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        bool whole = error == std::errc() && end != text.data() &&
                     std::string_view(end, text.data() + text.size() - end) == "\n";
        return whole && value >= 0 ? value : 0;
    } catch (const Error&) {
        return 0;
    }
}

// One thing a base holds, and the unit it belongs to: the crate ("serde") of a name directly
// under deps/, .fingerprint/ or build/, the package of node_modules ("react", "@babel").
struct BaseEntry {
    fs::path path;
    std::string name;  // the member name
    std::string unit;
    std::uintmax_t size = 0;
    __int128 shift = 0;
};

// "libserde_json-0a1b2c.rlib" -> "serde_json", "serde_json-0a1b2c.d" -> "serde_json",
// "serde-json-0a1b2c" (a package's directory) -> "serde_json": one unit for all of a crate's
// files, whichever part they are in.
std::string unit_of(const BasePart& part, const std::string& first) {
    if (part.member.starts_with("npm/")) return "npm:" + first;
    std::string name = first;
    auto dash = name.rfind('-');
    if (dash != std::string::npos && dash > 0) {
        auto extension = fs::path(name).extension().string();
        bool library = extension == ".rlib" || extension == ".rmeta" || extension == ".so" ||
                       extension == ".a" || extension == ".dylib";
        name = name.substr(0, dash);
        if (library && name.starts_with("lib") && name.size() > 3) name = name.substr(3);
    }
    std::replace(name.begin(), name.end(), '-', '_');
    return "cargo:" + name;
}

std::vector<BaseEntry> collect_entries(const std::vector<BasePart>& parts) {
    std::vector<BaseEntry> entries;
    for (const auto& part : parts) {
        std::error_code ec;
        if (!fs::is_directory(part.directory, ec)) continue;
        auto shift = recorded_shift(part);
        entries.push_back(
            {.path = part.directory, .name = part.member, .unit = "", .shift = shift});
        auto unreadable = [&](const std::error_code& ec) {
            return Error("cannot read " + part.directory.string() + ": " + ec.message());
        };
        fs::recursive_directory_iterator it(part.directory, fs::directory_options::none, ec);
        if (ec) throw unreadable(ec);
        std::string first;
        // The error is checked right after each step: on failure the iterator becomes the end
        // one, and a loop condition would end the walk quietly, storing a base short of files.
        while (it != fs::recursive_directory_iterator()) {
            auto filename = it->path().filename().string();
            if (it.depth() == 0) first = filename;
            bool left_out = it.depth() == 0 &&
                            (filename == kBaseShiftFile || filename == kBaseIndexFile ||
                             (part.leave_out && part.leave_out(it->path().filename().native())));
            if (left_out) {
                it.disable_recursion_pending();
            } else {
                auto relative = it->path().lexically_relative(part.directory).generic_string();
                std::uintmax_t size = 0;
                if (it->is_regular_file(ec) && !it->is_symlink(ec)) size = it->file_size(ec);
                entries.push_back({.path = it->path(),
                                   .name = part.member + "/" + relative,
                                   .unit = unit_of(part, first),
                                   .size = size,
                                   .shift = shift});
            }
            it.increment(ec);
            if (ec) throw unreadable(ec);
        }
    }
    std::sort(entries.begin(), entries.end(),
              [](const BaseEntry& a, const BaseEntry& b) { return a.name < b.name; });
    return entries;
}

// The layers of a base, made for each tool (cargo's parts, npm's) apart, so that no layer holds
// both: a base made after a Cargo.lock change can keep an earlier base's npm layers as they are,
// without unpacking them (BaseCache::store). For each tool, each unit of at least
// kOwnLayerBytes, up to the tool's number of the largest, in a layer of its own; the rest (and
// the parts' own directories) spread over the tool's shared layers by a hash of the unit's name,
// which does not move when other units come or go. Named by what they hold, in name order. npm
// has fewer: node_modules changes whole (npm ci), never one package at a time as crates do.
struct ToolLayers {
    std::string_view tool;  // the members' first component
    std::size_t own;
    std::size_t shared;
};
constexpr std::uintmax_t kOwnLayerBytes = 1 << 20;
constexpr std::array<ToolLayers, 2> kToolLayers{{{"cargo", 30, 6}, {"npm", 8, 4}}};

std::string_view tool_of_member(std::string_view name) {
    return name.substr(0, name.find('/'));
}

void group_tool_entries(const std::vector<const BaseEntry*>& entries, const ToolLayers& tool,
                        std::map<std::string, std::vector<const BaseEntry*>>& groups) {
    std::map<std::string, std::uintmax_t> unit_bytes;
    for (const auto* entry : entries) unit_bytes[entry->unit] += entry->size;
    std::vector<std::pair<std::uintmax_t, std::string>> by_size;
    for (const auto& [unit, bytes] : unit_bytes) {
        if (!unit.empty() && bytes >= kOwnLayerBytes) by_size.emplace_back(bytes, unit);
    }
    std::sort(by_size.begin(), by_size.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (by_size.size() > tool.own) by_size.resize(tool.own);
    std::set<std::string> own;
    for (const auto& [bytes, unit] : by_size) own.insert(unit);
    for (const auto* entry : entries) {
        std::string group;
        if (own.contains(entry->unit)) {
            group = entry->unit;
        } else {
            auto digest = oci::Digest::of(entry->unit);
            auto bucket = std::stoul(std::string(digest.hex().substr(0, 8)), nullptr, 16);
            group = "shared-" + std::string(tool.tool) + "-" + std::to_string(bucket % tool.shared);
        }
        groups[group].push_back(entry);
    }
}

std::map<std::string, std::vector<const BaseEntry*>> group_entries(
    const std::vector<BaseEntry>& entries) {
    std::map<std::string, std::vector<const BaseEntry*>> groups;
    for (const auto& tool : kToolLayers) {
        std::vector<const BaseEntry*> of_tool;
        for (const auto& entry : entries) {
            if (tool_of_member(entry.name) == tool.tool) of_tool.push_back(&entry);
        }
        group_tool_entries(of_tool, tool, groups);
    }
    return groups;
}

LayerDigests write_entries(const std::vector<const BaseEntry*>& entries, unsigned threads,
                           ByteSink& out) {
    oci::Sha256 blob_hash;
    TeeSink to_out(blob_hash, out);
    auto compressor = make_compressor(Compression::zstd, to_out, threads);
    oci::Sha256 tar_hash;
    TeeSink tar_out(tar_hash, *compressor);
    {
        BaseTarWriter tar(tar_out);
        for (const auto* entry : entries) tar.add(entry->path, entry->name, entry->shift);
        tar.finish();
    }
    compressor->finish();
    return {.diff_id = tar_hash.finish(),
            .digest = blob_hash.finish(),
            .size = static_cast<std::int64_t>(blob_hash.size()),
            .compression = Compression::zstd};
}

// The directory of the first part there is: where a restore keeps its index.
std::optional<fs::path> index_directory(const std::vector<BasePart>& parts) {
    for (const auto& part : parts) {
        std::error_code ec;
        if (fs::is_directory(part.directory, ec)) return part.directory;
    }
    return std::nullopt;
}

// The index the last restore into `parts` left, if it still fits them: the mtimes it recorded
// are moved back by the shift every part holds now, or a layer's bytes would not be its own.
std::optional<BaseIndex> restored_index(const std::vector<BasePart>& parts) {
    auto directory = index_directory(parts);
    if (!directory) return std::nullopt;
    auto index = BaseIndex::read(*directory / kBaseIndexFile);
    if (!index) return std::nullopt;
    for (const auto& part : parts) {
        std::error_code ec;
        if (fs::is_directory(part.directory, ec) && recorded_shift(part) != index->shift)
            return std::nullopt;
    }
    return index;
}

// Whether `members`, the entries of a group of the base being made, are the entries of the
// restored `layer`, by name and in order, each unchanged since the restore (their parts'
// shift is the index's: restored_index): then the layer's bytes are what write_entries would
// make of them (it reads names, modes, sizes, mtimes and contents only, and the index's stamps
// vouch for all of them).
bool still_as_restored(const BaseIndex& index, const IndexedLayer& layer,
                       const std::vector<const BaseEntry*>& members) {
    if (layer.entries.size() != members.size()) return false;
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (members[i]->name != layer.entries[i].name) return false;
        auto now = FileStamp::of(members[i]->path);
        if (!now || !index.unchanged(layer.entries[i].stamp, *now)) return false;
    }
    return true;
}

// Where a member of a base goes on disk. A base is a cache, not a trusted archive: what a
// registry serves under <name>-base may have been pushed by anyone with write access there, so
// every member must stay inside its part. (Trusting the base's compiled code is another matter:
// cargo loads what it restores. That trust is the registry's write access.)
//
// Refused: a member outside every part, one that climbs with ".." or is absolute
// ("cargo/deps//etc/x" would join as /etc/x), a part that is not a directory, a hard link, a
// device or FIFO, and a symbolic link that points outside its part.
fs::path destination(const std::vector<BasePart>& parts, const std::string& name,
                     archive_entry* entry) {
    auto refuse = [&name](const std::string& why) {
        return Error("the base layer holds " + name + ", " + why);
    };
    auto type = archive_entry_filetype(entry);
    if (archive_entry_hardlink(entry) != nullptr) throw refuse("a hard link");
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
        throw refuse("which is not a file, a directory or a symbolic link");
    for (const auto& part : parts) {
        if (name == part.member || name == part.member + "/") {
            if (type != AE_IFDIR) throw refuse("which must be a directory");
            return part.directory;
        }
        if (!name.starts_with(part.member + "/")) continue;
        fs::path rest(name.substr(part.member.size() + 1));
        if (rest.has_root_path()) throw refuse("an absolute path");
        for (const auto& component : rest) {
            if (component == "..") throw refuse("which climbs out of " + part.member);
        }
        if (type == AE_IFLNK) {
            const char* target = archive_entry_symlink(entry);
            fs::path link(target ? target : "");
            auto resolved = (rest.parent_path() / link).lexically_normal();
            if (link.empty() || link.has_root_path() || resolved.begin() == resolved.end() ||
                *resolved.begin() == "..") {
                throw refuse("a symbolic link out of " + part.member);
            }
        }
        return part.directory / rest;
    }
    throw refuse("outside what a base may restore");
}

// The blob as libarchive reads it; the source's exception is kept out of libarchive's C frames
// and thrown again once back in C++.
struct ReadState {
    ByteSource* source = nullptr;
    std::array<std::uint8_t, kChunk> buffer{};
    std::exception_ptr error;

    [[noreturn]] void fail(const std::string& what, archive* a) const {
        throw_archive_error(error, what, a);
    }
};

la_ssize_t read_source(archive*, void* self, const void** buffer) {
    auto* state = static_cast<ReadState*>(self);
    try {
        *buffer = state->buffer.data();
        return static_cast<la_ssize_t>(state->source->read(state->buffer.data(), kChunk));
    } catch (...) {
        state->error = std::current_exception();
        return -1;
    }
}

std::uint64_t copy_entry_data(archive* in, const ReadState& state, archive* out,
                              const std::string& name) {
    std::uint64_t total = 0;
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
        int status = archive_read_data_block(in, &block, &size, &offset);
        if (status == ARCHIVE_EOF) return total;
        if (status < ARCHIVE_WARN) state.fail("the base layer is damaged at " + name, in);
        if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN)
            throw Error("cannot restore " + name + ": " + archive_message(out));
        total += size;
    }
}

// An entry as restored: its member name, where it went, and its mtime as archived.
struct RestoredEntry {
    std::string name;
    fs::path path;
    bool directory = false;
    struct timespec mtime {};
};

// What the restore of one layer wrote. Not whole when it passed over entries of a part left
// alone: then the layer is not what is on disk, and the index does not name it.
struct RestoredLayer {
    std::vector<RestoredEntry> entries;
    bool whole = true;
};

// Whether `name` lies in one of the parts `left_alone` names by member.
bool in_left_alone(const std::vector<std::string>& left_alone, std::string_view name) {
    return std::any_of(left_alone.begin(), left_alone.end(), [name](const std::string& member) {
        return name.starts_with(member) &&
               (name.size() == member.size() || name[member.size()] == '/');
    });
}

// The restored files, dated as if the base had just been built: every mtime moved by one
// amount, so that the newest is now and their order (which cargo compares) stays. cargo checks
// a build script's rerun-if-changed files against its output's mtime, and on a fresh clone the
// sources of a vendored crate are newer than a base built days ago: without the move, such a
// crate (and all that depends on it) would be compiled again. cargo holds third-party sources
// for unchanging (it never looks at their mtimes otherwise), and the base never holds the
// project's own packages (workspace members and path dependencies), so no edit goes unseen.
// Directories are not dated: a base gives them mtime 0 (BaseTarWriter::add).
__int128 shift_to_now(const std::vector<RestoredLayer>& restored) {
    std::vector<const RestoredEntry*> dated;
    for (const auto& layer : restored) {
        for (const auto& entry : layer.entries) {
            if (!entry.directory) dated.push_back(&entry);
        }
    }
    if (dated.empty()) return 0;
    auto nanoseconds = [](const struct timespec& t) {
        return static_cast<__int128>(t.tv_sec) * 1000000000 + t.tv_nsec;
    };
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    __int128 newest = nanoseconds(dated.front()->mtime);
    for (const auto* entry : dated) newest = std::max(newest, nanoseconds(entry->mtime));
    auto shift = nanoseconds(now) - newest;
    for (const auto* entry : dated) {
        const auto& path = entry->path;
        auto moved = nanoseconds(entry->mtime) + shift;
        std::array<struct timespec, 2> times{
            timespec{.tv_sec = 0, .tv_nsec = UTIME_OMIT},
            timespec{.tv_sec = static_cast<time_t>(moved / 1000000000),
                     .tv_nsec = static_cast<long>(moved % 1000000000)}};
        if (moved < 0) times[1] = timespec{.tv_sec = 0, .tv_nsec = 0};
        if (::utimensat(AT_FDCWD, path.c_str(), times.data(), AT_SYMLINK_NOFOLLOW) != 0)
            throw Error(system_error_text("cannot date " + path.string(), errno));
    }
    return shift;
}

}  // namespace

std::vector<BasePart> base_parts(const BuildConfig& config, const fs::path& target_dir) {
    std::vector<BasePart> parts;
    if (config.cargo) {
        auto profile_dir = profile_directory(target_dir, config.cargo->profile);
        for (const char* name : {"deps", ".fingerprint", "build"}) {
            parts.push_back(
                {.member = std::string("cargo/") + name, .directory = profile_dir / name});
        }
    }
    if (config.npm)
        parts.push_back(
            {.member = "npm/node_modules", .directory = config.npm->dir / "node_modules"});
    return parts;
}

std::string_view base_layer_tool(std::string_view group) {
    for (const auto& tool : kToolLayers) {
        auto own = std::string(tool.tool) + ":";
        auto shared = "shared-" + std::string(tool.tool) + "-";
        if (group.starts_with(own) || group.starts_with(shared)) return tool.tool;
    }
    return {};
}

bool base_is_warm(const std::vector<BasePart>& parts) {
    std::error_code ec;
    for (const auto& part : parts) {
        // deps and node_modules say whether the tools ran here; a crate graph without build
        // scripts has no build/, which must not make the build directories look cold.
        if (part.member != "cargo/deps" && part.member != "npm/node_modules") continue;
        if (!fs::is_directory(part.directory, ec) || fs::is_empty(part.directory, ec)) return false;
    }
    return !parts.empty();
}

LayerDigests write_base_layer(const std::vector<BasePart>& parts, unsigned threads, ByteSink& out) {
    auto entries = collect_entries(parts);
    std::vector<const BaseEntry*> all;
    for (const auto& entry : entries) all.push_back(&entry);
    return write_entries(all, threads, out);
}

std::vector<BaseLayer> write_base_layers(const std::vector<BasePart>& parts, unsigned threads,
                                         oci::BlobStore& store) {
    auto entries = collect_entries(parts);
    auto index = restored_index(parts);
    std::map<std::string_view, const IndexedLayer*> by_first;
    if (index) {
        for (const auto& layer : index->layers) {
            if (!layer.entries.empty()) by_first.emplace(layer.entries.front().name, &layer);
        }
    }
    std::vector<BaseLayer> layers;
    for (const auto& [group, members] : group_entries(entries)) {
        if (index) {
            auto first = by_first.find(members.front()->name);
            if (first != by_first.end() && still_as_restored(*index, *first->second, members) &&
                store.has(first->second->digests.digest, first->second->digests.size)) {
                layers.push_back({.group = group, .digests = first->second->digests, .kept = true});
                continue;
            }
        }
        auto blob = store.writer();
        auto digests = write_entries(members, threads, *blob);
        blob->commit(digests.digest, digests.size);
        layers.push_back({.group = group, .digests = digests});
    }
    return layers;
}

std::uint64_t restore_base_layer(ByteSource& compressed, const std::vector<BasePart>& parts) {
    return restore_base_layers({&compressed}, parts);
}

namespace {

// libarchive's disk writer learns the process umask by setting it to 0 and back, process-wide,
// when it is made and again in every archive_write_header (which also makes the entry's file
// or directory). Writers side by side could leave the process at 0, and every file made after
// (cargo's binaries) world-writable: so those two calls take turns; the data, the bulk of a
// restore, is decompressed and written side by side.
std::mutex umask_turns;

// Unpacks one layer of a base into `parts` (already made real) with the disk writer `out`,
// adding every entry it wrote.

std::uint64_t restore_one(ByteSource& compressed, const std::vector<BasePart>& real_parts,
                          const std::vector<std::string>& left_alone, archive* out,
                          RestoredLayer& restored_layer) {
    std::unique_ptr<archive, ReadFree> in(archive_read_new());
    if (!in) throw Error("cannot restore the base layer: out of memory");
    archive_write_disk_set_options(
        out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_UNLINK |
                 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    auto state = std::make_unique<ReadState>();
    state->source = &compressed;
    // zstd and gzip are decoded by libarchive's built-in filters (both are linked in).
    if (archive_read_support_format_tar(in.get()) != ARCHIVE_OK ||
        archive_read_support_filter_zstd(in.get()) != ARCHIVE_OK ||
        archive_read_support_filter_gzip(in.get()) != ARCHIVE_OK ||
        archive_read_open(in.get(), state.get(), nullptr, read_source, nullptr) != ARCHIVE_OK) {
        state->fail("cannot read the base layer", in.get());
    }
    std::uint64_t restored = 0;
    for (;;) {
        archive_entry* entry = nullptr;
        int status = archive_read_next_header(in.get(), &entry);
        if (status == ARCHIVE_EOF) break;
        if (status < ARCHIVE_WARN) state->fail("the base layer is damaged", in.get());
        const char* pathname = archive_entry_pathname(entry);
        std::string name = pathname ? pathname : "";
        if (in_left_alone(left_alone, name)) {
            if (archive_read_data_skip(in.get()) < ARCHIVE_WARN)
                state->fail("the base layer is damaged at " + name, in.get());
            restored_layer.whole = false;
            continue;
        }
        auto where = destination(real_parts, name, entry);
        archive_entry_set_pathname(entry, where.c_str());
        int written;
        {
            std::lock_guard<std::mutex> turn(umask_turns);
            written = archive_write_header(out, entry);
        }
        if (written < ARCHIVE_WARN)
            throw Error("cannot restore " + where.string() + ": " + archive_message(out));
        if (archive_entry_size(entry) > 0) restored += copy_entry_data(in.get(), *state, out, name);
        if (archive_write_finish_entry(out) < ARCHIVE_WARN)
            throw Error("cannot restore " + where.string() + ": " + archive_message(out));
        bool directory = archive_entry_filetype(entry) == AE_IFDIR;
        // The tar writer ends a directory's name with "/", which collect_entries does not.
        if (directory && name.ends_with('/')) name.pop_back();
        restored_layer.entries.push_back({.name = std::move(name),
                                          .path = std::move(where),
                                          .directory = directory,
                                          .mtime = {.tv_sec = archive_entry_mtime(entry),
                                                    .tv_nsec = archive_entry_mtime_nsec(entry)}});
    }
    if (archive_write_close(out) < ARCHIVE_WARN)
        throw Error("cannot finish restoring the base: " + archive_message(out));
    return restored;
}

std::int64_t newest_ctime(const BaseIndex& index) {
    std::int64_t newest = 0;
    for (const auto& layer : index.layers) {
        for (const auto& entry : layer.entries) newest = std::max(newest, entry.stamp.ctime_ns);
    }
    return newest;
}

// Waits until the file system's clock (the kernel's coarse clock, one tick of a few
// milliseconds) is past `ctime_ns`, at most 100 ms: an index written then is newer than every
// stamp in it, so no restored file is racy (BaseIndex::unchanged) and none is read again for
// having been dated in the tick the index was written in.
void wait_past(std::int64_t ctime_ns) {
    for (int i = 0; i < 100; ++i) {
        struct timespec now {};
        ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
        if (static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec > ctime_ns) return;
        struct timespec step {
            .tv_sec = 0, .tv_nsec = 1000000
        };
        ::nanosleep(&step, nullptr);
    }
}

// The index of a restore, taken once every file is dated: what write_base_layers may keep.
void write_restore_index(const std::vector<BasePart>& real_parts, std::int64_t shift,
                         const std::vector<LayerDigests>& digests,
                         const std::vector<RestoredLayer>& restored) {
    auto directory = index_directory(real_parts);
    if (!directory) return;
    BaseIndex index{.shift = shift};
    for (std::size_t i = 0; i < digests.size(); ++i) {
        IndexedLayer layer{.digests = digests[i]};
        bool whole = restored[i].whole;
        for (const auto& entry : restored[i].entries) {
            auto stamp = FileStamp::of(entry.path);
            // A name that would break the index's lines is not one cairn wrote.
            whole =
                whole && stamp && !entry.name.empty() && entry.name.find('\n') == std::string::npos;
            if (!whole) break;
            layer.entries.push_back({.name = entry.name, .stamp = *stamp});
        }
        if (whole && digests[i].compression == Compression::zstd)
            index.layers.push_back(std::move(layer));
    }
    wait_past(newest_ctime(index));
    index.write(*directory / kBaseIndexFile);
}

}  // namespace

std::uint64_t restore_base_layers(const std::vector<ByteSource*>& layers,
                                  const std::vector<BasePart>& parts, unsigned threads,
                                  const std::vector<LayerDigests>& digests,
                                  const std::vector<std::string>& left_alone) {
    // Every path written is absolute (destination() maps members into the parts' directories
    // and refuses the rest), so ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS does not apply. And
    // SECURE_SYMLINKS looks at every component of such a path, the user's own directories
    // above a part too (a symlinked ~/src would be replaced by an empty directory): the parts
    // are written at their real paths.
    std::vector<BasePart> real_parts = parts;
    for (auto& part : real_parts) {
        std::error_code ec;
        auto real = fs::weakly_canonical(part.directory, ec);
        if (!ec) part.directory = real;
        // An index of an earlier restore speaks of files this one replaces.
        fs::remove(part.directory / kBaseIndexFile, ec);
    }
    // The layers hold no entry twice, so they are unpacked side by side (see umask_turns).
    std::vector<std::unique_ptr<archive, WriteFree>> writers;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        writers.emplace_back(archive_write_disk_new());
        if (!writers.back()) throw Error("cannot restore the base layer: out of memory");
    }
    std::vector<std::uint64_t> sizes(layers.size());
    // Every entry written, per layer, in the layer's order.
    std::vector<RestoredLayer> restored_layers(layers.size());
    for_each_parallel(layers.size(), std::max(threads, 1u), [&](std::size_t i) {
        sizes[i] =
            restore_one(*layers[i], real_parts, left_alone, writers[i].get(), restored_layers[i]);
    });
    std::uint64_t restored = 0;
    for (auto size : sizes) restored += size;
    // One shift for all layers, so that the order of mtimes holds across them; each part keeps
    // it, for the next base made from these directories (write_base_layers).
    auto shift = shift_to_now(restored_layers);
    // Nanoseconds: an int64 holds ±292 years.
    auto value = static_cast<std::int64_t>(
        std::clamp<__int128>(shift, 0, std::numeric_limits<std::int64_t>::max()));
    for (const auto& part : real_parts) {
        std::error_code ec;
        if (in_left_alone(left_alone, part.member) || !fs::is_directory(part.directory, ec))
            continue;
        oci::TemporaryFile file(part.directory / kBaseShiftFile);
        file.write(std::to_string(value) + "\n");
        file.commit();
    }
    // A shift that had to be clamped (a base from the future) does not give the layers' mtimes
    // back: no index then.
    if (digests.size() == layers.size() && value == shift)
        write_restore_index(real_parts, value, digests, restored_layers);
    return restored;
}

}  // namespace cairn::assemble
