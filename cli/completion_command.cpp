// `cairn completion bash|zsh|fish`: shell completion of commands and flags, made from the
// parser (so a new command or flag completes without anyone editing a script).
#include <iostream>
#include <sstream>

#include "cli/command_tree.hpp"
#include "cli/commands.hpp"
#include "oci/error.hpp"

namespace cairn::cli {

namespace {

// Single-quoted for any of the three shells ('it'\''s').
std::string quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string words_of(const CommandInfo& command) {
    std::string words;
    for (const auto& sub : command.commands) words += (words.empty() ? "" : " ") + sub.name;
    for (const auto& option : command.options) {
        if (option.positional) continue;
        for (const auto& name : option.names) words += (words.empty() ? "" : " ") + name;
    }
    return words;
}

// Every command with the path of words after "cairn" ("cache gc").
void each_command(const CommandInfo& command, const std::string& key,
                  const std::function<void(const CommandInfo&, const std::string&)>& visit) {
    visit(command, key);
    for (const auto& sub : command.commands)
        each_command(sub, key.empty() ? sub.name : key + " " + sub.name, visit);
}

std::string bash_script(const CommandInfo& tree) {
    std::ostringstream out;
    std::string value_options;
    each_command(tree, "", [&](const CommandInfo& command, const std::string&) {
        for (const auto& option : command.options) {
            for (const auto& name : option.names) {
                if (command.takes_value(name)) value_options += "|" + name;
            }
        }
    });
    out << "# bash completion for cairn (cairn completion bash)\n"
        << "_cairn() {\n"
        << "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} key='' i word\n"
        << "    case $prev in\n        __cairn_none__" << value_options
        << ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n    esac\n"
        << "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
        << "        word=${COMP_WORDS[i]}\n"
        << "        case $word in\n            __cairn_none__" << value_options << ") ((i++)) ;;\n"
        << "            -*) ;;\n"
        << "            *) case \"${key:+$key }$word\" in\n";
    each_command(tree, "", [&](const CommandInfo&, const std::string& key) {
        if (!key.empty()) out << "                " << quoted(key) << ") key=\"${key:+$key }$word\" ;;\n";
    });
    out << "               esac ;;\n        esac\n    done\n    local words\n    case $key in\n";
    each_command(tree, "", [&](const CommandInfo& command, const std::string& key) {
        out << "        " << quoted(key) << ") words=" << quoted(words_of(command)) << " ;;\n";
    });
    out << "    esac\n"
        << "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
        << "    if [[ -n $key && $cur != -* ]]; then COMPREPLY+=($(compgen -f -- \"$cur\")); fi\n"
        << "}\ncomplete -F _cairn cairn\n";
    return out.str();
}

// "[description]" with zsh's special characters escaped.
std::string zsh_description(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '[' || c == ']' || c == ':' || c == '\\') out.push_back('\\');
        out.push_back(c == '\'' ? '"' : c);
    }
    return out;
}

std::string zsh_arguments(const CommandInfo& command) {
    std::string spec;
    for (const auto& option : command.options) {
        if (option.positional) continue;
        for (const auto& name : option.names) {
            spec += " '" + std::string(option.repeatable ? "*" : "") + name + "[" +
                    zsh_description(option.description) + "]" +
                    (command.takes_value(name) ? ":value:_files" : "") + "'";
        }
    }
    return spec + " '*:file:_files'";
}

std::string zsh_script(const CommandInfo& tree) {
    std::ostringstream out;
    out << "#compdef cairn\n# zsh completion for cairn (cairn completion zsh)\n_cairn() {\n"
        << "    local -a commands\n    local key=${words[2]}\n"
        << "    if [[ $key == cache ]] && (( CURRENT > 3 )); then key=\"cache ${words[3]}\"; fi\n"
        << "    if (( CURRENT == 2 )); then\n        commands=(\n";
    for (const auto& command : tree.commands) {
        out << "            '" << command.name << ":" << zsh_description(command.description)
            << "'\n";
    }
    out << "        )\n        _describe 'command' commands\n        return\n    fi\n"
        << "    case $key in\n";
    each_command(tree, "", [&](const CommandInfo& command, const std::string& key) {
        if (key.empty()) return;
        out << "        " << quoted(key) << ")";
        if (!command.commands.empty()) {
            out << "\n            if (( CURRENT == 3 )); then\n                commands=(";
            for (const auto& sub : command.commands)
                out << " '" << sub.name << ":" << zsh_description(sub.description) << "'";
            out << " )\n                _describe 'command' commands\n                return\n"
                << "            fi\n           ";
        }
        out << " _arguments" << zsh_arguments(command) << " ;;\n";
    });
    out << "    esac\n}\n"
        << "if [[ $funcstack[1] == _cairn ]]; then _cairn \"$@\"; else compdef _cairn cairn; fi\n";
    return out.str();
}

std::string fish_script(const CommandInfo& tree) {
    std::ostringstream out;
    out << "# fish completion for cairn (cairn completion fish)\ncomplete -c cairn -f\n";
    auto option_line = [&out](const std::string& condition, const CommandInfo& command,
                              const OptionInfo& option) {
        out << "complete -c cairn" << condition;
        for (const auto& name : option.names) {
            if (name.starts_with("--")) {
                out << " -l " << name.substr(2);
            } else {
                out << " -s " << name.substr(1);
            }
        }
        if (command.takes_value(option.names.back())) out << " -r -F";
        out << " -d " << quoted(option.description) << '\n';
    };
    for (const auto& option : tree.options) option_line("", tree, option);
    for (const auto& command : tree.commands) {
        out << "complete -c cairn -n __fish_use_subcommand -a " << command.name << " -d "
            << quoted(command.description) << '\n';
        std::string condition = " -n '__fish_seen_subcommand_from " + command.name + "'";
        for (const auto& sub : command.commands) {
            out << "complete -c cairn" << condition << " -a " << sub.name << " -d "
                << quoted(sub.description) << '\n';
            for (const auto& option : sub.options) {
                if (!option.positional)
                    option_line(" -n '__fish_seen_subcommand_from " + sub.name + "'", sub, option);
            }
        }
        for (const auto& option : command.options) {
            if (!option.positional) option_line(condition, command, option);
        }
        bool arguments = false;
        for (const auto& option : command.options) arguments = arguments || option.positional;
        if (arguments) out << "complete -c cairn" << condition << " -F\n";
    }
    return out.str();
}

}  // namespace

std::string completion_script(const CLI::App& app, const std::string& shell) {
    auto tree = describe_program(app);
    if (shell == "bash") return bash_script(tree);
    if (shell == "zsh") return zsh_script(tree);
    if (shell == "fish") return fish_script(tree);
    throw UsageError("no completion for the shell \"" + shell + "\": bash, zsh or fish");
}

Runner add_completion_command(CLI::App& app) {
    auto shell = std::make_shared<std::string>();
    auto* command = app.add_subcommand(
        "completion", "Print the shell completion script (bash: source <(cairn completion bash))");
    command->add_option("SHELL", *shell, "bash, zsh or fish")->required();
    return [shell] {
        std::cout << completion_script(program(), *shell);
        return 0;
    };
}

}  // namespace cairn::cli
