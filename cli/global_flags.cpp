// Global flags: how much cairn says, where credentials come from, whether TLS is verified.
#include "cli/global_flags.hpp"

#include "cli/output.hpp"
#include "oci/error.hpp"
#include "registry/trace.hpp"

namespace cairn::cli {

GlobalFlags& global_flags() {
    static GlobalFlags flags;
    return flags;
}

void add_global_flags(CLI::App& app) {
    auto& flags = global_flags();
    app.add_flag("-q,--quiet", flags.quiet, "print results and errors only")->group("Global");
    app.add_flag("-v,--verbose", flags.verbose,
                 "also print each HTTP request and child command (credentials blanked)")
        ->group("Global");
    app.add_option("--authfile", flags.auth_file,
                   "credentials file (auth.json) read first, and written by login/logout")
        ->option_text(" FILE")
        ->group("Global");
    app.add_flag("--tls-verify", flags.tls_verify,
                 "=false: reach the registries this command names over plain HTTP or "
                 "unverified TLS (as --insecure-registry does)")
        ->option_text("=true|false")
        ->group("Global");
}

void apply_global_flags() {
    auto& flags = global_flags();
    if (flags.quiet && flags.verbose) throw UsageError("-q and -v exclude each other");
    set_verbosity(flags.quiet     ? Verbosity::quiet
                  : flags.verbose ? Verbosity::verbose
                                  : Verbosity::normal);
    if (flags.verbose) {
        registry::set_trace_sink([](std::string_view line) { status("> " + std::string(line)); });
    }
}

}  // namespace cairn::cli
