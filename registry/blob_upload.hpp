// Uploading one blob: POST a session, PATCH the bytes (one request for a small blob, chunks
// of ClientSettings::chunk_size for a big one), PUT ?digest= to commit. A dropped connection
// resumes from the offset the registry reports; a session the registry forgot restarts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "oci/descriptor.hpp"
#include "oci/image_source.hpp"
#include "registry/registry_client.hpp"

namespace cairn::registry {

// Opens the blob's content again from its start, for a restart after the registry lost an
// upload part-way.
using BlobOpener = oci::BlobOpener;

struct BlobUpload {
    RegistryClient& client;
    std::string repository;
    oci::Descriptor descriptor;
    Scopes scopes;
    std::string name;         // the target image, for messages
    std::string session_url;  // an upload session already open (from a refused mount), or ""
};

// Uploads `content`, hashing what it sends: content that does not match the descriptor is an
// Error, and the upload is not committed. With `reopen` a lost upload restarts from the start
// whatever its size; without, only while its first chunk is still in memory. Returns the number
// of bytes sent (more than the blob's size when parts were sent again).
std::uint64_t upload_blob(const BlobUpload& upload, ByteSource& content, const BlobOpener* reopen);

}  // namespace cairn::registry
