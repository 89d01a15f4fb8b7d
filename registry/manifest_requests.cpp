// Manifest GET, HEAD and PUT, with the digests checked both ways.
#include "registry/manifest_requests.hpp"

#include "oci/error.hpp"
#include "oci/json.hpp"
#include "oci/manifest.hpp"
#include "oci/media_types.hpp"

namespace cairn::registry {

namespace {

// "application/vnd.oci.image.manifest.v1+json; charset=utf-8" → its type alone.
std::string bare_media_type(std::string_view content_type) {
    auto end = content_type.find(';');
    std::string_view type = content_type.substr(0, end);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    return std::string(type);
}

std::string manifest_path(const std::string& repository, const std::string& reference) {
    return "/v2/" + repository + "/manifests/" + reference;
}

}  // namespace

std::string manifest_accept_header() {
    using namespace oci::media_type;
    return "Accept: " + std::string(oci_manifest) + ", " + std::string(oci_index) + ", " +
           std::string(docker_manifest) + ", " + std::string(docker_manifest_list);
}

oci::ManifestBlob fetch_manifest(RegistryClient& client, const std::string& repository,
                                 const std::string& reference, const Scopes& scopes,
                                 const std::string& name) {
    auto response = client.send({.url = client.url(manifest_path(repository, reference)),
                                 .headers = {manifest_accept_header()},
                                 .scopes = scopes});
    std::string what = "getting the manifest of " + name;
    if (response->status() == 404) {
        throw NotFound(name + " was not found in " + client.registry() +
                       " (no such manifest); check the name and tag");
    }
    if (response->status() != 200) client.fail(*response, what);
    auto bytes = read_body(*response, oci::json::kMaxManifestSize, "the manifest of " + name);
    auto digest = oci::Digest::of(bytes);
    if (oci::Digest::is_valid(reference) && digest.str() != reference) {
        throw Error("the manifest of " + name + " from " + client.registry() + " hashes to " +
                    digest.str() + ", not the " + reference +
                    " asked for: the registry served the wrong content");
    }
    auto reported = response->head().header("docker-content-digest");
    if (oci::Digest::is_valid(reported) && reported != digest.str()) {
        throw Error("the manifest of " + name + " hashes to " + digest.str() + " but " +
                    client.registry() + " says it is " + reported + "; the download was corrupted");
    }
    auto media_type = bare_media_type(response->head().header("content-type"));
    if (!oci::media_type::is_manifest(media_type) && !oci::media_type::is_index(media_type)) {
        media_type = oci::sniff_media_type(bytes, "the manifest of " + name);
    }
    if (!oci::media_type::is_manifest(media_type) && !oci::media_type::is_index(media_type)) {
        throw Error("the manifest of " + name + " has media type \"" + media_type +
                    "\", which cairn does not read (it reads OCI and Docker schema 2 manifests and "
                    "indexes)");
    }
    return {.bytes = std::move(bytes),
            .media_type = std::move(media_type),
            .digest = std::move(digest)};
}

void push_manifest(RegistryClient& client, const std::string& repository,
                   const std::string& reference, const oci::ManifestBlob& manifest,
                   const Scopes& scopes, const std::string& name) {
    auto response = client.send({.method = "PUT",
                                 .url = client.url(manifest_path(repository, reference)),
                                 .headers = {"Content-Type: " + manifest.media_type},
                                 .body = manifest.bytes,
                                 .scopes = scopes});
    if (response->status() != 201 && response->status() != 200 && response->status() != 202) {
        client.fail(*response, "pushing the manifest of " + name);
    }
    auto reported = response->head().header("docker-content-digest");
    read_body_prefix(*response, 0);
    if (!reported.empty() && reported != manifest.digest.str()) {
        throw Error(client.registry() + " stored the manifest of " + name + " as " + reported +
                    ", not as " + manifest.digest.str() +
                    "; the registry rewrote it, so its digest cannot be trusted");
    }
}

void delete_manifest(RegistryClient& client, const std::string& repository,
                     const oci::Digest& digest, const std::string& name) {
    auto response = client.send({.method = "DELETE",
                                 .url = client.url(manifest_path(repository, digest.str())),
                                 .scopes = {repository_scope(repository, Access::remove)}});
    auto status = response->status();
    if (status == 202 || status == 200 || status == 204) {
        read_body_prefix(*response, 0);
        return;
    }
    if (status == 404) {
        read_body_prefix(*response, 0);
        throw NotFound(name + " was not found in " + client.registry() + " (no such manifest)");
    }
    if (status == 405) {
        read_body_prefix(*response, 0);
        throw Error(client.registry() + " does not allow deleting manifests (HTTP 405); its " +
                    "operator must enable deletes (docker-registry: storage.delete.enabled)");
    }
    client.fail(*response, "deleting " + name);
}

bool has_manifest(RegistryClient& client, const std::string& repository,
                  const std::string& reference, const Scopes& scopes, const std::string& name) {
    auto response = client.send({.method = "HEAD",
                                 .url = client.url(manifest_path(repository, reference)),
                                 .headers = {manifest_accept_header()},
                                 .scopes = scopes});
    if (response->status() == 404) return false;
    if (response->status() != 200)
        client.fail(*response, "checking for the manifest " + reference + " of " + name);
    return true;
}

}  // namespace cairn::registry
