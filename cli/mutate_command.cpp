// `cairn mutate IMAGE [--entrypoint … --env K=V …] --to TARGET`: an image with another config,
// its layers by reference (crane mutate): pushed to the registry that holds them, no layer is
// downloaded or uploaded.
#include <iostream>

#include "assemble/transport/mutate.hpp"
#include "assemble/transport/ship.hpp"
#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/config_flags.hpp"
#include "cli/image_args.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/registry_flags.hpp"
#include "oci/image.hpp"

namespace cairn::cli {

namespace {

struct MutateArgs {
    std::string image;
    std::string to;
    std::string platform;
    bool json = false;
    ConfigFlags config;
    RegistryFlags registry;
};

int run_mutate(const MutateArgs& args) {
    auto start = std::chrono::steady_clock::now();
    auto changes = to_changes(args.config);
    assemble::Transports transports(args.registry.transport_options());
    auto source = transports.open_source(assemble::ImageReference::parse(args.image));
    auto target_ref = assemble::ImageReference::parse(args.to);
    auto image = oci::load_image(*source, platform_or_host(args.platform));
    auto mutated = assemble::mutate(image, changes);
    auto target = transports.open_target(target_ref);
    assemble::Transports::mount_from(*source, *target);
    assemble::ShipStats stats;
    {
        ProgressDisplay display;
        display.phase("push");
        stats = assemble::ship(*target, assemble::layers_of({source.get()}, {&image.manifest}),
                               mutated, args.registry.job_count(), &display.meter());
    }
    status("wrote " + target->name() + ": " + bytes_moved(stats.bytes_written, stats.bytes_skipped) +
           ", in " + seconds_since(start));
    if (args.json) {
        print_json_object([&](oci::json::Writer& writer) {
            oci::json::write_key_string(writer, "reference", target->name());
            oci::json::write_key_string(writer, "digest", mutated.manifest.digest.str());
            writer.Key("bytes_written");
            writer.Uint64(stats.bytes_written);
            writer.Key("bytes_skipped");
            writer.Uint64(stats.bytes_skipped);
        });
    } else {
        std::cout << mutated.manifest.digest << '\n';
    }
    return 0;
}

}  // namespace

Runner add_mutate_command(CLI::App& app) {
    auto args = std::make_shared<MutateArgs>();
    auto* command = app.add_subcommand(
        "mutate", "Change an image's config (entrypoint, env, labels…) without its layers moving");
    add_image_argument(*command, "IMAGE", args->image);
    command->add_option("--to", args->to, "TARGET image (any transport)")
        ->required()
        ->option_text(" TARGET");
    add_config_flags(*command, args->config);
    add_platform_flag(*command, args->platform);
    command->add_flag("--json", args->json, "print the result as one JSON object");
    add_registry_flags(*command, args->registry);
    return [args] { return run_mutate(*args); };
}

}  // namespace cairn::cli
