// The ignore file of a project (`.cairnignore`, else `.dockerignore`): what stays out of layers
// and cache keys.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "assemble/layer/ignore_pattern.hpp"

namespace cairn::assemble {

// The rules of one ignore file, with Docker's semantics (BuildKit and moby's patternmatcher):
// one pattern a line; a line starting with '#' is a comment; blank lines are skipped; leading
// and trailing whitespace is trimmed; a leading '/' or './' is dropped and patterns are cleaned
// as Go's filepath.Clean does ("a/../b" is "b", "target/" is "target"); `!PATTERN` re-includes
// what earlier lines excluded. The last line that matches a path decides, and a pattern that
// matches a directory matches everything below it. As in Docker, a pattern cannot name only
// directories: "target/" also matches a file named "target".
class IgnoreRules {
  public:
    struct Rule {
        IgnorePattern pattern;
        bool exception = false;  // a `!` line
        int line = 0;
    };

    // No rules: nothing is ignored.
    IgnoreRules() = default;

    // Parses the text of an ignore file. A bad pattern, or a '!' with no pattern, is a
    // cairn::Error "FILE:LINE: …".
    static IgnoreRules parse(std::string_view text, const std::string& file_name);

    // Does the last matching rule exclude `path` (or a directory above it)? `path` is
    // '/'-separated, relative to the project directory, without "./" or a trailing '/'.
    bool excluded(std::string_view path) const;

    // What a directory walk should skip (TarOptions::ignore). A file: excluded(). A directory:
    // excluded and no later `!` rule could re-include anything below it, so that the walk may
    // prune it. An excluded directory that a later exception could reach inside is not
    // ignored: the walk enters it, keeps its entry, and asks again for each thing inside.
    bool ignored(std::string_view path, bool is_directory) const;

    // ignored() as a TarOptions::ignore callback holding its own copy of the rules.
    std::function<bool(const std::string& relative, bool is_directory)> filter() const;

    bool empty() const { return rules_.empty(); }
    const std::vector<Rule>& rules() const { return rules_; }
    // The file the rules came from; empty for no file.
    const std::string& source() const { return source_; }

  private:
    // The index of the last rule matching `path` (or a parent), or -1.
    int last_match(std::string_view path) const;

    std::vector<Rule> rules_;
    std::string source_;
};

// The rules of `project_dir`: `.cairnignore` if it exists, else `.dockerignore`, else none.
// An unreadable or malformed file is a cairn::Error naming it.
IgnoreRules load_ignore_rules(const std::filesystem::path& project_dir);

}  // namespace cairn::assemble
