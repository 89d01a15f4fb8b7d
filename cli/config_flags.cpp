// Config-change flags to ConfigChanges.
#include "cli/config_flags.hpp"

#include <sstream>

#include "oci/error.hpp"
#include "oci/json.hpp"

namespace cairn::cli {

namespace {

std::pair<std::string, std::string> split_assignment(const std::string& text,
                                                     const std::string& flag) {
    auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0) {
        throw UsageError(flag + " \"" + text + "\" must be KEY=VALUE");
    }
    return {text.substr(0, equals), text.substr(equals + 1)};
}

void check_port(const std::string& port) {
    auto slash = port.find('/');
    auto number = port.substr(0, slash);
    auto protocol = slash == std::string::npos ? "tcp" : port.substr(slash + 1);
    bool digits = !number.empty() && number.size() <= 5 &&
                  number.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoul(number) == 0 || std::stoul(number) > 65535 ||
        (protocol != "tcp" && protocol != "udp" && protocol != "sctp")) {
        throw UsageError("--port \"" + port + "\" must be PORT[/tcp|udp|sctp], e.g. 8080/tcp");
    }
}

}  // namespace

void add_config_flags(CLI::App& command, ConfigFlags& flags) {
    command.add_option("--entrypoint", flags.entrypoint, "the program: a JSON array, or words")
        ->each([&flags](const std::string&) { flags.entrypoint_set = true; })
        ->option_text(" JSON|WORDS");
    command.add_option("--cmd", flags.cmd, "its arguments: a JSON array, or words")
        ->each([&flags](const std::string&) { flags.cmd_set = true; })
        ->option_text(" JSON|WORDS");
    command.add_option("--env", flags.env, "an environment variable (repeatable)")
        ->option_text(" K=V");
    command.add_option("--workdir", flags.workdir, "the working directory")->option_text(" DIR");
    command.add_option("--user", flags.user, "the user it runs as")
        ->option_text(" USER[:GROUP]");
    command.add_option("--label", flags.labels, "a config label (repeatable)")
        ->option_text(" K=V");
    command.add_option("--annotation", flags.annotations, "a manifest annotation (repeatable)")
        ->option_text(" K=V");
    command.add_option("--port", flags.ports, "a port to expose (repeatable)")
        ->option_text(" PORT[/PROTO]");
}

std::vector<std::string> parse_command_words(const std::string& text, const std::string& flag) {
    if (text.starts_with("[")) {
        try {
            auto document = oci::json::parse_object("{\"words\":" + text + "}", flag, 1 << 20);
            auto words = oci::json::string_array(document, "words", flag);
            return words;
        } catch (const Error& e) {
            throw UsageError(flag + " is not a JSON array of strings: " + text);
        }
    }
    std::vector<std::string> words;
    std::istringstream stream(text);
    for (std::string word; stream >> word;) words.push_back(word);
    return words;
}

assemble::ConfigChanges to_changes(const ConfigFlags& flags) {
    assemble::ConfigChanges changes;
    if (flags.entrypoint_set)
        changes.entrypoint = parse_command_words(flags.entrypoint, "--entrypoint");
    if (flags.cmd_set) changes.cmd = parse_command_words(flags.cmd, "--cmd");
    for (const auto& item : flags.env) changes.env.push_back(split_assignment(item, "--env"));
    if (!flags.workdir.empty()) changes.workdir = flags.workdir;
    if (!flags.user.empty()) changes.user = flags.user;
    for (const auto& item : flags.labels) changes.labels.insert(split_assignment(item, "--label"));
    for (const auto& item : flags.annotations) {
        changes.annotations.insert(split_assignment(item, "--annotation"));
    }
    for (const auto& port : flags.ports) {
        check_port(port);
        changes.ports.push_back(port);
    }
    return changes;
}

}  // namespace cairn::cli
