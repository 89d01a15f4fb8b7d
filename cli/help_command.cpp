// `cairn help [COMMAND…]`: the same text as `cairn [COMMAND…] --help`.
#include <iostream>

#include "cli/commands.hpp"
#include "oci/error.hpp"

namespace cairn::cli {

Runner add_help_command(CLI::App& app) {
    auto words = std::make_shared<std::vector<std::string>>();
    auto* command = app.add_subcommand("help", "Show the commands, or the help of one");
    command->add_option("COMMAND", *words, "a command (and a subcommand: cache gc)");
    return [words] {
        const CLI::App* at = &program();
        std::string path = "cairn";
        std::string parent;  // CLI11 adds the command's own name to this
        for (const auto& word : *words) {
            const CLI::App* next = nullptr;
            for (const CLI::App* sub : at->get_subcommands({})) {
                if (sub->check_name(word)) next = sub;
            }
            if (!next) throw UsageError("\"" + path + " " + word + "\" is not a command");
            at = next;
            parent = path;
            path += " " + word;
        }
        std::cout << at->help(parent);
        return 0;
    };
}

}  // namespace cairn::cli
