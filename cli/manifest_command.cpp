// `cairn manifest IMAGE [--platform P]`: the manifest (or index) as stored, byte for byte
// (crane manifest); with --platform, that platform's manifest from an index.
#include <iostream>

#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/registry_flags.hpp"
#include "cli/terminal_text.hpp"

namespace cairn::cli {

namespace {

struct ManifestArgs {
    std::string image;
    std::string platform;
    RegistryFlags registry;
};

int run_manifest(const ManifestArgs& args) {
    assemble::Transports transports(args.registry.transport_options());
    auto source = transports.open_source(assemble::ImageReference::parse(args.image));
    auto blob = named_manifest(*source, args.platform);
    std::cout << document_for_stdout(blob.bytes) << std::flush;
    return 0;
}

}  // namespace

Runner add_manifest_command(CLI::App& app) {
    auto args = std::make_shared<ManifestArgs>();
    auto* command = app.add_subcommand(
        "manifest", "Print an image's manifest (or index) as stored: it is JSON already");
    add_image_argument(*command, "IMAGE", args->image);
    add_platform_flag(*command, args->platform);
    add_registry_flags(*command, args->registry, Transfers::no);
    return [args] { return run_manifest(*args); };
}

}  // namespace cairn::cli
