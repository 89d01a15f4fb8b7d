// A config change without new layers (`cairn mutate`): the image's layers by reference.
#pragma once

#include "assemble/transport/stack.hpp"
#include "oci/image.hpp"

namespace cairn::assemble {

// `image` with `changes` applied to its config (and annotations to its manifest). Its layers,
// their order and history stay as they are, and so does `created`: nothing was built. A Docker
// schema 2 image stays one unless annotations are asked for (Docker manifests have none): then
// it becomes OCI, its layers named with their OCI types (the same bytes). No layer is read.
StackedImage mutate(const oci::Image& image, const ConfigChanges& changes);

}  // namespace cairn::assemble
