// Swapping the base under an image's own layers (`cairn rebase`): how a base's security update
// ships without building the app again.
#pragma once

#include <cstddef>
#include <string>

#include "assemble/transport/stack.hpp"
#include "oci/image.hpp"

namespace cairn::assemble {

struct RebaseNames {
    std::string image;     // for messages: what the user called each
    std::string old_base;
    std::string new_base;  // also written as the org.opencontainers.image.base.name annotation
};

struct RebasedImage {
    StackedImage image;
    std::size_t base_layers = 0;  // the new base's layers, at the bottom
    std::size_t own_layers = 0;   // the image's own layers, kept on top
};

// `image` with the layers of `old_base` at its bottom replaced by those of `new_base`: the
// manifest's layers, rootfs.diff_ids and history (the new base's history, then the image's
// own entries) change in step; the image's runtime config (entrypoint, env, user, labels) and
// `created` stay. Errors name what does not fit: an image that does not start with
// `old_base`'s layers (by digest and diff_id), or a new base of another platform. The result
// keeps the image's manifest format unless a layer of the new base has no Docker type (zstd):
// then it is OCI. On an OCI result the base annotations name the new base.
RebasedImage rebase(const oci::Image& image, const oci::Image& old_base, const oci::Image& new_base,
                    const RebaseNames& names);

}  // namespace cairn::assemble
