// `cairn ls REPO [--json]`: the tags of a repository (crane ls), or of an OCI layout.
#include <iostream>

#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/registry_flags.hpp"
#include "cli/terminal_text.hpp"
#include "oci/error.hpp"
#include "oci/layout.hpp"
#include "registry/listing_requests.hpp"
#include "registry/registry_session.hpp"

namespace cairn::cli {

namespace {

struct LsArgs {
    std::string repository;
    bool json = false;
    RegistryFlags registry;
};

std::vector<std::string> layout_tags(const std::filesystem::path& directory) {
    std::vector<std::string> tags;
    for (const auto& entry : oci::ImageLayout::open(directory).index().manifests) {
        auto name = entry.annotations.find("org.opencontainers.image.ref.name");
        if (name != entry.annotations.end()) tags.push_back(name->second);
    }
    return tags;
}

std::vector<std::string> registry_tags(const LsArgs& args, std::string& name) {
    auto slash = args.repository.rfind('/');
    auto last = args.repository.substr(slash == std::string::npos ? 0 : slash + 1);
    if (last.find_first_of(":@") != std::string::npos) {
        throw UsageError("cairn ls takes a repository (REGISTRY/REPO), not the image \"" +
                         args.repository + "\"");
    }
    auto reference = registry_reference(args.repository, "ls");
    assemble::Transports transports(args.registry.transport_options());
    auto client = transports.session_for(reference).client(reference);
    name = reference.registry() + "/" + reference.repository();
    return registry::list_tags(*client, reference.repository(), name);
}

int run_ls(const LsArgs& args) {
    auto reference = assemble::ImageReference::parse(args.repository);
    std::string name = args.repository;
    std::vector<std::string> tags;
    if (reference.transport == assemble::ImageReference::Transport::oci) {
        if (!reference.tag.empty()) throw UsageError("cairn ls takes a layout, oci:DIR, no tag");
        tags = layout_tags(reference.path);
    } else {
        tags = registry_tags(args, name);
    }
    if (args.json) {
        print_json_object([&](oci::json::Writer& writer) {
            oci::json::write_key_string(writer, "repository", name);
            oci::json::write_string_array(writer, "tags", tags);
        });
        return 0;
    }
    for (const auto& tag : tags) std::cout << escape_controls(tag) << '\n';
    return 0;
}

}  // namespace

Runner add_ls_command(CLI::App& app) {
    auto args = std::make_shared<LsArgs>();
    auto* command = app.add_subcommand("ls", "List the tags of a repository (or an OCI layout)");
    command
        ->add_option("REPO", args->repository,
                     "REGISTRY/REPO, or oci:DIR for the tags of a layout")
        ->required();
    command->add_flag("--json", args->json, "as {\"repository\":…,\"tags\":[…]}");
    add_registry_flags(*command, args->registry, Transfers::no);
    return [args] { return run_ls(*args); };
}

}  // namespace cairn::cli
