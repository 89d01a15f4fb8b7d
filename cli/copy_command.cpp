// `cairn copy SOURCE TARGET [--platform OS/ARCH] [--all]`: an image from any transport to any
// other.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "assemble/transport/copy.hpp"
#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/registry_flags.hpp"
#include "oci/error.hpp"
#include "oci/interrupt.hpp"

namespace cairn::cli {

namespace {

struct CopyArgs {
    std::string source;
    std::string target;
    std::string platform;
    std::string format;
    bool preserve_digests = false;
    bool all = false;
    RegistryFlags registry;
};

// A layout directory this copy creates is removed again if the copy fails or is interrupted:
// a failed copy leaves no target behind. (Archives need no help: they are renamed into place
// at the end.)
class NewLayoutGuard {
  public:
    explicit NewLayoutGuard(const assemble::ImageReference& target) {
        std::error_code error;
        if (target.transport == assemble::ImageReference::Transport::oci &&
            !std::filesystem::exists(std::filesystem::symlink_status(target.path, error))) {
            path_ = target.path;
            on_interrupt_ =
                oci::RemoveOnInterrupt(path_, oci::RemoveOnInterrupt::Kind::tree);
        }
    }
    ~NewLayoutGuard() {
        if (path_.empty()) return;
        std::error_code ignored;  // best effort while an error is on its way to the user
        std::filesystem::remove_all(path_, ignored);
    }
    NewLayoutGuard(const NewLayoutGuard&) = delete;
    NewLayoutGuard& operator=(const NewLayoutGuard&) = delete;
    void keep() {
        path_.clear();
        on_interrupt_.release();
    }

  private:
    std::filesystem::path path_;
    oci::RemoveOnInterrupt on_interrupt_;
};

int run_copy(const CopyArgs& args) {
    auto start = std::chrono::steady_clock::now();
    assemble::CopyOptions options{.all = args.all,
                                  .preserve_digests = args.preserve_digests,
                                  .jobs = args.registry.job_count()};
    if (!args.platform.empty()) options.platform = oci::Platform::parse(args.platform);
    if (args.format == "oci") {
        options.format = assemble::ManifestFormat::oci;
    } else if (args.format == "docker") {
        options.format = assemble::ManifestFormat::docker;
    } else if (!args.format.empty()) {
        throw UsageError("--format " + args.format + ": the formats are \"oci\" and \"docker\"");
    }
    if (options.all && options.platform) {
        throw UsageError("--all copies every platform; it cannot be combined with --platform");
    }
    auto source_ref = assemble::ImageReference::parse(args.source);
    auto target_ref = assemble::ImageReference::parse(args.target);
    oci::set_interrupt_activity("cairn copy to " + args.target);
    // The source first: a source that cannot be read must not create the target.
    assemble::Transports transports(args.registry.transport_options());
    auto source = transports.open_source(source_ref);
    NewLayoutGuard guard(target_ref);
    auto target = transports.open_target(target_ref);
    assemble::Transports::mount_from(*source, *target);
    auto result = [&] {
        ProgressDisplay display;  // erased before the summary below
        display.phase("copy");
        options.meter = &display.meter();
        return assemble::copy_image(*source, *target, options);
    }();
    guard.keep();
    status("copied " + source->name() + " to " + target->name() + ": " +
           bytes_moved(result.bytes_copied, result.bytes_skipped) + ", in " + seconds_since(start));
    result_stream(assemble::output_identities(target_ref)) << result.manifest.digest << '\n';
    return 0;
}

}  // namespace

Runner add_copy_command(CLI::App& app) {
    auto args = std::make_shared<CopyArgs>();
    auto* command =
        app.add_subcommand("copy", "Copy an image between transports, verifying every blob");
    command
        ->add_option("SOURCE", args->source,
                     "SOURCE image (REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG], "
                     "oci-archive:FILE[:TAG], docker-archive:FILE[:REF])")
        ->required();
    command->add_option("TARGET", args->target, "TARGET image (same forms)")->required();
    command
        ->add_option("--platform", args->platform, "copy only that platform's image of an index")
        ->option_text(" OS/ARCH[/VARIANT]");
    command
        ->add_option("--format", args->format,
                     "the manifest format written (default: as the source has it, except that "
                     "oci: and oci-archive: targets get OCI)")
        ->option_text(" oci|docker");
    command->add_flag("--preserve-digests", args->preserve_digests,
                      "fail rather than rewrite a manifest (every digest stays the source's)");
    command->add_flag("--all", args->all,
                      "copy a whole index (the default for targets that hold indexes)");
    add_registry_flags(*command, args->registry);
    return [args] { return run_copy(*args); };
}

}  // namespace cairn::cli
