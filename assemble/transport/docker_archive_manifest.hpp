// manifest.json of docker-archives: the list of images `docker save` writes and `docker load`
// reads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::assemble {

// One entry: `[{"Config":"<hex>.json","RepoTags":["name:tag"],"Layers":["<id>/layer.tar",…]}]`,
// member names of the config and of the layers (in rootfs order), and the image's tags.
struct ArchivedImage {
    std::string config;
    std::vector<std::string> layers;
    std::vector<std::string> repo_tags;
};

// Parses manifest.json; `null`, anything but a list of such objects, or an empty list is an
// Error naming `what`. Unknown keys (Parent, LayerSources) are ignored, as docker load does.
std::vector<ArchivedImage> parse_archived_images(std::string_view bytes, const std::string& what);

// The image `reference` names: a RepoTag (Docker Hub names completed on both sides, so
// "busybox" finds "docker.io/library/busybox:latest"), "@N" for the N-th from 0 (as skopeo
// reads it), or "" for the only one. Otherwise an Error naming `what` and the tags there are.
const ArchivedImage& pick_archived_image(const std::vector<ArchivedImage>& images,
                                         const std::string& reference, const std::string& what);

// manifest.json for one image, compact, keys in the order `docker save` writes them.
std::string archived_images_json(const ArchivedImage& image);

// `reference` if it is a RepoTag docker load takes (NAME:TAG) or empty; else a UsageError.
std::string checked_repo_tag(const std::string& reference);

}  // namespace cairn::assemble
