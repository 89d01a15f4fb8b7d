// `cairn catalog REGISTRY [--json]`: the repositories of a registry (crane catalog).
#include <iostream>

#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/registry_flags.hpp"
#include "cli/terminal_text.hpp"
#include "oci/error.hpp"
#include "registry/listing_requests.hpp"
#include "registry/registry_session.hpp"

namespace cairn::cli {

namespace {

struct CatalogArgs {
    std::string registry;
    bool json = false;
    RegistryFlags flags;
};

int run_catalog(const CatalogArgs& args) {
    auto host = args.registry;
    if (host.starts_with("docker://")) host = host.substr(9);
    while (host.ends_with("/")) host.pop_back();
    if (host.empty() || host.find('/') != std::string::npos) {
        throw UsageError("cairn catalog takes a registry host[:port], not \"" + args.registry +
                         "\"");
    }
    // Any repository names the registry; the catalog is the registry's.
    auto reference = registry_reference(host + "/catalog", "catalog");
    assemble::Transports transports(args.flags.transport_options());
    auto client = transports.session_for(reference).client(reference);
    auto repositories = registry::list_repositories(*client);
    if (args.json) {
        print_json_object([&](oci::json::Writer& writer) {
            oci::json::write_key_string(writer, "registry", reference.registry());
            oci::json::write_string_array(writer, "repositories", repositories);
        });
        return 0;
    }
    for (const auto& repository : repositories) std::cout << escape_controls(repository) << '\n';
    return 0;
}

}  // namespace

Runner add_catalog_command(CLI::App& app) {
    auto args = std::make_shared<CatalogArgs>();
    auto* command = app.add_subcommand("catalog", "List the repositories of a registry");
    command->add_option("REGISTRY", args->registry, "the registry, HOST[:PORT]")->required();
    command->add_flag("--json", args->json, "as {\"registry\":…,\"repositories\":[…]}");
    add_registry_flags(*command, args->flags, Transfers::no);
    return [args] { return run_catalog(*args); };
}

}  // namespace cairn::cli
