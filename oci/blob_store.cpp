// The content-addressed blob store: verified writes, atomic renames, verified reads.
#include "oci/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "oci/error.hpp"

namespace cairn::oci {

namespace fs = std::filesystem;

BlobWriter::BlobWriter(const fs::path& directory, std::shared_ptr<WorkDirectory> incoming)
    : directory_(directory),
      incoming_(std::move(incoming)),
      file_(directory / "blob", incoming_->path()) {}

void BlobWriter::write(const std::uint8_t* data, std::size_t size) {
    hasher_.write(data, size);
    file_.write(data, size);
}

Digest BlobWriter::commit(const std::optional<Digest>& expected,
                          std::optional<std::int64_t> expected_size) {
    auto size = static_cast<std::int64_t>(hasher_.size());
    Digest digest = hasher_.finish();
    if (expected_size && *expected_size != size) {
        file_.discard();
        throw Error("blob " + (expected ? expected->str() : digest.str()) + " has " +
                    std::to_string(size) + " bytes, expected " + std::to_string(*expected_size));
    }
    if (expected && *expected != digest) {
        file_.discard();
        throw Error("blob content does not match its digest: expected " + expected->str() +
                    ", got " + digest.str());
    }
    auto final_path = directory_ / std::string(digest.hex());
    if (fs::exists(final_path)) {
        file_.discard();  // content-addressed: the same bytes are already there
        ::utimensat(AT_FDCWD, final_path.c_str(), nullptr, 0);  // and used again now
    } else {
        file_.commit(final_path);
    }
    return digest;
}

VerifyingSource::VerifyingSource(std::unique_ptr<ByteSource> inner, Digest expected,
                                 std::int64_t expected_size, std::string what)
    : inner_(std::move(inner)),
      expected_(std::move(expected)),
      expected_size_(expected_size),
      what_(std::move(what)) {}

std::size_t VerifyingSource::read(std::uint8_t* data, std::size_t capacity) {
    std::size_t n = inner_->read(data, capacity);
    hasher_.write(data, n);
    if (static_cast<std::int64_t>(hasher_.size()) > expected_size_) {
        throw Error(what_ + " is larger than the " + std::to_string(expected_size_) +
                    " bytes its descriptor gives");
    }
    if (n == 0 && !checked_) {
        checked_ = true;
        auto size = static_cast<std::int64_t>(hasher_.size());
        if (size != expected_size_) {
            throw Error(what_ + " has " + std::to_string(size) + " bytes, expected " +
                        std::to_string(expected_size_));
        }
        Digest actual = hasher_.finish();
        if (actual != expected_) {
            throw Error(what_ + " is corrupt: its content hashes to " + actual.str() +
                        ", expected " + expected_.str());
        }
    }
    return n;
}

BlobStore::BlobStore(fs::path root)
    : root_(std::move(root)), directory_(root_ / "blobs" / "sha256") {}

bool BlobStore::has(const Digest& digest) const {
    return fs::exists(path_of(digest));
}

bool BlobStore::has(const Digest& digest, std::int64_t size) const {
    std::error_code ec;
    auto found = fs::file_size(path_of(digest), ec);
    return !ec && size >= 0 && found == static_cast<std::uintmax_t>(size);
}

void BlobStore::touch(const Digest& digest) const {
    ::utimensat(AT_FDCWD, path_of(digest).c_str(), nullptr, 0);
}

fs::path BlobStore::path_of(const Digest& digest) const {
    return directory_ / std::string(digest.hex());
}

std::unique_ptr<ByteSource> BlobStore::open(const Digest& digest) const {
    auto path = path_of(digest);
    if (!fs::exists(path)) {
        throw Error("blob " + digest.str() + " is missing from " + root_.string());
    }
    return std::make_unique<FileSource>(path);
}

std::string BlobStore::read(const Digest& digest, std::size_t max_size) const {
    if (!has(digest)) throw Error("blob " + digest.str() + " is missing from " + root_.string());
    std::string content = read_small_file(path_of(digest), max_size);
    if (Digest::of(content) != digest) {
        throw Error("blob " + digest.str() + " in " + root_.string() +
                    " is corrupt: its content does not match its digest");
    }
    return content;
}

Digest BlobStore::put(std::string_view bytes) {
    auto blob = writer();
    blob->write(bytes);
    return blob->commit();
}

std::unique_ptr<BlobWriter> BlobStore::writer() {
    std::error_code error;
    fs::create_directories(directory_, error);
    if (error) throw Error("cannot create " + directory_.string() + ": " + error.message());
    std::lock_guard lock(incoming_->mutex);
    if (!incoming_->directory)
        incoming_->directory = std::make_shared<WorkDirectory>(root_, kIncomingPrefix);
    return std::make_unique<BlobWriter>(directory_, incoming_->directory);
}

namespace {

// The `.tmp-*` files old enough to be a dead writer's, in a blobs/<alg> directory.
template <typename Visit>
void each_legacy_temporary(const fs::path& directory, std::chrono::seconds age, Visit visit) {
    std::error_code error;
    fs::directory_iterator it(directory, error);
    if (error) return;
    auto cutoff = fs::file_time_type::clock::now() - age;
    for (; it != fs::directory_iterator(); it.increment(error)) {
        if (error) return;
        if (!it->path().filename().string().starts_with(".tmp-")) continue;
        if (!it->is_regular_file(error)) continue;
        auto time = it->last_write_time(error);
        if (error || time > cutoff) continue;
        visit(it->path(), it->file_size(error));
    }
}

}  // namespace

SweptFiles BlobStore::sweep_stale(std::chrono::seconds legacy_age) const {
    SweptFiles out = WorkDirectory::sweep(root_, kIncomingPrefix);
    each_legacy_temporary(directory_, legacy_age, [&out](const fs::path& path, std::uintmax_t size) {
        std::error_code error;
        if (fs::remove(path, error)) {
            ++out.files;
            out.bytes += size;
        }
    });
    return out;
}

SweptFiles BlobStore::stale_temporary_files(std::chrono::seconds legacy_age) const {
    SweptFiles out = WorkDirectory::stale(root_, kIncomingPrefix);
    each_legacy_temporary(directory_, legacy_age, [&out](const fs::path&, std::uintmax_t size) {
        ++out.files;
        out.bytes += size;
    });
    return out;
}

}  // namespace cairn::oci
