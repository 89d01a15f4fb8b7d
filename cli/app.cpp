// The command line: parses arguments, runs a command, maps errors to exit codes.
#include "cli/app.hpp"

#include <algorithm>
#include <iostream>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "cli/global_flags.hpp"
#include "cli/help_format.hpp"
#include "cli/terminal_text.hpp"
#include "oci/error.hpp"
#include "oci/interrupt.hpp"
#include "oci/spelling.hpp"

namespace cairn::cli {

unsigned default_jobs() {
    return std::max(1u, std::thread::hardware_concurrency());
}

namespace {

const CLI::App* the_program = nullptr;

int usage_error(const std::string& message) {
    std::cerr << "cairn: error: " << for_display(message) << " (see cairn --help)\n";
    return 2;
}

struct CommandGroup {
    const char* title;
    std::vector<Runner (*)(CLI::App&)> adders;
};

// The commands as `cairn --help` lists them, in groups of what they are for.
const std::vector<CommandGroup>& command_groups() {
    static const std::vector<CommandGroup> groups = {
        {"Build and assemble images",
         {add_build_command, add_init_command, add_append_command, add_layer_command,
          add_mutate_command, add_rebase_command}},
        {"Move, tag and delete images",
         {add_copy_command, add_tag_command, add_delete_command, add_export_command}},
        {"Look at images and registries",
         {add_inspect_command, add_ls_command, add_catalog_command, add_digest_command,
          add_manifest_command, add_config_command}},
        {"Credentials", {add_login_command, add_logout_command}},
        {"This machine and cairn",
         {add_cache_command, add_completion_command, add_man_command, add_version_command,
          add_help_command}},
    };
    return groups;
}

// The first argument that is not a flag (or a global flag's value): the command's name.
std::string command_word(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--authfile") {
            ++i;
            continue;
        }
        if (arg.starts_with("-")) continue;
        return std::string(arg);
    }
    return "";
}

// `cairn biuld`: the word and the command it is closest to, where CLI11 would only say that
// a subcommand is required. Empty when argv names a command (or asks for help or the version).
std::string unknown_command(int argc, char** argv, const CLI::App& app) {
    std::vector<std::string_view> names;
    for (const CLI::App* command : app.get_subcommands({})) {
        if (!command->get_group().empty()) names.push_back(command->get_name());  // not hidden
    }
    std::string list;
    for (std::string_view name : names) list += (list.empty() ? "" : ", ") + std::string(name);
    std::string word = command_word(argc, argv);
    if (word.empty()) {
        for (int i = 1; i < argc; ++i) {
            std::string_view arg = argv[i];
            if (arg == "-h" || arg == "--help" || arg == "--help-all" || arg == "--version")
                return {};
        }
        return "no command given; the commands are " + list;
    }
    for (const CLI::App* command : app.get_subcommands({})) {
        if (command->check_name(word)) return {};
    }
    std::string message = "unknown command \"" + word + "\"";
    if (auto closest = oci::closest_word(word, names))
        return message + " (did you mean \"" + std::string(*closest) + "\"?)";
    return message + "; the commands are " + list;
}

}  // namespace

const CLI::App& program() {
    return *the_program;
}

int run(int argc, char** argv) {
    CLI::App app{"cairn builds and ships container images without a Docker daemon.", "cairn"};
    the_program = &app;
    app.formatter(std::make_shared<HelpFormatter>());
    app.fallthrough();
    app.set_version_flag("--version", "cairn " CAIRN_VERSION);
    add_global_flags(app);
    std::vector<std::pair<CLI::App*, Runner>> commands;
    for (const auto& group : command_groups()) {
        for (auto* adder : group.adders) {
            auto before = app.get_subcommands({}).size();
            Runner runner = adder(app);
            auto* command = app.get_subcommands({}).at(before);
            if (!command->get_group().empty()) command->group(group.title);  // "" stays hidden
            commands.emplace_back(command, std::move(runner));
        }
    }

    if (auto message = unknown_command(argc, argv, app); !message.empty())
        return usage_error(message);
    app.require_subcommand(1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }

    try {
        apply_global_flags();
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
