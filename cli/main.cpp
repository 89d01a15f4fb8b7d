// The `cairn` program.
#include "cli/app.hpp"

int main(int argc, char** argv) {
    return cairn::cli::run(argc, argv);
}
