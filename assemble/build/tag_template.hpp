// The placeholders of a profile's `tag` and `deploy` strings ({git_short}, {image}, …) and
// what they expand to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::assemble {

// In both kinds of template `{name}` is a placeholder, and `{{` and `}}` stand for a literal
// brace (a shell's `${HOME}` is written `${{HOME}}`). A placeholder outside the known set, or a
// '{' with no '}', is a cairn::Error naming it and the template.

struct TagValues {
    std::string git_short;    // `git rev-parse --short HEAD`; empty outside a git checkout
    std::string git_sha;      // `git rev-parse HEAD`; empty outside a git checkout
    std::string date;         // UTC "YYYYMMDD" (see utc_date)
    std::string env;          // the profile: "dev", "prod"
    std::string git_problem;  // why git gave no value (its own message), for the error
};

// {git_short} {git_sha} {date} {env}. A placeholder whose value is empty, or a result that is
// not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}), is a cairn::Error naming the template.
std::string expand_tag(const std::string& tag_template, const TagValues& values);

struct DeployValues {
    std::string image;   // REGISTRY/NAME:TAG
    std::string digest;  // sha256:… of the pushed manifest
    std::string tag;
    std::string env;
};

// {image} {digest} {tag} {env}, inserted verbatim: the command is the user's own shell text.
std::string expand_deploy(const std::string& command, const DeployValues& values);

// The checks of expand_tag / expand_deploy that need no values (placeholder names, braces),
// so that a config file's mistakes are found when it is read.
void check_tag_template(const std::string& tag_template);
void check_deploy_command(const std::string& command);

// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, the distribution spec's tag grammar.
bool is_valid_tag(std::string_view tag);

// The UTC calendar date of a Unix time as "YYYYMMDD".
std::string utc_date(std::int64_t unix_seconds);

}  // namespace cairn::assemble
