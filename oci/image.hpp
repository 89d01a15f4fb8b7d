// A single-platform image read from a source: its manifest, as stored and as parsed, and its
// config, as stored and as parsed.
#pragma once

#include <string>

#include "oci/image_config.hpp"
#include "oci/image_source.hpp"
#include "oci/manifest.hpp"

namespace cairn::oci {

struct Image {
    ManifestBlob manifest_blob;
    Manifest manifest;
    ImageConfig config;
    std::string config_bytes;  // the config blob as stored (`config` is parsed from it)
};

// Reads the image `source` names. An index (nested ones too) resolves to the entry for
// `platform`; none matching is an Error listing the platforms it has.
Image load_image(ImageSource& source, const Platform& platform);

// The entry of `index` for `platform`, or an Error naming `what` and the platforms it holds.
Descriptor select_platform(const Index& index, const Platform& platform, std::string_view what);

}  // namespace cairn::oci
