// `cairn inspect IMAGE [--raw|--config|--json]`: what an image is, for people and for scripts.
#include <iostream>

#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/registry_flags.hpp"
#include "cli/terminal_text.hpp"
#include "oci/error.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"

namespace cairn::cli {

namespace {

struct InspectArgs {
    std::string image;
    std::string platform;
    bool raw = false;
    bool config = false;
    bool json = false;
    RegistryFlags registry;
};

std::string words_json(const std::vector<std::string>& words) {
    rapidjson::StringBuffer buffer;
    oci::json::Writer writer(buffer);
    writer.StartArray();
    for (const auto& word : words)
        writer.String(word.c_str(), static_cast<rapidjson::SizeType>(word.size()));
    writer.EndArray();
    return buffer.GetString();
}

void print_json(const std::string& name, const oci::ManifestBlob& top, const oci::Image& image) {
    rapidjson::StringBuffer buffer;
    oci::json::Writer writer(buffer);
    const auto& config = image.config;
    writer.StartObject();
    oci::json::write_key_string(writer, "reference", name);
    oci::json::write_key_string(writer, "digest", image.manifest_blob.digest.str());
    oci::json::write_key_string(writer, "mediaType", image.manifest_blob.media_type);
    if (top.digest != image.manifest_blob.digest) {
        oci::json::write_key_string(writer, "indexDigest", top.digest.str());
    }
    oci::json::write_key_string(writer, "platform", config.platform().str());
    writer.Key("layers");
    writer.StartArray();
    auto diff_ids = config.diff_ids();
    for (std::size_t i = 0; i < image.manifest.layers.size(); ++i) {
        const auto& layer = image.manifest.layers[i];
        writer.StartObject();
        oci::json::write_key_string(writer, "digest", layer.digest.str());
        oci::json::write_key_string(writer, "mediaType", layer.media_type);
        writer.Key("size");
        writer.Int64(layer.size);
        if (i < diff_ids.size()) oci::json::write_key_string(writer, "diffID", diff_ids[i].str());
        writer.EndObject();
    }
    writer.EndArray();
    writer.Key("config");
    writer.StartObject();
    oci::json::write_key_string(writer, "digest", image.manifest.config.digest.str());
    oci::json::write_string_array(writer, "entrypoint", config.entrypoint());
    oci::json::write_string_array(writer, "cmd", config.cmd());
    oci::json::write_string_array(writer, "env", config.env());
    oci::json::write_key_string(writer, "user", config.user());
    oci::json::write_key_string(writer, "workdir", config.workdir());
    oci::json::write_string_array(writer, "ports", config.exposed_ports());
    oci::json::write_string_map(writer, "labels", config.labels());
    writer.EndObject();
    if (!image.manifest.annotations.empty()) {
        oci::json::write_string_map(writer, "annotations", image.manifest.annotations);
    }
    writer.EndObject();
    std::cout << buffer.GetString() << '\n';
}

// The platforms an index offers, for choosing with --platform.
std::string index_platforms(const oci::ManifestBlob& top, const std::string& name) {
    std::string platforms;
    for (const auto& entry : oci::Index::parse(top.bytes, "index of " + name).manifests) {
        if (entry.platform) platforms += (platforms.empty() ? "" : ", ") + entry.platform->str();
    }
    return platforms;
}

// Every string here may come from the image (its author chose the env, labels, user and media
// types): escaped, so that none can move the cursor, recolour or retitle the terminal.
void print_human(const std::string& name, const oci::ManifestBlob& top, const oci::Image& image) {
    const auto& config = image.config;
    auto line = [](const char* label, const std::string& value) {
        if (!value.empty()) std::cout << label << escape_controls(value) << '\n';
    };
    line("Image:       ", name);
    if (top.digest != image.manifest_blob.digest) {
        line("Index:       ", top.digest.str() + " (" + top.media_type + ")");
        line("Platforms:   ", index_platforms(top, name));
    }
    line("Digest:      ", image.manifest_blob.digest.str());
    line("MediaType:   ", image.manifest_blob.media_type);
    line("Platform:    ", config.platform().str());
    line("Config:      ", image.manifest.config.digest.str());
    line("Layers:      ", std::to_string(image.manifest.layers.size()));
    for (const auto& layer : image.manifest.layers) {
        line("  ", layer.digest.str() + "  " + std::to_string(layer.size) + "  " + layer.media_type);
    }
    if (!config.entrypoint().empty()) line("Entrypoint:  ", words_json(config.entrypoint()));
    if (!config.cmd().empty()) line("Cmd:         ", words_json(config.cmd()));
    for (const auto& env : config.env()) line("Env:         ", env);
    line("User:        ", config.user());
    line("WorkingDir:  ", config.workdir());
    for (const auto& port : config.exposed_ports()) line("Port:        ", port);
    for (const auto& [key, value] : config.labels()) line("Label:       ", key + "=" + value);
    for (const auto& [key, value] : image.manifest.annotations)
        line("Annotation:  ", key + "=" + value);
}

int run_inspect(const InspectArgs& args) {
    if (args.raw + args.config + args.json > 1) {
        throw UsageError("--raw, --config and --json exclude each other");
    }
    auto reference = assemble::ImageReference::parse(args.image);
    assemble::Transports transports(args.registry.transport_options());
    auto source = transports.open_source(reference);
    auto top = source->top();
    if (args.raw) {
        std::cout << document_for_stdout(top.bytes);  // escaped on a terminal only
        return 0;
    }
    auto image = oci::load_image(*source, platform_or_host(args.platform));
    if (args.config) {
        std::cout << document_for_stdout(image.config.to_json()) << '\n';
    } else if (args.json) {
        print_json(source->name(), top, image);
    } else {
        print_human(source->name(), top, image);
    }
    return 0;
}

}  // namespace

Runner add_inspect_command(CLI::App& app) {
    auto args = std::make_shared<InspectArgs>();
    auto* command = app.add_subcommand("inspect", "Show an image's manifest, layers and config");
    add_image_argument(*command, "IMAGE", args->image);
    command->add_flag("--raw", args->raw, "print the manifest (or index) bytes as stored");
    command->add_flag("--config", args->config, "print the image config");
    command->add_flag("--json", args->json, "print everything as one JSON object");
    add_platform_flag(*command, args->platform);
    add_registry_flags(*command, args->registry, Transfers::no);
    return [args] { return run_inspect(*args); };
}

}  // namespace cairn::cli
