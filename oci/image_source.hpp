// Where images come from and go to: the interfaces that layouts, archives and registries implement.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "oci/descriptor.hpp"
#include "oci/stream.hpp"

namespace cairn::oci {

// A manifest or index as stored: its exact bytes (which its digest is of) and its type.
struct ManifestBlob {
    std::string bytes;
    std::string media_type;
    Digest digest;

    Descriptor descriptor() const {
        return {.media_type = media_type,
                .digest = digest,
                .size = static_cast<std::int64_t>(bytes.size())};
    }
};

class ImageSource {
  public:
    virtual ~ImageSource() = default;
    // How the user named it, for messages: "oci:out:v1", "registry.example/app:1".
    virtual std::string name() const = 0;
    // The manifest or index the reference names.
    virtual ManifestBlob top() = 0;
    // A manifest or index an index points to; its digest is verified.
    virtual ManifestBlob manifest(const Descriptor& descriptor) = 0;
    // A blob's content; the stream throws at its end if the digest or size differ.
    virtual std::unique_ptr<ByteSource> open_blob(const Descriptor& descriptor) = 0;
    // A small blob (a config) whole, verified.
    virtual std::string read_blob(const Descriptor& descriptor, std::size_t max_size) = 0;
};

// Opens a blob's content afresh each time it is called: what a target needs to start an upload
// over after the far end lost it part-way.
using BlobOpener = std::function<std::unique_ptr<ByteSource>()>;

class ImageTarget {
  public:
    virtual ~ImageTarget() = default;
    virtual std::string name() const = 0;
    virtual bool has_blob(const Descriptor& descriptor) = 0;
    // Whether has_blob/put_blob may be called from several threads at once, for different blobs.
    virtual bool parallel_uploads() const { return false; }
    // Whether Docker schema 2 manifests belong here; an OCI layout holds OCI types only
    // (skopeo finds no image in one that has Docker types, oci-image-tool rejects it).
    virtual bool holds_docker_manifests() const { return true; }
    // Stores a blob, verifying it against the descriptor; a mismatch stores nothing.
    virtual void put_blob(const Descriptor& descriptor, ByteSource& content) = 0;
    // The same, for content that can be read again; targets that can lose an upload midway
    // (registries) restart with it. By default, one read.
    virtual void put_blob(const Descriptor& descriptor, const BlobOpener& open) {
        auto content = open();
        put_blob(descriptor, *content);
    }
    // Stores a manifest or index, after all blobs it names, and points the reference at it.
    virtual void put_manifest(const ManifestBlob& manifest) = 0;
    // Stores a manifest an index names, without pointing the reference at it.
    virtual void put_child_manifest(const ManifestBlob& manifest) = 0;
};

}  // namespace cairn::oci
