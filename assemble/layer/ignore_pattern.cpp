// Compiling and matching one `.dockerignore` pattern: a small automaton over code points.
#include "assemble/layer/ignore_pattern.hpp"

#include <algorithm>

#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

using Token = IgnorePattern::Token;
using TokenKind = Token::Kind;

// Bytes that are not UTF-8 decode to U+DC80..U+DCFF, which valid UTF-8 never yields: such a
// byte in a path matches only the same byte in a pattern.
char32_t invalid_byte(unsigned char byte) {
    return 0xDC00 + byte;
}

// The code point at text[i], advancing i past it.
char32_t next_code_point(std::string_view text, std::size_t& i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char lead = byte(i);
    if (lead < 0x80) return text[i++];
    std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (length == 0 || lead > 0xF4 || i + length > text.size()) return invalid_byte(text[i++]);
    char32_t code = lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return invalid_byte(text[i++]);
        code = (code << 6) | (byte(i + k) & 0x3F);
    }
    static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
        return invalid_byte(text[i++]);
    }
    i += length;
    return code;
}

[[noreturn]] void bad_pattern(std::string_view text, const std::string& why) {
    throw Error("bad pattern \"" + std::string(text) + "\": " + why);
}

// One character of a class, as Go's filepath.Match reads it: `-` and `]` must be escaped.
char32_t class_character(std::string_view text, std::size_t& i) {
    if (i >= text.size()) bad_pattern(text, "a character class has no closing ']'");
    if (text[i] == '-' || text[i] == ']') {
        bad_pattern(text, "'" + std::string(1, text[i]) +
                              "' in a character class must be escaped with '\\' here");
    }
    if (text[i] == '\\') {
        ++i;
        if (i >= text.size()) bad_pattern(text, "a character class has no closing ']'");
    }
    return next_code_point(text, i);
}

// Reads `[...]` from just after the '['.
Token character_class(std::string_view text, std::size_t& i) {
    Token token{.kind = TokenKind::char_class};
    if (i < text.size() && text[i] == '^') {
        token.negated = true;
        ++i;
    }
    while (true) {
        if (i < text.size() && text[i] == ']' && !token.ranges.empty()) {
            ++i;
            return token;
        }
        char32_t low = class_character(text, i);
        char32_t high = low;
        if (i < text.size() && text[i] == '-') {
            ++i;
            high = class_character(text, i);
        }
        token.ranges.emplace_back(low, high);
    }
}

std::vector<Token> compile(std::string_view text, bool& literal) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
            i += 2;
            if (i < text.size() && text[i] == '/') ++i;  // `**/` is `**`
            tokens.push_back(
                {.kind = i == text.size() ? TokenKind::any_tail : TokenKind::any_directories});
            literal = false;
        } else if (c == '*' || c == '?') {
            tokens.push_back({.kind = c == '*' ? TokenKind::star : TokenKind::any_char});
            ++i;
            literal = false;
        } else if (c == '[') {
            ++i;
            tokens.push_back(character_class(text, i));
            literal = false;
        } else if (c == '\\') {
            if (++i == text.size()) bad_pattern(text, "it ends with a lone '\\'");
            tokens.push_back({.character = next_code_point(text, i)});
            literal = false;  // the text holds the backslash; the path does not
        } else {
            tokens.push_back({.character = next_code_point(text, i)});
        }
    }
    return tokens;
}

bool in_class(const Token& token, char32_t c) {
    if (c == '/') return false;
    bool found = std::any_of(token.ranges.begin(), token.ranges.end(), [&](const auto& range) {
        return range.first <= c && c <= range.second;
    });
    return found != token.negated;
}

// The set of places the pattern may have reached after the characters fed so far. `at[k]`:
// token k is next; `inside[k]`: within the directories that `**` token k is consuming.
class Automaton {
  public:
    explicit Automaton(const std::vector<Token>& tokens)
        : tokens_(tokens),
          at_(tokens.size() + 1),
          inside_(tokens.size() + 1),
          next_at_(tokens.size() + 1),
          next_inside_(tokens.size() + 1) {
        at_[0] = true;
        close();
    }

    void feed(char32_t c) {
        std::fill(next_at_.begin(), next_at_.end(), false);
        std::fill(next_inside_.begin(), next_inside_.end(), false);
        for (std::size_t k = 0; k < tokens_.size(); ++k) {
            if (inside_[k]) {
                next_inside_[k] = true;
                if (c == '/') next_at_[k + 1] = true;
            }
            if (at_[k] && consumes(tokens_[k], c)) {
                bool repeats =
                    tokens_[k].kind == TokenKind::star || tokens_[k].kind == TokenKind::any_tail;
                next_at_[repeats ? k : k + 1] = true;
            }
        }
        at_.swap(next_at_);
        inside_.swap(next_inside_);
        close();
    }

    void feed(std::string_view text) {
        for (std::size_t i = 0; i < text.size();) feed(next_code_point(text, i));
    }

    bool accepting() const { return at_.back(); }

    // Could more characters still lead to a match?
    bool alive() const {
        for (std::size_t k = 0; k < tokens_.size(); ++k) {
            if (at_[k] || inside_[k]) return true;
        }
        return false;
    }

  private:
    static bool consumes(const Token& token, char32_t c) {
        switch (token.kind) {
            case TokenKind::literal:
                return c == token.character;
            case TokenKind::any_char:
            case TokenKind::star:
                return c != '/';
            case TokenKind::char_class:
                return in_class(token, c);
            case TokenKind::any_tail:
                return true;
            case TokenKind::any_directories:
                return false;  // through inside_
        }
        return false;
    }

    // Follows the moves that consume nothing; they only go forward, so one pass suffices.
    void close() {
        for (std::size_t k = 0; k < tokens_.size(); ++k) {
            if (!at_[k]) continue;
            TokenKind kind = tokens_[k].kind;
            if (kind == TokenKind::star || kind == TokenKind::any_tail) at_[k + 1] = true;
            if (kind == TokenKind::any_directories) {
                at_[k + 1] = true;
                inside_[k] = true;
            }
        }
    }

    const std::vector<Token>& tokens_;
    std::vector<bool> at_, inside_, next_at_, next_inside_;
};

}  // namespace

IgnorePattern::IgnorePattern(std::string_view text) : text_(text) {
    bool literal = true;
    tokens_ = compile(text, literal);
    literal_ = literal;
}

bool IgnorePattern::matches(std::string_view path) const {
    if (literal_) return path == text_;
    Automaton automaton(tokens_);
    automaton.feed(path);
    return automaton.accepting();
}

bool IgnorePattern::matches_path_or_parent(std::string_view path) const {
    if (literal_) {
        return path == text_ ||
               (path.size() > text_.size() && path.starts_with(text_) && path[text_.size()] == '/');
    }
    // One pass: the pattern matches a parent when it accepts just before one of the slashes.
    Automaton automaton(tokens_);
    for (std::size_t i = 0; i < path.size();) {
        if (path[i] == '/' && i > 0 && automaton.accepting()) return true;
        automaton.feed(next_code_point(path, i));
        if (!automaton.alive() && !automaton.accepting()) return false;
    }
    return automaton.accepting();
}

bool IgnorePattern::could_match_below(std::string_view directory) const {
    Automaton automaton(tokens_);
    automaton.feed(directory);
    automaton.feed(U'/');
    return automaton.alive();
}

}  // namespace cairn::assemble
