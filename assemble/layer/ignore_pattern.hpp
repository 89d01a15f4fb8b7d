// One pattern of a `.dockerignore` file, matched as Docker's patternmatcher matches it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::assemble {

// Syntax (paths and patterns are '/'-separated and relative to the build context):
//   `*`     any run of characters other than '/'
//   `?`     one character other than '/'
//   `[...]` one character (not '/') of a class: ranges `a-z`, negation `[^...]`, `\` escapes
//   `**`    any number of whole directories (`**/` also matches none); at the end, anything
//   `\c`    the character c itself
// Characters are UTF-8 code points; bytes that are not valid UTF-8 match only themselves.
class IgnorePattern {
  public:
    // `text` is a cleaned pattern without its leading '!'. Bad syntax (an unterminated class, a
    // bad range, a trailing backslash) is a cairn::Error describing it, without a location.
    explicit IgnorePattern(std::string_view text);

    const std::string& text() const { return text_; }

    // Does the pattern match the whole of `path`?
    bool matches(std::string_view path) const;
    // Does it match `path` or one of its parent directories ("a/b" for "a/b/c")? This is how a
    // pattern applies to a file: excluding a directory excludes what it holds.
    bool matches_path_or_parent(std::string_view path) const;
    // Could it match some path below `directory` (one that starts with `directory` + '/')?
    bool could_match_below(std::string_view directory) const;

    struct Token {
        enum class Kind { literal, any_char, char_class, star, any_directories, any_tail };
        Kind kind = Kind::literal;
        char32_t character = 0;                             // literal
        bool negated = false;                               // char_class
        std::vector<std::pair<char32_t, char32_t>> ranges;  // char_class, inclusive
    };

  private:
    std::string text_;
    std::vector<Token> tokens_;
    bool literal_ = true;  // no wildcards: compared as a string
};

}  // namespace cairn::assemble
