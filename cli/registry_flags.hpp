// The flags of every command that may talk to a registry: --ca-file, --insecure-registry,
// --jobs for those that transfer blobs, and how long a registry may take (--request-timeout,
// --low-speed-limit, --low-speed-time, whose defaults come from CAIRN_REQUEST_TIMEOUT,
// CAIRN_LOW_SPEED_LIMIT, CAIRN_LOW_SPEED_TIME).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "assemble/transport/transport.hpp"

namespace cairn::cli {

struct RegistryFlags {
    std::string ca_file;
    std::vector<std::string> insecure_registries;
    unsigned jobs = 0;  // 0: all cores
    // Unset: the environment's, else the defaults (60 s, 1024 bytes/s, 60 s).
    std::optional<double> request_timeout;   // seconds
    std::optional<std::uint64_t> low_speed_limit;
    std::optional<unsigned> low_speed_time;  // seconds

    // With the global --authfile and --tls-verify. A malformed CAIRN_* value is a UsageError
    // naming the variable.
    assemble::TransportOptions transport_options() const;
    unsigned job_count() const;
};

// Whether the command moves blobs (and so takes --jobs).
enum class Transfers { no, yes };

void add_registry_flags(CLI::App& command, RegistryFlags& flags,
                        Transfers transfers = Transfers::yes);

}  // namespace cairn::cli
