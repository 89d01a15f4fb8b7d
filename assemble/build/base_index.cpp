// The base index as text: a header, then each layer with its entries, one per line, and a last
// line that says the file is whole.
//
//   cairn base index 1
//   shift <ns>
//   layer <digest> <size> <diff_id> <entries>
//   <device> <inode> <mode> <size> <mtime ns> <ctime ns> <name>
//   ...
//   end
#include "assemble/build/base_index.hpp"

#include <cerrno>
#include <charconv>

#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeader = "cairn base index 1";
// An index of a million entries is about 100 MB; more is not one cairn wrote.
constexpr std::size_t kMaxIndexBytes = 256u << 20;

std::int64_t nanoseconds(const struct timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// Reads the text line by line and word by word; any slip makes it fail for good.
class Reader {
  public:
    explicit Reader(std::string_view text) : text_(text) {}

    bool ok() const { return ok_; }
    bool at_end() const { return ok_ && text_.empty(); }

    // The next line, without its newline; a last line without one is a truncated file.
    std::string_view line() {
        auto end = text_.find('\n');
        if (!ok_ || end == std::string_view::npos) return fail();
        line_ = text_.substr(0, end);
        text_.remove_prefix(end + 1);
        return line_;
    }
    // The next word of the current line, up to a space.
    std::string_view word() {
        auto end = line_.find(' ');
        if (!ok_ || end == 0 || line_.empty()) return fail();
        auto word = line_.substr(0, end);
        line_.remove_prefix(end == std::string_view::npos ? line_.size() : end + 1);
        return word;
    }
    // The rest of the current line (a name, which may hold spaces).
    std::string_view rest() {
        if (line_.empty()) return fail();
        auto rest = line_;
        line_ = {};
        return rest;
    }
    template <typename Number>
    Number number() {
        auto text = word();
        Number value{};
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size()) fail();
        return value;
    }
    void expect(std::string_view word_wanted) {
        if (word() != word_wanted) fail();
    }
    void expect_line_end() {
        if (!line_.empty()) fail();
    }
    std::string_view fail() {
        ok_ = false;
        line_ = {};
        return {};
    }

  private:
    std::string_view text_;
    std::string_view line_;
    bool ok_ = true;
};

}  // namespace

FileStamp FileStamp::of(const struct stat& st) {
    return {.device = static_cast<std::uint64_t>(st.st_dev),
            .inode = static_cast<std::uint64_t>(st.st_ino),
            .mode = static_cast<std::uint32_t>(st.st_mode),
            .size = static_cast<std::int64_t>(st.st_size),
            .mtime_ns = nanoseconds(st.st_mtim),
            .ctime_ns = nanoseconds(st.st_ctim)};
}

std::optional<FileStamp> FileStamp::of(const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
    return of(st);
}

bool BaseIndex::unchanged(const FileStamp& recorded, const FileStamp& now) const {
    if (S_ISDIR(recorded.mode) || S_ISDIR(now.mode)) return recorded.mode == now.mode;
    return recorded == now && recorded.ctime_ns < written_ns;
}

std::string BaseIndex::to_text() const {
    std::string text;
    text += kHeader;
    text += "\nshift " + std::to_string(shift) + "\n";
    for (const auto& layer : layers) {
        text += "layer " + layer.digests.digest.str() + " " + std::to_string(layer.digests.size) +
                " " + layer.digests.diff_id.str() + " " + std::to_string(layer.entries.size()) +
                "\n";
        for (const auto& entry : layer.entries) {
            const auto& s = entry.stamp;
            text += std::to_string(s.device) + " " + std::to_string(s.inode) + " " +
                    std::to_string(s.mode) + " " + std::to_string(s.size) + " " +
                    std::to_string(s.mtime_ns) + " " + std::to_string(s.ctime_ns) + " " +
                    entry.name + "\n";
        }
    }
    text += "end\n";
    return text;
}

std::optional<BaseIndex> BaseIndex::parse(std::string_view text) {
    Reader in(text);
    if (in.line() != kHeader) return std::nullopt;
    BaseIndex index;
    in.line();
    in.expect("shift");
    index.shift = in.number<std::int64_t>();
    in.expect_line_end();
    while (in.ok()) {
        in.line();
        auto what = in.word();
        if (what == "end") {
            in.expect_line_end();
            break;
        }
        if (what != "layer") return std::nullopt;
        std::optional<IndexedLayer> read;
        try {
            auto digest = oci::Digest::parse(in.word());
            auto size = in.number<std::int64_t>();
            auto diff_id = oci::Digest::parse(in.word());
            read.emplace(IndexedLayer{.digests = {.diff_id = diff_id,
                                                  .digest = digest,
                                                  .size = size,
                                                  .compression = Compression::zstd}});
        } catch (const Error&) {
            return std::nullopt;
        }
        auto& layer = *read;
        auto count = in.number<std::size_t>();
        in.expect_line_end();
        // Each entry takes at least 14 bytes of text: a count beyond that is a lie.
        if (!in.ok() || count > text.size() / 14) return std::nullopt;
        layer.entries.reserve(count);
        for (std::size_t i = 0; i < count && in.ok(); ++i) {
            in.line();
            IndexedEntry entry;
            entry.stamp.device = in.number<std::uint64_t>();
            entry.stamp.inode = in.number<std::uint64_t>();
            entry.stamp.mode = in.number<std::uint32_t>();
            entry.stamp.size = in.number<std::int64_t>();
            entry.stamp.mtime_ns = in.number<std::int64_t>();
            entry.stamp.ctime_ns = in.number<std::int64_t>();
            entry.name = std::string(in.rest());
            layer.entries.push_back(std::move(entry));
        }
        index.layers.push_back(std::move(layer));
    }
    if (!in.at_end()) return std::nullopt;
    return index;
}

void BaseIndex::write(const fs::path& file) {
    oci::TemporaryFile out(file);
    out.write(to_text());
    struct stat st {};
    if (::fstat(out.fd(), &st) != 0)
        throw Error(system_error_text("cannot read " + out.temporary_path().string(), errno));
    out.commit();
    written_ns = nanoseconds(st.st_mtim);
}

std::optional<BaseIndex> BaseIndex::read(const fs::path& file) {
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    std::optional<BaseIndex> index;
    try {
        index = parse(oci::read_small_file(file, kMaxIndexBytes));
    } catch (const Error&) {
        return std::nullopt;
    }
    if (index) index->written_ns = nanoseconds(st.st_mtim);
    return index;
}

}  // namespace cairn::assemble
