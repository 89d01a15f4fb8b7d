// `cairn delete IMAGE@DIGEST`: removes a manifest from a registry (crane delete); registries
// delete by digest only, and only when their operator allows it.
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/output.hpp"
#include "cli/registry_flags.hpp"
#include "oci/error.hpp"
#include "registry/manifest_requests.hpp"
#include "registry/registry_session.hpp"

namespace cairn::cli {

namespace {

struct DeleteArgs {
    std::string image;
    RegistryFlags registry;
};

int run_delete(const DeleteArgs& args) {
    auto reference = registry_reference(args.image, "delete");
    if (!reference.digest()) {
        throw UsageError("cairn delete needs IMAGE@sha256:… (registries delete by digest, and " +
                         std::string("every tag of it goes); `cairn digest ") + args.image +
                         "` gives it");
    }
    assemble::Transports transports(args.registry.transport_options());
    auto client = transports.session_for(reference).client(reference);
    registry::delete_manifest(*client, reference.repository(), *reference.digest(),
                              reference.str());
    status("deleted " + reference.str());
    return 0;
}

}  // namespace

Runner add_delete_command(CLI::App& app) {
    auto args = std::make_shared<DeleteArgs>();
    auto* command =
        app.add_subcommand("delete", "Delete an image's manifest from a registry, by digest");
    add_image_argument(*command, "IMAGE@DIGEST", args->image, "REGISTRY/REPO@sha256:…");
    add_registry_flags(*command, args->registry, Transfers::no);
    return [args] { return run_delete(*args); };
}

}  // namespace cairn::cli
