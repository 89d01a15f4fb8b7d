// `cairn layer SRC[:DEST] … --to FILE`: one deterministic layer tarball from local files.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "assemble/layer/layer.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/output_file.hpp"

namespace cairn::cli {

namespace {

struct LayerArgs {
    std::vector<std::string> sources;
    std::string to;
    std::string compression = "gzip";
    unsigned jobs = default_jobs();
};

assemble::LayerSource merge_sources(const std::vector<std::string>& arguments) {
    assemble::LayerSource merged;
    for (const auto& argument : arguments) {
        auto source = assemble::LayerSource::parse(argument);
        if (!source.tarball.empty()) {
            if (arguments.size() > 1) {
                throw UsageError("layer source " + argument +
                                 " is a tarball: it is a layer of its own and cannot be merged");
            }
            return source;
        }
        merged.trees.insert(merged.trees.end(), source.trees.begin(), source.trees.end());
    }
    return merged;
}

int run_layer(const LayerArgs& args) {
    auto start = std::chrono::steady_clock::now();
    assemble::LayerOptions options{.compression = assemble::parse_compression(args.compression),
                                   .threads = std::max(1u, args.jobs)};
    options.tar.mtime = assemble::source_date_epoch();
    options.tar.warn = [](const std::string& message) { status("warning: " + message); };
    auto source = merge_sources(args.sources);

    // The layer's own bytes on stdout: the report goes to stderr.
    bool on_stdout = args.to == "-";
    assemble::LayerDigests digests = [&] {
        if (args.to == "-") {
            // `cairn layer DIR --to - > DIR/l.tar` must not archive l.tar into itself either.
            if (auto identity = oci::FileIdentity::of(STDOUT_FILENO))
                options.tar.outputs.push_back(*identity);
            oci::FdSink out(STDOUT_FILENO, "standard output");
            return assemble::write_layer(source, options, out);
        }
        // Written through a device, FIFO or /dev/stdout; else atomically, keeping the mode of
        // the file it replaces, at the target of a link.
        oci::OutputFile file(args.to);
        options.tar.outputs = file.identities();
        auto stdout_identity = oci::FileIdentity::of(STDOUT_FILENO);
        on_stdout = file.place().through && stdout_identity &&
                    std::find(options.tar.outputs.begin(), options.tar.outputs.end(),
                              *stdout_identity) != options.tar.outputs.end();
        auto result = assemble::write_layer(source, options, file);
        file.commit();
        return result;
    }();

    status("layer " + args.to + ": " + human_bytes(static_cast<std::uint64_t>(digests.size)) + " " +
           std::string(assemble::compression_name(digests.compression)) + " in " +
           seconds_since(start));
    auto& out = on_stdout ? std::cerr : std::cout;
    out << "digest " << digests.digest << "\n"
        << "diff_id " << digests.diff_id << "\n"
        << "size " << digests.size << "\n"
        << "media_type " << assemble::layer_media_type(digests.compression, false) << "\n";
    return 0;
}

}  // namespace

Runner add_layer_command(CLI::App& app) {
    auto args = std::make_shared<LayerArgs>();
    auto* command = app.add_subcommand("layer", "Write one deterministic layer tarball");
    command
        ->add_option("SRC", args->sources,
                     "SRC[:DEST]: a directory (contents under DEST, default /), a file "
                     "(placed at DEST), or a .tar/.tar.gz/.tar.zst used as it is")
        ->required();
    command->add_option("--to", args->to, "FILE to write (- for standard output)")
        ->required()
        ->option_text(" FILE");
    command->add_option("--compression", args->compression, "gzip (default), zstd or none")
        ->option_text(" gzip|zstd|none");
    command->add_option("--jobs", args->jobs, "threads for compression (default: all cores)")
        ->option_text(" N");
    return [args] { return run_layer(*args); };
}

}  // namespace cairn::cli
