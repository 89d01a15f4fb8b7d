// `cairn rebase IMAGE --old-base X --new-base Y --to TARGET`: the image's own layers on a new
// base without building again; how a base's security update ships. The image must start with
// X's layers.
#include <iostream>

#include "assemble/transport/rebase.hpp"
#include "assemble/transport/ship.hpp"
#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/registry_flags.hpp"
#include "oci/image.hpp"

namespace cairn::cli {

namespace {

struct RebaseArgs {
    std::string image;
    std::string old_base;
    std::string new_base;
    std::string to;
    std::string platform;
    bool json = false;
    RegistryFlags registry;
};

int run_rebase(const RebaseArgs& args) {
    auto start = std::chrono::steady_clock::now();
    auto platform = platform_or_host(args.platform);
    assemble::Transports transports(args.registry.transport_options());
    auto open = [&](const std::string& text) {
        return transports.open_source(assemble::ImageReference::parse(text));
    };
    auto target_ref = assemble::ImageReference::parse(args.to);
    auto image_source = open(args.image);
    auto old_source = open(args.old_base);
    auto new_source = open(args.new_base);
    auto image = oci::load_image(*image_source, platform);
    auto old_base = oci::load_image(*old_source, platform);
    auto new_base = oci::load_image(*new_source, platform);
    auto rebased = assemble::rebase(image, old_base, new_base,
                                    {.image = image_source->name(),
                                     .old_base = old_source->name(),
                                     .new_base = new_source->name()});
    auto target = transports.open_target(target_ref);
    assemble::Transports::mount_from(*new_source, *target);
    assemble::Transports::mount_from(*image_source, *target);
    assemble::ShipStats stats;
    {
        ProgressDisplay display;
        display.phase("push");
        auto layers = assemble::layers_of({new_source.get(), image_source.get()},
                                          {&new_base.manifest, &image.manifest});
        stats = assemble::ship(*target, layers, rebased.image, args.registry.job_count(),
                               &display.meter());
    }
    status("wrote " + target->name() + ": " + std::to_string(rebased.own_layers) +
           " layer(s) of " + image_source->name() + " on the " +
           std::to_string(rebased.base_layers) + " of " + new_source->name() + "; " +
           bytes_moved(stats.bytes_written, stats.bytes_skipped) + ", in " + seconds_since(start));
    if (args.json) {
        print_json_object([&](oci::json::Writer& writer) {
            oci::json::write_key_string(writer, "reference", target->name());
            oci::json::write_key_string(writer, "digest", rebased.image.manifest.digest.str());
            writer.Key("base_layers");
            writer.Uint64(rebased.base_layers);
            writer.Key("own_layers");
            writer.Uint64(rebased.own_layers);
            writer.Key("bytes_written");
            writer.Uint64(stats.bytes_written);
            writer.Key("bytes_skipped");
            writer.Uint64(stats.bytes_skipped);
        });
    } else {
        std::cout << rebased.image.manifest.digest << '\n';
    }
    return 0;
}

}  // namespace

Runner add_rebase_command(CLI::App& app) {
    auto args = std::make_shared<RebaseArgs>();
    auto* command = app.add_subcommand(
        "rebase", "Put an image's own layers on a new base without building again");
    add_image_argument(*command, "IMAGE", args->image);
    command->add_option("--old-base", args->old_base, "the base IMAGE was built on")
        ->required()
        ->option_text(" IMAGE");
    command->add_option("--new-base", args->new_base, "the base to put under its own layers")
        ->required()
        ->option_text(" IMAGE");
    command->add_option("--to", args->to, "TARGET image (any transport)")
        ->required()
        ->option_text(" TARGET");
    add_platform_flag(*command, args->platform);
    command->add_flag("--json", args->json, "print the result as one JSON object");
    add_registry_flags(*command, args->registry);
    return [args] { return run_rebase(*args); };
}

}  // namespace cairn::cli
