// `cairn export IMAGE FILE|-`: the image's filesystem, its layers flattened with whiteouts
// applied, as one tar (crane export).
#include <unistd.h>

#include <iostream>

#include "assemble/transport/flatten.hpp"
#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/registry_flags.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/output_file.hpp"
#include "oci/image.hpp"

namespace cairn::cli {

namespace {

struct ExportArgs {
    std::string image;
    std::string file;
    std::string platform;
    RegistryFlags registry;
};

int run_export(const ExportArgs& args) {
    auto start = std::chrono::steady_clock::now();
    if (args.file == "-" && ::isatty(STDOUT_FILENO) == 1) {
        throw UsageError("standard output is a terminal: name a FILE, or send it on (| tar -t)");
    }
    assemble::Transports transports(args.registry.transport_options());
    auto source = transports.open_source(assemble::ImageReference::parse(args.image));
    auto image = oci::load_image(*source, platform_or_host(args.platform));
    assemble::FlattenStats stats;
    {
        ProgressDisplay display;
        display.phase("export");
        if (args.file == "-") {
            oci::FdSink out(STDOUT_FILENO, "standard output");
            stats = assemble::flatten(*source, image.manifest, out, &display.meter());
        } else {
            // Written through a device, FIFO or /dev/stdout; else atomically, keeping the mode
            // of the file it replaces, at the target of a link.
            oci::OutputFile out(args.file);
            stats = assemble::flatten(*source, image.manifest, out, &display.meter());
            out.commit();
        }
    }
    status("exported " + source->name() + " to " + (args.file == "-" ? "standard output" : args.file) +
           ": " + std::to_string(stats.entries) + " entries from " +
           std::to_string(image.manifest.layers.size()) + " layer(s) (" +
           std::to_string(stats.entries_hidden) + " hidden by upper layers), in " +
           seconds_since(start));
    return 0;
}

}  // namespace

Runner add_export_command(CLI::App& app) {
    auto args = std::make_shared<ExportArgs>();
    auto* command = app.add_subcommand(
        "export", "Write an image's filesystem (layers flattened, whiteouts applied) as a tar");
    add_image_argument(*command, "IMAGE", args->image);
    command->add_option("FILE", args->file, "the tar to write, - for standard output")->required();
    add_platform_flag(*command, args->platform);
    add_registry_flags(*command, args->registry, Transfers::no);
    return [args] { return run_export(*args); };
}

}  // namespace cairn::cli
