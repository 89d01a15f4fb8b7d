// What the image commands share: the IMAGE argument and its words, --platform, --json output,
// and commands that only make sense for a registry.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "oci/image_source.hpp"
#include "oci/json.hpp"
#include "oci/platform.hpp"
#include "registry/reference.hpp"

namespace cairn::cli {

// The help text of an IMAGE argument.
inline constexpr const char* kImageForms =
    "REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG], oci-archive:FILE[:TAG] or "
    "docker-archive:FILE[:REF]";

// An IMAGE (or other) positional argument, required; `description` defaults to the forms.
CLI::Option* add_image_argument(CLI::App& command, const std::string& name, std::string& value,
                                const std::string& description = "");

// --platform OS/ARCH[/VARIANT]: which image of an index.
void add_platform_flag(CLI::App& command, std::string& platform);
// The platform asked for, else the host's.
oci::Platform platform_or_host(const std::string& text);

// What IMAGE names as stored (an index stays an index), or with --platform that platform's
// image manifest.
oci::ManifestBlob named_manifest(oci::ImageSource& source, const std::string& platform);

// `text` as a registry reference, or a UsageError: `command` works on registries only.
registry::Reference registry_reference(const std::string& text, const std::string& command);

// One JSON object on stdout, written by `body` between StartObject and EndObject.
void print_json_object(const std::function<void(oci::json::Writer&)>& body);

}  // namespace cairn::cli
