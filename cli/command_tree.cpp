// Reading CLI11's tree of apps and options into CommandInfo.
#include "cli/command_tree.hpp"

#include "cli/help_format.hpp"

namespace cairn::cli {

namespace {

std::string trim(std::string text) {
    while (!text.empty() && text.front() == ' ') text.erase(text.begin());
    return text;
}

OptionInfo describe_option(const CLI::Option& option) {
    OptionInfo info{.value = trim(value_words(option)),
                    .description = option.get_description(),
                    .positional = option.get_positional(),
                    .required = option.get_required(),
                    .repeatable = option.get_expected_max() > 1 ||
                                  option.get_multi_option_policy() ==
                                      CLI::MultiOptionPolicy::TakeAll};
    if (info.positional) {
        info.names.push_back(option.get_name(true, false));
        return info;
    }
    for (const auto& name : option.get_snames()) info.names.push_back("-" + name);
    for (const auto& name : option.get_lnames()) info.names.push_back("--" + name);
    return info;
}

CommandInfo describe(const CLI::App& app, const std::string& parent) {
    CommandInfo info{.path = parent.empty() ? app.get_name() : parent + " " + app.get_name(),
                     .name = app.get_name(),
                     .description = app.get_description(),
                     .group = app.get_group()};
    for (const CLI::Option* option : app.get_options()) {
        if (option == app.get_help_ptr() || option == app.get_help_all_ptr()) continue;
        if (option->get_group().empty()) continue;  // hidden
        info.options.push_back(describe_option(*option));
    }
    for (const CLI::App* sub : app.get_subcommands({})) {
        if (sub->get_group().empty()) continue;
        info.commands.push_back(describe(*sub, info.path));
    }
    return info;
}

}  // namespace

std::string CommandInfo::usage() const {
    std::string text = path;
    bool flags = false;
    for (const auto& option : options) flags = flags || !option.positional;
    if (flags) text += " [OPTIONS]";
    if (!commands.empty()) text += " COMMAND";
    for (const auto& option : options) {
        if (!option.positional) continue;
        std::string word = option.names.front() + (option.repeatable ? "..." : "");
        text += option.required ? " " + word : " [" + word + "]";
    }
    return text;
}

bool CommandInfo::takes_value(const std::string& option_name) const {
    for (const auto& option : options) {
        for (const auto& name : option.names) {
            if (name == option_name) {
                // "=true|false" is written onto the flag, not as a word of its own.
                return !option.positional && !option.value.empty() && option.value[0] != '=';
            }
        }
    }
    return false;
}

CommandInfo describe_program(const CLI::App& app) {
    return describe(app, "");
}

}  // namespace cairn::cli
