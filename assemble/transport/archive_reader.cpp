// The member index of an image archive (one libarchive pass, data skipped by seeking) and the
// streams that read a member by its offset.
#include "assemble/transport/archive_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <vector>

#include "assemble/layer/tar_stream.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

// Links to links to links: real archives have one step; this only stops a cycle.
constexpr int kMaxLinkSteps = 16;
// What a compressed archive keeps in memory from its one pass: its manifests and configs.
constexpr std::uint64_t kMaxKeptMember = 4 << 20;
constexpr std::uint64_t kMaxKeptTotal = 64 << 20;
constexpr std::size_t kChunk = 64 * 1024;

std::string entry_name(archive_entry* entry) {
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr) name = archive_entry_pathname_utf8(entry);
    return name == nullptr ? std::string() : std::string(name);
}

// Resolves `target` (a link's text) against the directory of member `from`, lexically;
// std::nullopt if it climbs above the archive's root.
std::optional<std::string> resolve_link(const std::string& from, const std::string& target,
                                        bool symbolic) {
    std::string path = target;
    if (symbolic && !target.starts_with('/')) {
        auto slash = from.rfind('/');
        if (slash != std::string::npos) path = from.substr(0, slash) + "/" + target;
    }
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = std::min(path.find('/', start), path.size());
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

// A member kept in memory, shared with the reader.
class KeptMember : public ByteSource {
  public:
    explicit KeptMember(std::shared_ptr<const std::string> bytes)
        : bytes_(std::move(bytes)), source_(*bytes_) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        return source_.read(data, capacity);
    }

  private:
    std::shared_ptr<const std::string> bytes_;
    MemorySource source_;
};

// A plain file read with pread from an offset, for exactly `size` bytes.
class FileRange : public ByteSource {
  public:
    FileRange(const fs::path& file, std::uint64_t offset, std::uint64_t size, std::string what)
        : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC)),
          offset_(offset),
          left_(size),
          what_(std::move(what)) {
        if (!fd_) throw Error(system_error_text("cannot open " + file.string(), errno));
    }
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        if (left_ == 0) return 0;
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, left_));
        for (;;) {
            ssize_t n = ::pread(fd_.get(), data, want, static_cast<off_t>(offset_));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw Error(system_error_text("cannot read " + what_, errno));
            if (n == 0) throw Error(what_ + " is truncated: the archive ends inside it");
            offset_ += static_cast<std::uint64_t>(n);
            left_ -= static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
    }

  private:
    oci::UniqueFd fd_;
    std::uint64_t offset_;
    std::uint64_t left_;
    std::string what_;
};

// A plain file as the source of a tar pass whose data is skipped by seeking, not read.
class SeekableFile : public ByteSource {
  public:
    explicit SeekableFile(const fs::path& file) : file_(file) {
        struct stat info {};
        if (::fstat(file_.fd(), &info) == 0) size_ = static_cast<std::uint64_t>(info.st_size);
    }
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        std::size_t n = file_.read(data, capacity);
        position_ += n;
        return n;
    }
    std::int64_t skip(std::int64_t request) {
        // Never past the end: libarchive then reads, finds nothing, and says "truncated".
        auto step = std::min<std::uint64_t>(static_cast<std::uint64_t>(request),
                                            size_ > position_ ? size_ - position_ : 0);
        if (::lseek(file_.fd(), static_cast<off_t>(step), SEEK_CUR) < 0) return 0;
        position_ += step;
        return static_cast<std::int64_t>(step);
    }

  private:
    oci::FileSource file_;
    std::uint64_t size_ = 0;
    std::uint64_t position_ = 0;
};

// The decompressed tar from its start, `offset` bytes dropped, then `size` bytes given.
class CompressedRange : public ByteSource {
  public:
    CompressedRange(const fs::path& file, Compression compression, std::uint64_t offset,
                    std::uint64_t size, std::string what)
        : raw_(file),
          tar_(make_decompressor(compression, raw_)),
          drop_(offset),
          left_(size),
          what_(std::move(what)) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        std::array<std::uint8_t, kChunk> discard{};
        while (drop_ > 0) {
            auto n = tar_->read(discard.data(), std::min<std::uint64_t>(drop_, discard.size()));
            if (n == 0) throw Error(what_ + " is truncated: the archive ends before it");
            drop_ -= n;
        }
        if (left_ == 0) return 0;
        auto n = tar_->read(data, std::min<std::uint64_t>(capacity, left_));
        if (n == 0) throw Error(what_ + " is truncated: the archive ends inside it");
        left_ -= n;
        return n;
    }

  private:
    oci::FileSource raw_;
    std::unique_ptr<ByteSource> tar_;
    std::uint64_t drop_;
    std::uint64_t left_;
    std::string what_;
};

// Reads what is left of the current member into a string.
std::string read_member(TarStreamReader& reader, std::uint64_t size, const std::string& name) {
    std::string bytes(size, '\0');
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        auto n = reader.read_data(reinterpret_cast<std::uint8_t*>(bytes.data()) + filled,
                                  bytes.size() - filled, name);
        if (n == 0) break;
        filled += n;
    }
    bytes.resize(filled);
    return bytes;
}

}  // namespace

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

ArchiveReader::ArchiveReader(const fs::path& file, std::string what)
    : file_(file), what_(std::move(what)) {
    std::error_code error;
    if (!fs::exists(file_, error)) throw Error(what_ + ": " + file_.string() + " does not exist");
    if (fs::is_directory(file_, error))
        throw Error(what_ + ": " + file_.string() + " is a directory, not an archive");
    index();
}

void ArchiveReader::index() {
    std::array<std::uint8_t, 4> head{};
    std::size_t head_size = 0;
    {
        oci::FileSource probe(file_);
        while (head_size < head.size()) {
            auto n = probe.read(head.data() + head_size, head.size() - head_size);
            if (n == 0) break;
            head_size += n;
        }
    }
    compression_ = detect_compression(head.data(), head_size);
    std::optional<SeekableFile> plain;
    std::optional<oci::FileSource> raw;
    std::unique_ptr<ByteSource> decompressed;
    std::optional<TarStreamReader> reader;
    if (compression_ == Compression::none) {
        plain.emplace(file_);
        reader.emplace(*plain, what_, [&plain](std::int64_t n) { return plain->skip(n); });
    } else {
        raw.emplace(file_);
        decompressed = make_decompressor(compression_, *raw);
        reader.emplace(*decompressed, what_);
    }

    std::map<std::string, Link> links;
    std::uint64_t kept = 0;
    while (archive_entry* entry = reader->next()) {
        std::string raw_name = entry_name(entry);
        auto name = normalise_member_name(raw_name);
        if (!name) {
            throw Error(what_ + " has a member \"" + raw_name.substr(0, 200) +
                        "\" that points outside the archive; refusing to read it");
        }
        const char* hardlink = archive_entry_hardlink(entry);
        auto type = archive_entry_filetype(entry);
        if (name->empty() || type == AE_IFDIR) continue;  // "./" itself, directories
        if (hardlink != nullptr || type == AE_IFLNK) {
            const char* target = hardlink != nullptr ? hardlink : archive_entry_symlink(entry);
            links[*name] = {hardlink == nullptr, target != nullptr ? target : ""};
            members_.erase(*name);  // a later member of the same name wins, as tar says
            continue;
        }
        if (type != AE_IFREG) continue;  // devices, FIFOs: nothing an image archive needs
        if (archive_entry_sparse_count(entry) > 0) {
            throw Error(what_ + " holds member " + *name +
                        " as a sparse file; cairn reads archives whose members are stored whole");
        }
        links.erase(*name);
        Member member{.offset = reader->position(),
                      .size = static_cast<std::uint64_t>(std::max<la_int64_t>(
                          archive_entry_size(entry), 0))};
        if (compression_ != Compression::none && member.size <= kMaxKeptMember &&
            kept + member.size <= kMaxKeptTotal) {
            member.bytes = std::make_shared<const std::string>(read_member(*reader, member.size, *name));
            kept += member.size;
        }
        members_[*name] = std::move(member);
    }
    resolve_links(links);
}

void ArchiveReader::resolve_links(const std::map<std::string, Link>& links) {
    for (const auto& [name, link] : links) {
        std::string current = name;
        std::optional<std::string> target;
        for (int step = 0; step < kMaxLinkSteps; ++step) {
            const auto& [symbolic, text] = links.at(current);
            target = resolve_link(current, text, symbolic);
            if (!target || !links.contains(*target)) break;
            current = *target;
        }
        if (!target || links.contains(*target)) continue;  // outside, or a cycle: dropped
        auto found = members_.find(*target);
        if (found == members_.end()) continue;  // dangling, or a directory: dropped
        members_[name] = found->second;
    }
}

const ArchiveReader::Member& ArchiveReader::member(std::string_view name) const {
    auto normal = normalise_member_name(name);
    auto found = normal ? members_.find(*normal) : members_.end();
    if (found == members_.end()) throw Error(what_ + " has no member " + std::string(name));
    return found->second;
}

bool ArchiveReader::has(std::string_view name) const {
    auto normal = normalise_member_name(name);
    return normal && members_.contains(*normal);
}

std::uint64_t ArchiveReader::size_of(std::string_view name) const {
    return member(name).size;
}

std::unique_ptr<ByteSource> ArchiveReader::open(std::string_view name) const {
    const auto& found = member(name);
    auto what = "member " + std::string(name) + " of " + what_;
    if (found.bytes) return std::make_unique<KeptMember>(found.bytes);
    if (compression_ == Compression::none)
        return std::make_unique<FileRange>(file_, found.offset, found.size, what);
    return std::make_unique<CompressedRange>(file_, compression_, found.offset, found.size, what);
}

std::string ArchiveReader::read_small(std::string_view name, std::size_t max_size) const {
    const auto& found = member(name);
    if (found.size > max_size) {
        throw Error("member " + std::string(name) + " of " + what_ + " is too large (" +
                    std::to_string(found.size) + " bytes; the limit is " +
                    std::to_string(max_size) + ")");
    }
    if (found.bytes) return *found.bytes;
    auto source = open(name);
    std::string bytes(found.size, '\0');
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        auto n = source->read(reinterpret_cast<std::uint8_t*>(bytes.data()) + filled,
                              bytes.size() - filled);
        if (n == 0) break;
        filled += n;
    }
    return bytes;
}

}  // namespace cairn::assemble
