// The command line: parses arguments, runs a command, maps errors to exit codes.
#include "cli/app.hpp"

#include <algorithm>
#include <iostream>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "cli/terminal_text.hpp"
#include "oci/error.hpp"
#include "oci/interrupt.hpp"
#include "oci/spelling.hpp"

namespace cairn::cli {

unsigned default_jobs() {
    return std::max(1u, std::thread::hardware_concurrency());
}

namespace {

int usage_error(const std::string& message) {
    std::cerr << "cairn: error: " << for_display(message) << " (see cairn --help)\n";
    return 2;
}

// `cairn biuld`: the word and the command it is closest to, where CLI11 would only say that
// a subcommand is required. Empty when argv names a command (or asks for help).
std::string unknown_command(int argc, char** argv, const CLI::App& app) {
    std::vector<std::string_view> names;
    for (const CLI::App* command : app.get_subcommands({})) names.push_back(command->get_name());
    std::string list;
    for (std::string_view name : names) list += (list.empty() ? "" : ", ") + std::string(name);
    if (argc < 2) return "no command given; the commands are " + list;
    std::string_view word = argv[1];
    if (word.starts_with("-") || std::find(names.begin(), names.end(), word) != names.end())
        return {};
    std::string message = "unknown command \"" + std::string(word) + "\"";
    if (auto closest = oci::closest_word(word, names))
        return message + " (did you mean \"" + std::string(*closest) + "\"?)";
    return message + "; the commands are " + list;
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

    if (auto message = unknown_command(argc, argv, app); !message.empty())
        return usage_error(message);
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
        // Credentials cairn holds are blanked and controls escaped: an error may quote a
        // registry's answer, a child's output or a path from an image.
        std::cerr << "cairn: error: " << for_display(e.what()) << '\n';
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "cairn: error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        // A library below us failed in a way we did not foresee: still one line, still exit 1.
        std::cerr << "cairn: error: " << for_display(e.what()) << '\n';
        return 1;
    }
}

}  // namespace cairn::cli
