// The command line: parses arguments, runs a command, maps errors to exit codes.
#include "cli/app.hpp"

#include <iostream>

namespace cairn::cli {

int run(int, char**) {
    std::cout << "cairn " << CAIRN_VERSION << "\n";
    return 0;
}

}  // namespace cairn::cli
