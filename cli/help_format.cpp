// The help formatter, and the command names help, man and completion list.
#include "cli/help_format.hpp"

#include <algorithm>

namespace cairn::cli {

namespace {

void collect_names(const CLI::App& app, const std::string& prefix, std::vector<std::string>& out) {
    for (const CLI::App* sub : app.get_subcommands({})) {
        std::string name = prefix + sub->get_name();
        out.push_back(name);
        collect_names(*sub, name + " ", out);
    }
}

}  // namespace

HelpFormatter::HelpFormatter() {
    column_width(34);
}

std::string value_words(const CLI::Option& option) {
    if (!option.get_option_text().empty()) return option.get_option_text();
    if (option.get_positional() || option.get_expected_max() == 0) return "";
    return " VALUE";
}

std::string HelpFormatter::make_option_opts(const CLI::Option* option) const {
    return value_words(*option);
}

std::string HelpFormatter::make_footer(const CLI::App* app) const {
    std::string footer = CLI::Formatter::make_footer(app);
    if (app->get_parent() != nullptr) {
        footer += "Global flags: -q, -v, --authfile FILE, --tls-verify=false (see cairn --help)\n";
    }
    return footer;
}

std::vector<std::string> command_names(const CLI::App& app) {
    std::vector<std::string> names;
    collect_names(app, "", names);
    return names;
}

}  // namespace cairn::cli
