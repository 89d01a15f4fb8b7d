// `cairn append BASE --layer SRC[:DEST] … --to TARGET`: layers and config changes onto a base.
#include <chrono>
#include <iostream>

#include "assemble/build/cache.hpp"
#include "assemble/layer/layer.hpp"
#include "assemble/layer/layer_cache.hpp"
#include "assemble/transport/ship.hpp"
#include "assemble/transport/stack.hpp"
#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/config_flags.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/registry_flags.hpp"
#include "oci/blob_store.hpp"
#include "oci/error.hpp"
#include "oci/interrupt.hpp"
#include "oci/output_file.hpp"

namespace cairn::cli {

namespace {

struct AppendArgs {
    std::string base;
    std::vector<std::string> layers;
    std::string to;
    std::string platform;
    std::string compression = "gzip";
    RegistryFlags registry;
    ConfigFlags config;
};

assemble::NewLayer build_layer(const std::string& argument, const assemble::LayerOptions& options,
                               oci::BlobStore& store, ProgressDisplay& display) {
    auto start = std::chrono::steady_clock::now();
    auto source = assemble::LayerSource::parse(argument);
    oci::ProgressTask task(&display.meter(), "layer " + source.describe());
    auto with_progress = options;
    with_progress.progress = &task;
    auto stored = assemble::store_layer(source, with_progress, store);
    const auto& digests = stored.digests;
    display.line("layer " + source.describe() + ": " + std::string(digests.digest.short_hex()) +
                 " " + human_bytes(static_cast<std::uint64_t>(digests.size)) + " in " +
                 seconds_since(start) +
                 (stored.reused ? " (content unchanged: the cached blob)" : ""));
    return {.digests = digests, .description = source.describe()};
}

int run_append(const AppendArgs& args) {
    auto start = std::chrono::steady_clock::now();
    auto changes = to_changes(args.config);
    auto platform =
        args.platform.empty() ? oci::Platform::host() : oci::Platform::parse(args.platform);
    assemble::LayerOptions options{.compression = assemble::parse_compression(args.compression),
                                   .threads = args.registry.job_count()};
    options.tar.mtime = assemble::source_date_epoch();
    options.tar.warn = [](const std::string& message) { status("warning: " + message); };
    auto base_ref = assemble::ImageReference::parse(args.base);
    auto target_ref = assemble::ImageReference::parse(args.to);
    oci::set_interrupt_activity("cairn append to " + args.to);

    assemble::Transports transports(args.registry.transport_options());
    std::unique_ptr<oci::ImageSource> base_source;
    oci::Image base = assemble::scratch_image(platform);
    if (base_ref.transport != assemble::ImageReference::Transport::scratch) {
        base_source = transports.open_source(base_ref);
        base = oci::load_image(*base_source, platform);
    }

    auto cache_dir = assemble::cache_directory();
    auto cache_use = assemble::use_cache(cache_dir, [&cache_dir] {
        status("waiting for `cairn cache gc` to finish with " + cache_dir.string());
    });
    // A layer source that holds the target (an archive, a layout) or the cache must not take
    // them in: they change with every run.
    options.tar.outputs = assemble::output_identities(target_ref);
    for (auto identity : oci::existing_output_identities(cache_dir))
        options.tar.outputs.push_back(identity);
    oci::BlobStore store(cache_dir);
    assemble::ShipStats stats;
    std::unique_ptr<oci::ImageTarget> target;
    std::string digest;
    {
        ProgressDisplay display;
        options.tar.warn = [&display](const std::string& message) {
            display.line("warning: " + message);
        };
        display.phase("layers");
        std::vector<assemble::NewLayer> layers;
        for (const auto& argument : args.layers)
            layers.push_back(build_layer(argument, options, store, display));
        auto image = assemble::stack(base, layers, changes, options.tar.mtime,
                                     assemble::holds_docker_manifests(target_ref));
        display.phase("push");
        target = transports.open_target(target_ref);
        if (base_source) assemble::Transports::mount_from(*base_source, *target);
        stats = assemble::ship(*target, base_source.get(), store, image, args.registry.job_count(),
                               &display.meter());
        digest = image.manifest.digest.str();
    }
    status("wrote " + target->name() + ": " +
           bytes_moved(stats.bytes_written, stats.bytes_skipped) + ", in " + seconds_since(start));
    result_stream(assemble::output_identities(target_ref)) << digest << '\n';
    return 0;
}

}  // namespace

Runner add_append_command(CLI::App& app) {
    auto args = std::make_shared<AppendArgs>();
    auto* command =
        app.add_subcommand("append", "Stack layers and config changes onto a base image");
    command
        ->add_option("BASE", args->base,
                     "BASE image (REGISTRY/REPO[:TAG], oci:DIR[:TAG], oci-archive:…, "
                     "docker-archive:…, or scratch)")
        ->required();
    command
        ->add_option("--layer", args->layers,
                     "a directory, a file, or a .tar/.tar.gz/.tar.zst; one layer each")
        ->required()
        ->option_text(" SRC[:DEST] ...");
    command
        ->add_option("--to", args->to, "TARGET image (REGISTRY/REPO[:TAG] or any other transport)")
        ->required()
        ->option_text(" TARGET");
    add_config_flags(*command, args->config);
    command->add_option("--platform", args->platform, "which image of a multi-platform base")
        ->option_text(" OS/ARCH[/VARIANT]");
    command->add_option("--compression", args->compression, "gzip (default) or zstd")
        ->option_text(" gzip|zstd");
    add_registry_flags(*command, args->registry);
    return [args] { return run_append(*args); };
}

}  // namespace cairn::cli
