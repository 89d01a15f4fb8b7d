// A content-addressed blob store (`blobs/sha256/<hex>`): the storage of OCI layouts and the cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "oci/digest.hpp"
#include "oci/file.hpp"

namespace cairn::oci {

// A blob on its way into a store: hashed while written, verified and renamed into place on
// commit. Two writers of the same content at once are harmless: both rename the same bytes.
class BlobWriter : public ByteSink {
  public:
    explicit BlobWriter(const std::filesystem::path& directory);
    void write(const std::uint8_t* data, std::size_t size) override;
    using ByteSink::write;
    // Ends the blob. With `expected`, different content is an Error and nothing is stored.
    Digest commit(const std::optional<Digest>& expected = std::nullopt,
                  std::optional<std::int64_t> expected_size = std::nullopt);
    std::uint64_t size() const { return hasher_.size(); }

  private:
    std::filesystem::path directory_;
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

class BlobStore {
  public:
    // `root` is the directory that holds `blobs/` (an image layout, or the cache).
    explicit BlobStore(std::filesystem::path root);

    bool has(const Digest& digest) const;
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

  private:
    std::filesystem::path root_;
    std::filesystem::path directory_;
};

}  // namespace cairn::oci
