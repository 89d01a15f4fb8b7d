// `cairn digest IMAGE [--platform P] [--json]`: the digest an image reference names (crane
// digest): of the index when it names one, of a platform's manifest with --platform.
#include <iostream>

#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/registry_flags.hpp"

namespace cairn::cli {

namespace {

struct DigestArgs {
    std::string image;
    std::string platform;
    bool json = false;
    RegistryFlags registry;
};

int run_digest(const DigestArgs& args) {
    assemble::Transports transports(args.registry.transport_options());
    auto source = transports.open_source(assemble::ImageReference::parse(args.image));
    auto blob = named_manifest(*source, args.platform);
    if (args.json) {
        print_json_object([&](oci::json::Writer& writer) {
            oci::json::write_key_string(writer, "reference", source->name());
            oci::json::write_key_string(writer, "digest", blob.digest.str());
            oci::json::write_key_string(writer, "mediaType", blob.media_type);
            writer.Key("size");
            writer.Uint64(blob.bytes.size());
        });
        return 0;
    }
    std::cout << blob.digest << '\n';
    return 0;
}

}  // namespace

Runner add_digest_command(CLI::App& app) {
    auto args = std::make_shared<DigestArgs>();
    auto* command =
        app.add_subcommand("digest", "Print the digest of an image (or index) reference");
    add_image_argument(*command, "IMAGE", args->image);
    add_platform_flag(*command, args->platform);
    command->add_flag("--json", args->json, "as {\"digest\":…,\"mediaType\":…,\"size\":…}");
    add_registry_flags(*command, args->registry, Transfers::no);
    return [args] { return run_digest(*args); };
}

}  // namespace cairn::cli
