// Walking the inputs of a layer into one sorted list of entries, without ever following a link.
#include "assemble/layer/file_tree.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

std::string join(const std::string& parent, const std::string& name) {
    return parent.empty() ? name : parent + "/" + name;
}

std::string parent_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// A `dest` as a layer path; `names_directory` when a file source keeps its own name under it.
struct Destination {
    std::string path;
    bool names_directory = true;
};

Destination parse_destination(const std::string& dest) {
    Destination out;
    std::size_t start = 0;
    while (start <= dest.size()) {
        auto end = std::min(dest.find('/', start), dest.size());
        std::string part = dest.substr(start, end - start);
        start = end + 1;
        if (part.empty() || part == ".") continue;
        // A layer is applied at the root of the image; nothing may point above it.
        if (part == "..") throw Error("destination " + dest + " must not contain '..'");
        out.path = join(out.path, part);
    }
    out.names_directory = out.path.empty() || dest.back() == '/';
    return out;
}

// The file's capabilities, or "" (none, or a file system without extended attributes).
std::string read_capability(const std::filesystem::path& source) {
    char value[64];  // VFS_CAP_U32_3: 24 bytes; anything longer is not a capability set
    ssize_t size = ::lgetxattr(source.c_str(), kCapabilityAttribute, value, sizeof value);
    if (size > 0) return std::string(value, static_cast<std::size_t>(size));
    if (errno == ENODATA || errno == ENOTSUP || errno == EOPNOTSUPP) return {};
    throw Error(system_error_text(
        "cannot read the capabilities (security.capability) of " + source.string(), errno));
}

const char* special_file_kind(mode_t mode) {
    if (S_ISFIFO(mode)) return "FIFO";
    if (S_ISSOCK(mode)) return "socket";
    if (S_ISCHR(mode)) return "character device";
    if (S_ISBLK(mode)) return "block device";
    return "file of unknown type";
}

// The entry for one lstat()ed path, or nothing for a file a layer should not carry.
std::optional<TreeEntry> entry_from_stat(const std::filesystem::path& source, std::string path,
                                         const struct stat& st, const TarOptions& options) {
    TreeEntry entry;
    entry.path = std::move(path);
    entry.source = source;
    entry.mode = st.st_mode & 07777;
    entry.modified = st.st_mtim.tv_sec;
    entry.changed = st.st_ctim.tv_sec;
    if (S_ISDIR(st.st_mode)) {
        entry.kind = EntryKind::directory;
    } else if (S_ISREG(st.st_mode)) {
        entry.kind = EntryKind::regular;
        entry.size = static_cast<std::uint64_t>(st.st_size);
        entry.device = st.st_dev;
        entry.inode = st.st_ino;
        entry.link_count = st.st_nlink;
        entry.capability = read_capability(source);
    } else if (S_ISLNK(st.st_mode)) {
        entry.kind = EntryKind::symlink;
        std::error_code error;
        entry.symlink_target = std::filesystem::read_symlink(source, error).native();
        if (error) throw Error("cannot read symlink " + source.string() + ": " + error.message());
    } else {
        // Opening a FIFO would block and a device has no content a layer could carry.
        if (options.warn)
            options.warn("skipping " + std::string(special_file_kind(st.st_mode)) + " " +
                         source.string());
        return std::nullopt;
    }
    return entry;
}

// The merged layer, keyed by path; std::string orders byte-wise (as unsigned char).
class TreeBuilder {
  public:
    void add(TreeEntry entry) {
        auto found = entries_.find(entry.path);
        if (found == entries_.end()) {
            entries_.emplace(entry.path, std::move(entry));
            return;
        }
        TreeEntry& existing = found->second;
        if (existing.kind == EntryKind::directory && entry.kind == EntryKind::directory) {
            // One directory from several inputs: the first real one gives its metadata.
            if (existing.source.empty() && !entry.source.empty()) existing = std::move(entry);
            return;
        }
        throw Error("two inputs put something at " + entry.path + ": " + describe(existing) +
                    " and " + describe(entry) + "; change a destination or ignore one of them");
    }

    // `path` and every directory above it, as 0755 directories unless an input gives them.
    void add_directory_chain(const std::string& path) {
        std::size_t end = 0;
        while (end < path.size()) {
            end = std::min(path.find('/', end + 1), path.size());
            TreeEntry directory;
            directory.path = path.substr(0, end);
            add(std::move(directory));
        }
    }

    std::vector<TreeEntry> take_sorted() {
        std::vector<TreeEntry> out;
        out.reserve(entries_.size());
        for (auto& [path, entry] : entries_) out.push_back(std::move(entry));
        entries_.clear();
        return out;
    }

  private:
    static std::string describe(const TreeEntry& entry) {
        return entry.source.empty() ? "a directory holding a destination" : entry.source.string();
    }

    std::map<std::string, TreeEntry> entries_;
};

std::vector<std::string> read_directory_names(const std::filesystem::path& directory) {
    DirHandle handle(::opendir(directory.c_str()));
    if (!handle)
        throw Error(system_error_text("cannot read directory " + directory.string(), errno));
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* item = ::readdir(handle.get());
        if (item == nullptr) {
            if (errno != 0) {
                throw Error(
                    system_error_text("cannot read directory " + directory.string(), errno));
            }
            break;
        }
        std::string name = item->d_name;
        if (name != "." && name != "..") names.push_back(std::move(name));
    }
    // Sorted so that warnings and errors come in the same order on every machine.
    std::sort(names.begin(), names.end());
    return names;
}

// Is this lstat()ed file one the command is writing? Said once, then left out.
bool is_output(const std::filesystem::path& source, const struct stat& st,
               const TarOptions& options) {
    oci::FileIdentity identity{static_cast<std::uint64_t>(st.st_dev),
                               static_cast<std::uint64_t>(st.st_ino)};
    if (std::find(options.outputs.begin(), options.outputs.end(), identity) ==
        options.outputs.end()) {
        return false;
    }
    if (options.warn) options.warn("leaving out " + source.string() + ": it is this command's output");
    return true;
}

// Adds everything below `directory`; `relative` is its path inside the input, `prefix` the
// layer path of the input's root.
void walk_directory(const std::filesystem::path& directory, const std::string& relative,
                    const std::string& prefix, const TarOptions& options, TreeBuilder& tree) {
    // The names are read and the handle closed before descending: deep trees need one
    // descriptor at a time, not one per level.
    for (const std::string& name : read_directory_names(directory)) {
        std::filesystem::path source = directory / name;
        std::string child = join(relative, name);
        struct stat st;
        if (::lstat(source.c_str(), &st) != 0) {
            throw Error(system_error_text("cannot stat " + source.string(), errno));
        }
        bool is_directory = S_ISDIR(st.st_mode);
        if (options.ignore && options.ignore(child, is_directory)) continue;
        if (is_output(source, st, options)) continue;
        auto entry = entry_from_stat(source, join(prefix, child), st, options);
        if (!entry) continue;
        tree.add(std::move(*entry));
        if (is_directory) walk_directory(source, child, prefix, options, tree);
    }
}

void add_input(const TreeInput& input, const TarOptions& options, TreeBuilder& tree) {
    struct stat st;
    if (::lstat(input.source.c_str(), &st) != 0) {
        if (errno == ENOENT) throw Error("source " + input.source.string() + " does not exist");
        throw Error(system_error_text("cannot read source " + input.source.string(), errno));
    }
    Destination dest = parse_destination(input.dest);
    if (is_output(input.source, st, options)) return;
    if (S_ISDIR(st.st_mode)) {
        tree.add_directory_chain(dest.path);
        walk_directory(input.source, "", dest.path, options, tree);
        return;
    }
    std::string path = dest.path;
    if (dest.names_directory) path = join(path, input.source.filename().string());
    if (path.empty()) throw Error("source " + input.source.string() + " has no name to store");
    // A file named on the command line is wanted explicitly: `ignore` only filters walks.
    auto entry = entry_from_stat(input.source, path, st, options);
    if (!entry) return;
    tree.add_directory_chain(parent_of(path));
    tree.add(std::move(*entry));
}

// The first path of a multiply linked file (in layer order) carries the content; the others
// point at it, as tar extractors expect the target to exist already.
void mark_hardlinks(std::vector<TreeEntry>& entries) {
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> first_path;
    for (TreeEntry& entry : entries) {
        if (entry.kind != EntryKind::regular || entry.link_count < 2) continue;
        auto [found, inserted] = first_path.try_emplace({entry.device, entry.inode}, entry.path);
        if (!inserted) entry.hardlink_target = found->second;
    }
}

}  // namespace

std::vector<TreeEntry> collect_tree(const std::vector<TreeInput>& inputs,
                                    const TarOptions& options) {
    TreeBuilder tree;
    for (const TreeInput& input : inputs) add_input(input, options, tree);
    std::vector<TreeEntry> entries = tree.take_sorted();
    mark_hardlinks(entries);
    return entries;
}

}  // namespace cairn::assemble
