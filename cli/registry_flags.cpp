// Registry flags shared by the commands that read or write images.
#include "cli/registry_flags.hpp"

#include <cmath>
#include <cstdlib>

#include "cli/commands.hpp"
#include "oci/error.hpp"
#include "cli/global_flags.hpp"

namespace cairn::cli {

namespace {

// A positive number from the environment, or `fallback` when the variable is unset.
double from_environment(const char* name, double fallback, bool whole) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return fallback;
    char* end = nullptr;
    double value = std::strtod(text, &end);
    if (*end != '\0' || !(value > 0) || !std::isfinite(value) ||
        (whole && value != std::floor(value))) {
        throw UsageError(std::string(name) + "=\"" + text + "\" is not a positive " +
                         (whole ? "whole number" : "number"));
    }
    return value;
}

}  // namespace

unsigned RegistryFlags::job_count() const {
    return jobs > 0 ? jobs : default_jobs();
}

assemble::TransportOptions RegistryFlags::transport_options() const {
    const auto& global = global_flags();
    assemble::TransportOptions options{.insecure_registries = insecure_registries,
                                       .ca_file = ca_file,
                                       .auth_file = global.auth_file,
                                       .tls_verify = global.tls_verify};
    double timeout = request_timeout.value_or(
        from_environment("CAIRN_REQUEST_TIMEOUT", 60, false));
    options.request_timeout = std::chrono::milliseconds(std::llround(timeout * 1000));
    options.low_speed_limit = low_speed_limit.value_or(static_cast<std::uint64_t>(
        from_environment("CAIRN_LOW_SPEED_LIMIT", 1024, true)));
    options.low_speed_time = std::chrono::seconds(
        low_speed_time.value_or(static_cast<unsigned>(from_environment("CAIRN_LOW_SPEED_TIME", 60, true))));
    return options;
}

void add_registry_flags(CLI::App& command, RegistryFlags& flags, Transfers transfers) {
    command.add_option("--ca-file", flags.ca_file, "trust this CA (PEM) for registries")
        ->check(CLI::ExistingFile)
        ->option_text(" FILE");
    command
        .add_option("--insecure-registry", flags.insecure_registries,
                    "reach HOST[:PORT] over plain HTTP or unverified TLS (repeatable)")
        ->option_text(" HOST[:PORT]");
    if (transfers == Transfers::yes) {
        command
            .add_option("--jobs", flags.jobs,
                        "parallel transfers and compression (default: all cores)")
            ->option_text(" N");
    }
    command
        .add_option("--request-timeout", flags.request_timeout,
                    "how long a registry may take for a small answer (ping, token, manifest, "
                    "error) or a response head (default: $CAIRN_REQUEST_TIMEOUT, else 60)")
        ->check(CLI::PositiveNumber)
        ->option_text(" SECONDS");
    command
        .add_option("--low-speed-limit", flags.low_speed_limit,
                    "bytes per second under which a blob transfer counts as stalled (default: "
                    "$CAIRN_LOW_SPEED_LIMIT, else 1024)")
        ->check(CLI::PositiveNumber)
        ->option_text(" BYTES");
    command
        .add_option("--low-speed-time", flags.low_speed_time,
                    "how long a blob transfer may stay under --low-speed-limit (default: "
                    "$CAIRN_LOW_SPEED_TIME, else 60)")
        ->check(CLI::PositiveNumber)
        ->option_text(" SECONDS");
}

}  // namespace cairn::cli
