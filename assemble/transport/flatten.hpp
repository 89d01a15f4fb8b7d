// An image's filesystem as one tar stream (`cairn export`, like `crane export`): its layers
// with their whiteouts applied, as a container would see its root.
#pragma once

#include <cstdint>

#include "oci/image_source.hpp"
#include "oci/manifest.hpp"
#include "oci/progress.hpp"
#include "oci/stream.hpp"

namespace cairn::assemble {

struct FlattenStats {
    std::uint64_t entries = 0;        // written to the tar
    std::uint64_t entries_hidden = 0;  // of lower layers, replaced or deleted by upper ones
};

// Reads the layers of `manifest` from `source` top layer first, streaming each member the
// image shows straight to `out` (bounded memory: only the paths seen are kept): a path an upper
// layer already gave, deleted (`.wh.NAME`), or under an opaque directory (`.wh..wh..opq`) or a
// non-directory of an upper layer is left out, and whiteout files themselves never appear.
// Paths are written relative (no "./" or "/"), the root entry left out. Every blob is
// verified to its end. A hard link is written where its layer has it; its target comes from
// the same or a lower layer, so it may come after the link in the stream (as with
// `crane export`): extract with GNU tar, which defers such links, or any tool that does.
FlattenStats flatten(oci::ImageSource& source, const oci::Manifest& manifest, ByteSink& out,
                     oci::Meter* meter = nullptr);

}  // namespace cairn::assemble
