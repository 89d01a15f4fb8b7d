// The shared arguments of the image commands.
#include "cli/image_args.hpp"

#include <iostream>

#include "assemble/transport/transport.hpp"
#include "oci/error.hpp"
#include "oci/image.hpp"

namespace cairn::cli {

CLI::Option* add_image_argument(CLI::App& command, const std::string& name, std::string& value,
                                const std::string& description) {
    return command
        .add_option(name, value, description.empty() ? std::string(kImageForms) : description)
        ->required();
}

void add_platform_flag(CLI::App& command, std::string& platform) {
    command
        .add_option("--platform", platform,
                    "which image of an index (default: the host's platform)")
        ->option_text(" OS/ARCH[/VARIANT]");
}

oci::Platform platform_or_host(const std::string& text) {
    return text.empty() ? oci::Platform::host() : oci::Platform::parse(text);
}

oci::ManifestBlob named_manifest(oci::ImageSource& source, const std::string& platform) {
    if (platform.empty()) return source.top();
    return oci::load_image(source, platform_or_host(platform)).manifest_blob;
}

registry::Reference registry_reference(const std::string& text, const std::string& command) {
    auto reference = assemble::ImageReference::parse(text);
    if (reference.transport != assemble::ImageReference::Transport::registry) {
        throw UsageError("cairn " + command + " works on images in a registry (REGISTRY/REPO…), "
                         "not on \"" + text + "\"");
    }
    return registry::Reference::parse(text);
}

void print_json_object(const std::function<void(oci::json::Writer&)>& body) {
    rapidjson::StringBuffer buffer;
    oci::json::Writer writer(buffer);
    writer.StartObject();
    body(writer);
    writer.EndObject();
    std::cout << buffer.GetString() << '\n';
}

}  // namespace cairn::cli
