// The flags of every command that may talk to a registry: --ca-file, --insecure-registry, --jobs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "assemble/transport/transport.hpp"

namespace cairn::cli {

struct RegistryFlags {
    std::string ca_file;
    std::vector<std::string> insecure_registries;
    unsigned jobs = 0;  // 0: all cores

    assemble::TransportOptions transport_options() const {
        return {.insecure_registries = insecure_registries, .ca_file = ca_file};
    }
    unsigned job_count() const;
};

void add_registry_flags(CLI::App& command, RegistryFlags& flags);

}  // namespace cairn::cli
