// The command line: parses arguments, runs a command, maps errors to exit codes.
#include "cli/app.hpp"

#include <iostream>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "oci/error.hpp"
#include "oci/interrupt.hpp"

namespace cairn::cli {

unsigned default_jobs() {
    return std::max(1u, std::thread::hardware_concurrency());
}

namespace {

int usage_error(const std::string& message) {
    std::cerr << "cairn: error: " << message << " (see cairn --help)\n";
    return 2;
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App app{"cairn builds and ships container images without a Docker daemon.", "cairn"};
    app.require_subcommand(1);
    std::vector<std::pair<CLI::App*, Runner>> commands;
    auto add = [&](Runner (*adder)(CLI::App&)) {
        auto before = app.get_subcommands({}).size();
        Runner runner = adder(app);
        commands.emplace_back(app.get_subcommands({}).at(before), std::move(runner));
    };
    add(add_layer_command);
    add(add_append_command);
    add(add_build_command);
    add(add_inspect_command);
    add(add_copy_command);
    add(add_login_command);
    add(add_cache_command);
    add(add_version_command);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }

    try {
        for (auto& [command, runner] : commands) {
            if (!command->parsed()) continue;
            // SIGINT, SIGTERM, SIGHUP: the temporary files go, one line says what stopped, and
            // cairn ends by the signal (130, 143, 129). A command may say more (its target).
            oci::set_interrupt_activity("cairn " + command->get_name());
            oci::install_interrupt_handler();
            return runner();
        }
        return usage_error("no command given");
    } catch (const UsageError& e) {
        return usage_error(e.what());
    } catch (const Error& e) {
        std::cerr << "cairn: error: " << e.what() << '\n';
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "cairn: error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        // A library below us failed in a way we did not foresee: still one line, still exit 1.
        std::cerr << "cairn: error: " << e.what() << '\n';
        return 1;
    }
}

}  // namespace cairn::cli
