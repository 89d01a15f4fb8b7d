// The command line: parses arguments, runs a command, maps errors to exit codes (0, 1, 2 for
// usage).
#pragma once

namespace cairn::cli {

int run(int argc, char** argv);

}  // namespace cairn::cli
