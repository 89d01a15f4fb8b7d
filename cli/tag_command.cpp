// `cairn tag IMAGE NEWTAG [--json]`: another tag for an image in its own repository (crane
// tag): the manifest is written again under the new tag, no blob moves.
#include <iostream>

#include "assemble/build/tag_template.hpp"
#include "assemble/transport/transport.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/output.hpp"
#include "cli/registry_flags.hpp"
#include "oci/error.hpp"
#include "oci/layout.hpp"
#include "registry/manifest_requests.hpp"
#include "registry/registry_session.hpp"

namespace cairn::cli {

namespace {

struct TagArgs {
    std::string image;
    std::string tag;
    bool json = false;
    RegistryFlags registry;
};

void check_tag(const std::string& tag) {
    if (!assemble::is_valid_tag(tag)) {
        throw UsageError("NEWTAG \"" + tag + "\" is not a tag (letters, digits, '_', '.', '-'; " +
                         "to put an image in another repository, use cairn copy)");
    }
}

oci::ManifestBlob tag_in_registry(const TagArgs& args, std::string& name) {
    auto reference = registry_reference(args.image, "tag");
    assemble::Transports transports(args.registry.transport_options());
    auto& session = transports.session_for(reference);
    auto source = session.source(reference);
    auto top = source->top();
    auto client = session.client(reference);
    auto tagged = reference.with_tag(args.tag);
    registry::push_manifest(*client, reference.repository(), args.tag, top,
                            {registry::repository_scope(reference.repository(),
                                                        registry::Access::push)},
                            tagged.str());
    name = tagged.str();
    return top;
}

int run_tag(const TagArgs& args) {
    check_tag(args.tag);
    auto reference = assemble::ImageReference::parse(args.image);
    std::string name;
    auto top = [&] {
        if (reference.transport != assemble::ImageReference::Transport::oci)
            return tag_in_registry(args, name);
        auto layout = oci::ImageLayout::open(reference.path);
        oci::LayoutSource source(reference.path, reference.tag);
        auto blob = source.top();
        layout.tag(blob.descriptor(), args.tag);
        name = "oci:" + reference.path.string() + ":" + args.tag;
        return blob;
    }();
    status("tagged " + args.image + " as " + name);
    if (args.json) {
        print_json_object([&](oci::json::Writer& writer) {
            oci::json::write_key_string(writer, "reference", name);
            oci::json::write_key_string(writer, "digest", top.digest.str());
        });
    } else {
        std::cout << top.digest << '\n';
    }
    return 0;
}

}  // namespace

Runner add_tag_command(CLI::App& app) {
    auto args = std::make_shared<TagArgs>();
    auto* command = app.add_subcommand(
        "tag", "Give an image another tag in its repository (no blob moves)");
    add_image_argument(*command, "IMAGE", args->image,
                       "REGISTRY/REPO[:TAG][@DIGEST] or oci:DIR[:TAG]");
    command->add_option("NEWTAG", args->tag, "the new tag, e.g. v1.2.3")->required();
    command->add_flag("--json", args->json, "as {\"reference\":…,\"digest\":…}");
    add_registry_flags(*command, args->registry, Transfers::no);
    return [args] { return run_tag(*args); };
}

}  // namespace cairn::cli
