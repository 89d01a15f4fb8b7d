// Expanding `{name}` placeholders in tag templates and deploy commands.
#include "assemble/build/tag_template.hpp"

#include <time.h>

#include <vector>

#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

struct Placeholder {
    std::string_view name;
    const std::string* value;  // null when only checking the template
    std::string hint;          // why the value may be empty
};

std::string known_names(const std::vector<Placeholder>& placeholders) {
    std::string out;
    for (std::size_t i = 0; i < placeholders.size(); ++i) {
        if (i > 0) out += i + 1 == placeholders.size() ? " or " : ", ";
        out += "{" + std::string(placeholders[i].name) + "}";
    }
    return out;
}

// `what` names the template in messages: `tag template "dev-{git_short}"`.
std::string substitute(const std::string& text, const std::vector<Placeholder>& placeholders,
                       const std::string& what, bool empty_is_error) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            out += c;
            i += 2;
            continue;
        }
        if (c != '{') {
            out += c;
            ++i;
            continue;
        }
        auto close = text.find('}', i + 1);
        auto open = text.find('{', i + 1);
        if (close == std::string::npos || open < close) {
            throw Error("the '{' at column " + std::to_string(i + 1) + " of " + what +
                        " has no closing '}'; write {{ for a literal brace");
        }
        std::string_view name(text.data() + i + 1, close - i - 1);
        const Placeholder* found = nullptr;
        for (const auto& placeholder : placeholders) {
            if (placeholder.name == name) found = &placeholder;
        }
        if (!found) {
            throw Error("unknown placeholder {" + std::string(name) + "} in " + what + "; use " +
                        known_names(placeholders) + ", and {{ or }} for a literal brace");
        }
        if (found->value && found->value->empty() && empty_is_error) {
            throw Error("{" + std::string(name) + "} in " + what + " has no value" + found->hint);
        }
        if (found->value) out += *found->value;
        i = close + 1;
    }
    return out;
}

std::vector<Placeholder> tag_placeholders(const TagValues* values) {
    std::string git_hint = " (is the project a git checkout with a commit?";
    if (values && !values->git_problem.empty()) git_hint += " " + values->git_problem;
    git_hint += ")";
    return {{"git_short", values ? &values->git_short : nullptr, git_hint},
            {"git_sha", values ? &values->git_sha : nullptr, git_hint},
            {"date", values ? &values->date : nullptr, ""},
            {"env", values ? &values->env : nullptr, ""}};
}

std::vector<Placeholder> deploy_placeholders(const DeployValues* values) {
    return {{"image", values ? &values->image : nullptr, ""},
            {"digest", values ? &values->digest : nullptr, ""},
            {"tag", values ? &values->tag : nullptr, ""},
            {"env", values ? &values->env : nullptr, ""}};
}

std::string tag_what(const std::string& tag_template) {
    return "tag template \"" + tag_template + "\"";
}

std::string deploy_what(const std::string& command) {
    return "deploy command \"" + command + "\"";
}

bool is_word_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string expand_tag(const std::string& tag_template, const TagValues& values) {
    std::string what = tag_what(tag_template);
    std::string tag = substitute(tag_template, tag_placeholders(&values), what, true);
    if (!is_valid_tag(tag)) {
        throw Error("tag \"" + tag + "\" made from " + what +
                    " is not a valid tag: a tag is 1 to 128 letters, digits, '_', '.' or '-' and "
                    "does not start with '.' or '-'; change the template");
    }
    return tag;
}

std::string expand_deploy(const std::string& command, const DeployValues& values) {
    return substitute(command, deploy_placeholders(&values), deploy_what(command), false);
}

void check_tag_template(const std::string& tag_template) {
    substitute(tag_template, tag_placeholders(nullptr), tag_what(tag_template), false);
}

void check_deploy_command(const std::string& command) {
    substitute(command, deploy_placeholders(nullptr), deploy_what(command), false);
}

bool is_valid_tag(std::string_view tag) {
    if (tag.empty() || tag.size() > 128 || !is_word_character(tag[0])) return false;
    for (char c : tag) {
        if (!is_word_character(c) && c != '.' && c != '-') return false;
    }
    return true;
}

std::string utc_date(std::int64_t unix_seconds) {
    time_t seconds = static_cast<time_t>(unix_seconds);
    struct tm parts {};
    if (!gmtime_r(&seconds, &parts)) {
        throw Error("time " + std::to_string(unix_seconds) + " has no calendar date");
    }
    char text[32];
    strftime(text, sizeof text, "%Y%m%d", &parts);
    return text;
}

}  // namespace cairn::assemble
