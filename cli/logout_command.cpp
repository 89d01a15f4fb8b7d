// `cairn logout REGISTRY`: removes the credentials `cairn login` stored for a registry.
#include "cli/commands.hpp"
#include "cli/global_flags.hpp"
#include "cli/output.hpp"
#include "oci/error.hpp"
#include "registry/keychain.hpp"
#include "registry/reference.hpp"

namespace cairn::cli {

namespace {

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : " and ") + part;
    return out;
}

int run_logout(const std::string& registry) {
    auto host = registry;
    if (host.starts_with("https://")) host = host.substr(8);
    while (host.ends_with("/")) host.pop_back();
    if (host.empty() || host.find('/') != std::string::npos) {
        throw UsageError("cairn logout takes a registry host, not \"" + registry + "\"");
    }
    auto reference = registry::Reference::parse(host + "/cairn-logout");
    registry::DefaultKeychain keychain({.auth_file = global_flags().auth_file});
    auto erased = keychain.erase_credential(reference.registry());
    if (erased.empty()) {
        status("no credentials for " + reference.registry() + " were stored; nothing to remove");
    } else {
        status("removed the credentials for " + reference.registry() + " from " + joined(erased));
    }
    return 0;
}

}  // namespace

Runner add_logout_command(CLI::App& app) {
    auto registry = std::make_shared<std::string>();
    auto* command = app.add_subcommand("logout", "Remove the stored credentials of a registry");
    command->add_option("REGISTRY", *registry, "the registry, HOST[:PORT]")->required();
    return [registry] { return run_logout(*registry); };
}

}  // namespace cairn::cli
