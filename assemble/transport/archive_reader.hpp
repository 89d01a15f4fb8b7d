// Image archives read in place: one pass over a tar's headers gives each member's offset and
// size, and members are then read from there. Nothing is extracted, so reading (or inspecting)
// an archive needs no space in $TMPDIR, whatever its size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "assemble/layer/compression.hpp"
#include "oci/stream.hpp"

namespace cairn::assemble {

// The members of a tar file, plain or gzip/zstd. Member names are normalised ("./a//b" is
// "a/b"); a name with a ".." component is an Error, so nothing can name a file outside.
// Symbolic and hard links between members are resolved to the member they name (never
// followed outside the archive); links to nothing are dropped. Devices, FIFOs and other
// special members are skipped. A later member of a name wins, as tar says.
//
// A plain tar is read by offset (pread). A compressed one cannot be sought: its small members
// (up to 4 MiB each, 64 MiB in all: manifests, configs, indexes) are kept in memory from the
// pass over it, and a large one (a layer) is read by decompressing from the start again up
// to it, discarding what comes before. That costs time for a big compressed archive with many
// layers, never disk space.
class ArchiveReader {
  public:
    // `what` names the archive in errors, e.g. "docker-archive:out.tar".
    ArchiveReader(const std::filesystem::path& file, std::string what);

    bool has(std::string_view name) const;
    // The size of member `name`; an Error naming it and the archive when it is absent.
    std::uint64_t size_of(std::string_view name) const;
    // Member `name`'s content, as a stream of exactly its size (an Error if the file ends
    // first); an Error naming the member and the archive when it is absent.
    std::unique_ptr<ByteSource> open(std::string_view name) const;
    // A small member whole; more than `max_size` bytes is an Error naming it.
    std::string read_small(std::string_view name, std::size_t max_size) const;
    const std::string& what() const { return what_; }

  private:
    struct Member {
        std::uint64_t offset = 0;  // of its data, in the uncompressed tar
        std::uint64_t size = 0;
        std::shared_ptr<const std::string> bytes;  // compressed archives: small members
    };
    struct Link {
        bool symbolic = false;
        std::string target;  // as written in the archive
    };
    void index();
    void resolve_links(const std::map<std::string, Link>& links);
    const Member& member(std::string_view name) const;

    std::filesystem::path file_;
    std::string what_;
    Compression compression_ = Compression::none;
    std::map<std::string, Member> members_;
};

// "./a//b/" -> "a/b"; std::nullopt for a name that would leave the archive ("..", empty).
std::optional<std::string> normalise_member_name(std::string_view name);

}  // namespace cairn::assemble
