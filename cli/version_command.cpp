// `cairn version`.
#include <iostream>

#include "cli/commands.hpp"

namespace cairn::cli {

Runner add_version_command(CLI::App& app) {
    app.add_subcommand("version", "Print cairn's version");
    return [] {
        std::cout << "cairn " << CAIRN_VERSION << '\n';
        return 0;
    };
}

}  // namespace cairn::cli
