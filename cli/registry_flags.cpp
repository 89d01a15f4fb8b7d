// Registry flags shared by append, copy, inspect and login.
#include "cli/registry_flags.hpp"

#include "cli/commands.hpp"

namespace cairn::cli {

unsigned RegistryFlags::job_count() const {
    return jobs > 0 ? jobs : default_jobs();
}

void add_registry_flags(CLI::App& command, RegistryFlags& flags) {
    command.add_option("--ca-file", flags.ca_file, "trust this CA (PEM) for registries")
        ->check(CLI::ExistingFile);
    command.add_option("--insecure-registry", flags.insecure_registries,
                       "HOST[:PORT] reached over plain HTTP or unverified TLS (repeatable)");
    command.add_option("--jobs", flags.jobs,
                       "parallel transfers and compression (default: all cores)");
}

}  // namespace cairn::cli
