// Manifests over the v2 API: GET with content negotiation and digest checks, PUT with the
// registry's Docker-Content-Digest checked.
#pragma once

#include <optional>
#include <string>

#include "oci/image_source.hpp"
#include "registry/registry_client.hpp"

namespace cairn::registry {

// The Accept header value: OCI and Docker schema 2 manifests and indexes.
std::string manifest_accept_header();

// GET /v2/REPO/manifests/REFERENCE (a tag or a digest). A digest reference is checked against
// the bytes; for a tag, the registry's Docker-Content-Digest when it sends one. `name` is the
// image as the user named it, for messages.
oci::ManifestBlob fetch_manifest(RegistryClient& client, const std::string& repository,
                                 const std::string& reference, const Scopes& scopes,
                                 const std::string& name);

// PUT /v2/REPO/manifests/REFERENCE with the manifest's own media type. A Docker-Content-Digest
// in the answer other than the manifest's digest is an Error.
void push_manifest(RegistryClient& client, const std::string& repository,
                   const std::string& reference, const oci::ManifestBlob& manifest,
                   const Scopes& scopes, const std::string& name);

// DELETE /v2/REPO/manifests/DIGEST (registries delete by digest only). A registry that does
// not allow deletes (405, or UNSUPPORTED) is an Error saying so; a missing manifest NotFound.
void delete_manifest(RegistryClient& client, const std::string& repository,
                     const oci::Digest& digest, const std::string& name);

// HEAD /v2/REPO/manifests/REFERENCE: is it there?
bool has_manifest(RegistryClient& client, const std::string& repository,
                  const std::string& reference, const Scopes& scopes, const std::string& name);

}  // namespace cairn::registry
