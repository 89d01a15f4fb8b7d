// Blobs over the v2 API: existence, cross-repository mounts, and downloads that resume.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "oci/descriptor.hpp"
#include "registry/registry_client.hpp"

namespace cairn::registry {

// HEAD /v2/REPO/blobs/DIGEST: the blob's size when the repository has it, else std::nullopt.
std::optional<std::int64_t> stat_blob(RegistryClient& client, const std::string& repository,
                                      const oci::Digest& digest, const Scopes& scopes);

struct MountResult {
    bool mounted = false;
    // When not mounted, the upload session the registry opened instead ("" if none): the
    // blob may be uploaded there without another POST.
    std::string upload_url;
};

// POST /v2/REPO/blobs/uploads/?mount=DIGEST&from=SOURCE. Any refusal is "not mounted".
MountResult mount_blob(RegistryClient& client, const std::string& repository,
                       const oci::Digest& digest, const std::string& source_repository,
                       const Scopes& scopes);

// GET /v2/REPO/blobs/DIGEST as a stream that, when the connection drops, asks again with a
// Range from the byte it reached (a registry that ignores Range is read from the start again,
// the bytes already given skipped). It does not verify the digest: wrap it (RegistrySource
// does, in an oci::VerifyingSource). Nothing is sent before the first read.
std::unique_ptr<ByteSource> open_blob_stream(std::shared_ptr<RegistryClient> client,
                                             const std::string& repository,
                                             const oci::Descriptor& descriptor,
                                             const Scopes& scopes, const std::string& name);

}  // namespace cairn::registry
