// `cairn config IMAGE [--platform P]`: the image's config blob as stored (crane config).
#include <iostream>

#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/registry_flags.hpp"
#include "cli/terminal_text.hpp"
#include "oci/image.hpp"

namespace cairn::cli {

namespace {

struct ConfigArgs {
    std::string image;
    std::string platform;
    RegistryFlags registry;
};

int run_config(const ConfigArgs& args) {
    assemble::Transports transports(args.registry.transport_options());
    auto source = transports.open_source(assemble::ImageReference::parse(args.image));
    auto image = oci::load_image(*source, platform_or_host(args.platform));
    std::cout << document_for_stdout(image.config_bytes) << std::flush;
    return 0;
}

}  // namespace

Runner add_config_command(CLI::App& app) {
    auto args = std::make_shared<ConfigArgs>();
    auto* command = app.add_subcommand(
        "config", "Print an image's config (entrypoint, env, layers' diff_ids, history) as stored");
    add_image_argument(*command, "IMAGE", args->image);
    add_platform_flag(*command, args->platform);
    add_registry_flags(*command, args->registry, Transfers::no);
    return [args] { return run_config(*args); };
}

}  // namespace cairn::cli
