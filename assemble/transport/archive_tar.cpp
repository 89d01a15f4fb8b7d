// Reading image archives member by member into a scratch directory, and writing them reproducibly.
#include "assemble/transport/archive_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <memory>
#include <vector>

#include "assemble/layer/compression.hpp"
#include "assemble/layer/layer.hpp"
#include "assemble/layer/tar_stream.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunkSize = 64 * 1024;
// Links to links to links: real archives have one step; this only stops a cycle.
constexpr int kMaxLinkSteps = 16;

// Resolves `target` (a link's text) against the directory of member `from`, lexically;
// std::nullopt if it climbs above the archive's root.
std::optional<std::string> resolve_link(const std::string& from, const std::string& target,
                                        bool symbolic) {
    std::vector<std::string> parts;
    std::string path = target;
    if (symbolic && !target.starts_with('/')) {
        auto slash = from.rfind('/');
        if (slash != std::string::npos) path = from.substr(0, slash) + "/" + target;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string part = path.substr(start, end - start);
        if (part == "..") {
            if (parts.empty()) return std::nullopt;
            parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = end + 1;
    }
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : "/") + part;
    if (out.empty()) return std::nullopt;
    return out;
}

std::string entry_name(archive_entry* entry) {
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr) name = archive_entry_pathname_utf8(entry);
    return name == nullptr ? std::string() : std::string(name);
}

}  // namespace

ScratchDirectory::ScratchDirectory(const fs::path& parent, std::string_view prefix) {
    std::string pattern =
        (parent.empty() ? fs::path(".") : parent) / (std::string(prefix) + "XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw Error(system_error_text("cannot create a working directory in " +
                                          (parent.empty() ? std::string(".") : parent.string()),
                                      errno));
    }
    path_ = pattern;
}

ScratchDirectory::ScratchDirectory(std::string_view prefix)
    : ScratchDirectory(fs::temp_directory_path(), prefix) {}

ScratchDirectory::~ScratchDirectory() {
    // Best effort: a failure to clean up must not replace the error that is unwinding.
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

std::string archive_name(std::string_view transport, const fs::path& file,
                         const std::string& reference) {
    std::string name = std::string(transport) + ":" + file.string();
    return reference.empty() ? name : name + ":" + reference;
}

namespace {

ScratchDirectory staging_next_to(const fs::path& file, const std::string& what) {
    auto parent = file.parent_path();
    if (!parent.empty() && !fs::is_directory(parent)) {
        throw Error("cannot write " + what + ": the directory " + parent.string() +
                    " does not exist");
    }
    if (fs::is_directory(file))
        throw Error("cannot write " + what + ": " + file.string() + " is a directory");
    return ScratchDirectory(parent, "." + file.filename().string() + ".cairn-");
}

}  // namespace

ArchiveFileTarget::ArchiveFileTarget(const fs::path& file, std::string name)
    : file_(file), name_(std::move(name)), staging_(staging_next_to(file_, name_)) {}

void ArchiveFileTarget::write_file(std::vector<ArchiveMember> members) const {
    oci::TemporaryFile archive(file_);
    write_archive(std::move(members), source_date_epoch(), archive);
    archive.commit();
}

std::optional<std::string> normalise_member_name(std::string_view name) {
    std::string out;
    std::size_t start = 0;
    while (start <= name.size()) {
        auto end = name.find('/', start);
        if (end == std::string_view::npos) end = name.size();
        auto part = name.substr(start, end - start);
        if (part == "..") return std::nullopt;
        if (!part.empty() && part != ".") {
            if (!out.empty()) out += '/';
            out += part;
        }
        start = end + 1;
    }
    return out;
}

ExtractedArchive::ExtractedArchive(const fs::path& file, std::string what)
    : what_(std::move(what)), directory_("cairn-archive-") {
    extract(file);
    resolve_links();
}

void ExtractedArchive::extract(const fs::path& file) {
    if (!fs::exists(file)) throw Error(what_ + ": " + file.string() + " does not exist");
    std::array<std::uint8_t, 4> head{};
    std::size_t head_size = 0;
    {
        oci::FileSource probe(file);
        while (head_size < head.size()) {
            auto n = probe.read(head.data() + head_size, head.size() - head_size);
            if (n == 0) break;
            head_size += n;
        }
    }
    oci::FileSource raw(file);
    std::unique_ptr<ByteSource> decompressed;
    ByteSource* input = &raw;
    auto compression = detect_compression(head.data(), head_size);
    if (compression != Compression::none) {
        decompressed = make_decompressor(compression, raw);
        input = decompressed.get();
    }

    TarStreamReader reader(*input, what_);
    std::vector<std::uint8_t> buffer(kChunkSize);
    while (archive_entry* entry = reader.next()) {
        std::string raw_name = entry_name(entry);
        auto name = normalise_member_name(raw_name);
        if (!name) {
            throw Error(what_ + " has a member \"" + raw_name +
                        "\" that points outside the archive; refusing to read it");
        }
        if (name->empty()) {  // "./" itself
            reader.skip_data(raw_name);
            continue;
        }
        auto path = root() / *name;
        const char* hardlink = archive_entry_hardlink(entry);
        auto type = archive_entry_filetype(entry);
        std::error_code error;
        if (hardlink != nullptr || type == AE_IFLNK) {
            const char* target = hardlink != nullptr ? hardlink : archive_entry_symlink(entry);
            links_[*name] = {hardlink == nullptr, target != nullptr ? target : ""};
            fs::remove(path, error);  // a later member of the same name wins, as tar says
            reader.skip_data(raw_name);
            continue;
        }
        if (type == AE_IFDIR) {
            fs::create_directories(path, error);
            if (error)
                throw Error(what_ + ": cannot extract directory " + *name + ": " + error.message());
            continue;
        }
        if (type != AE_IFREG) {  // devices, FIFOs: nothing an image archive needs
            reader.skip_data(raw_name);
            continue;
        }
        links_.erase(*name);  // a later member of the same name wins, as tar says
        fs::create_directories(path.parent_path(), error);
        if (error) throw Error(what_ + ": cannot extract " + *name + ": " + error.message());
        oci::UniqueFd fd(
            ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd) throw Error(system_error_text(what_ + ": cannot extract " + *name, errno));
        oci::FdSink out(fd.get(), path.string());
        while (auto n = reader.read_data(buffer.data(), buffer.size(), *name))
            out.write(buffer.data(), n);
    }
}

void ExtractedArchive::resolve_links() {
    for (const auto& [name, link] : links_) {
        std::string current = name;
        std::optional<std::string> target;
        for (int step = 0; step < kMaxLinkSteps; ++step) {
            const auto& [symbolic, text] = links_.at(current);
            target = resolve_link(current, text, symbolic);
            if (!target || !links_.contains(*target)) break;
            current = *target;
        }
        if (!target || links_.contains(*target)) continue;  // outside, or a cycle: dropped
        auto from = root() / *target;
        if (!fs::is_regular_file(fs::symlink_status(from))) continue;  // dangling: dropped
        auto path = root() / name;
        std::error_code error;
        fs::create_directories(path.parent_path(), error);
        if (!error) fs::create_hard_link(from, path, error);
        if (error) throw Error(what_ + ": cannot extract link " + name + ": " + error.message());
    }
}

std::optional<fs::path> ExtractedArchive::find(std::string_view name) const {
    auto normal = normalise_member_name(name);
    if (!normal || normal->empty()) return std::nullopt;
    auto path = root() / *normal;
    if (!fs::is_regular_file(fs::symlink_status(path))) return std::nullopt;
    return path;
}

fs::path ExtractedArchive::path_of(std::string_view name) const {
    if (auto path = find(name)) return *path;
    throw Error(what_ + " has no member " + std::string(name));
}

std::vector<ArchiveMember> members_of_tree(const fs::path& root) {
    std::vector<ArchiveMember> members;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        auto name = it->path().lexically_relative(root).generic_string();
        if (it->path().filename().string().starts_with('.')) {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (it->is_directory()) {
            members.push_back({.name = name + "/"});
        } else if (it->is_regular_file()) {
            members.push_back({.name = name, .file = it->path()});
        }
    }
    return members;
}

void write_archive(std::vector<ArchiveMember> members, std::int64_t mtime, ByteSink& out) {
    std::sort(members.begin(), members.end(),
              [](const ArchiveMember& a, const ArchiveMember& b) { return a.name < b.name; });
    TarStreamWriter writer(out);
    std::vector<std::uint8_t> buffer(kChunkSize);
    for (std::size_t i = 0; i < members.size(); ++i) {
        const auto& member = members[i];
        if (i > 0 && members[i - 1].name == member.name) {
            throw Error("two archive members are named " + member.name);
        }
        ArchiveEntryHandle entry = new_archive_entry();
        archive_entry_copy_pathname(entry.get(), member.name.c_str());
        archive_entry_set_uid(entry.get(), 0);
        archive_entry_set_gid(entry.get(), 0);
        archive_entry_set_mtime(entry.get(), static_cast<time_t>(mtime), 0);
        bool directory = member.name.ends_with('/');
        archive_entry_set_filetype(entry.get(), directory ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(entry.get(), directory ? 0755 : 0644);
        if (directory) {
            archive_entry_set_size(entry.get(), 0);
            writer.header(entry.get());
        } else if (member.file.empty()) {
            archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member.bytes.size()));
            writer.header(entry.get());
            writer.data(member.bytes.data(), member.bytes.size(), member.name);
        } else {
            oci::FileSource content(member.file);
            archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
            writer.header(entry.get());
            std::uint64_t written = 0;
            while (auto n = content.read(buffer.data(), buffer.size())) {
                if (written + n > content.size()) break;
                writer.data(buffer.data(), n, member.name);
                written += n;
            }
            if (written != content.size()) {
                throw Error(member.file.string() + " changed size while it was archived");
            }
        }
    }
    writer.finish();
}

}  // namespace cairn::assemble
