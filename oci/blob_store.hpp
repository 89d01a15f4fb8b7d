// A content-addressed blob store (`blobs/sha256/<hex>`): the storage of OCI layouts and the cache.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "oci/digest.hpp"
#include "oci/file.hpp"
#include "oci/work_directory.hpp"

namespace cairn::oci {

// A blob on its way into a store: hashed while written to a temporary file in `incoming`,
// verified and renamed into `directory` on commit. Two writers of the same content at once are
// harmless: both rename the same bytes.
class BlobWriter : public ByteSink {
  public:
    BlobWriter(const std::filesystem::path& directory, std::shared_ptr<WorkDirectory> incoming);
    void write(const std::uint8_t* data, std::size_t size) override;
    using ByteSink::write;
    // Ends the blob. With `expected`, different content is an Error and nothing is stored.
    Digest commit(const std::optional<Digest>& expected = std::nullopt,
                  std::optional<std::int64_t> expected_size = std::nullopt);
    std::uint64_t size() const { return hasher_.size(); }

  private:
    std::filesystem::path directory_;
    std::shared_ptr<WorkDirectory> incoming_;  // kept while the temporary file is in it
    TemporaryFile file_;
    Sha256 hasher_;
};

// Reads a source through and, at its end, checks it had the expected digest and size.
// A mismatch is an Error naming `what`: the caller must not keep what it read.
class VerifyingSource : public ByteSource {
  public:
    VerifyingSource(std::unique_ptr<ByteSource> inner, Digest expected, std::int64_t expected_size,
                    std::string what);
    std::size_t read(std::uint8_t* data, std::size_t capacity) override;

  private:
    std::unique_ptr<ByteSource> inner_;
    Digest expected_;
    std::int64_t expected_size_;
    std::string what_;
    Sha256 hasher_;
    bool checked_ = false;
};

// Temporary files never sit in `blobs/<alg>/` (where umoci gc and other readers take every
// name for a digest): each process writes them in a directory of its own beside `blobs/`,
// `<root>/.cairn-incoming-<random>/`, locked while it lives (WorkDirectory). Copies of a
// BlobStore share that directory.
class BlobStore {
  public:
    // `root` is the directory that holds `blobs/` (an image layout, or the cache).
    explicit BlobStore(std::filesystem::path root);

    bool has(const Digest& digest) const;
    // Holds it with `size` bytes: what a record naming the blob may rely on (a blob cut short
    // by a full disk or a hand is not it).
    bool has(const Digest& digest, std::int64_t size) const;
    std::filesystem::path path_of(const Digest& digest) const;
    // A missing blob is an Error naming the store.
    std::unique_ptr<ByteSource> open(const Digest& digest) const;
    // Reads a small blob whole and checks its digest.
    std::string read(const Digest& digest, std::size_t max_size) const;
    Digest put(std::string_view bytes);
    // Marks a blob as used now (its mtime), for `cairn cache gc`; a missing blob is ignored.
    void touch(const Digest& digest) const;
    std::unique_ptr<BlobWriter> writer();
    const std::filesystem::path& root() const { return root_; }

    // Removes what killed writers left: incoming directories nobody holds, and the `.tmp-*`
    // files that cairn before 0.2 wrote into `blobs/sha256/` once they are `legacy_age` old
    // (their writer cannot be asked; a live one writes them within seconds). Call it holding
    // the lock of the layout or the cache, as every writer holds it too.
    SweptFiles sweep_stale(std::chrono::seconds legacy_age = kLegacyTemporaryAge) const;
    // What sweep_stale would remove (for `cairn cache ls`).
    SweptFiles stale_temporary_files(std::chrono::seconds legacy_age = kLegacyTemporaryAge) const;
    static constexpr std::chrono::seconds kLegacyTemporaryAge{15 * 60};

  private:
    struct Incoming {
        std::mutex mutex;
        std::shared_ptr<WorkDirectory> directory;
    };

    std::filesystem::path root_;
    std::filesystem::path directory_;
    std::shared_ptr<Incoming> incoming_ = std::make_shared<Incoming>();
};

// The prefix of the incoming directories in a store's root.
inline constexpr std::string_view kIncomingPrefix = ".cairn-incoming-";

}  // namespace cairn::oci
