// A strict-enough RFC 7235 challenge parser: tokens, quoted strings with escapes, token68.
#include "registry/challenge.hpp"

#include <cctype>
#include <optional>

#include "oci/text.hpp"

namespace cairn::registry {

namespace {

// tchar of RFC 7230 §3.2.6.
bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token68_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-._~+/").find(c) != std::string_view::npos;
}

class Cursor {
  public:
    explicit Cursor(std::string_view text) : text_(text) {}

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    void skip_spaces() {
        while (!at_end() && (peek() == ' ' || peek() == '\t')) ++pos_;
    }
    void skip_separators() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == ',')) ++pos_;
    }
    std::string_view token() {
        auto start = pos_;
        while (!at_end() && is_tchar(peek())) ++pos_;
        return text_.substr(start, pos_ - start);
    }
    std::optional<std::string> quoted_string() {
        ++pos_;  // the opening quote
        std::string out;
        while (!at_end()) {
            char c = text_[pos_++];
            if (c == '"') return out;
            if (c == '\\' && !at_end()) c = text_[pos_++];
            out.push_back(c);
        }
        return std::nullopt;  // unterminated
    }
    std::string_view token68() {
        auto start = pos_;
        while (!at_end() && is_token68_char(peek())) ++pos_;
        while (!at_end() && peek() == '=') ++pos_;
        return text_.substr(start, pos_ - start);
    }
    // Does an auth-param (`token BWS "=" BWS value`) start here? A token68 ends in '=' and is
    // followed by nothing, a comma or another '='.
    bool param_starts() const {
        Cursor ahead = *this;
        if (ahead.token().empty()) return false;
        ahead.skip_spaces();
        if (ahead.peek() != '=') return false;
        ++ahead.pos_;
        ahead.skip_spaces();
        return ahead.peek() == '"' || (is_tchar(ahead.peek()) && ahead.peek() != '=');
    }
    void expect_equals() {
        skip_spaces();
        ++pos_;
        skip_spaces();
    }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

// How the text after one challenge goes on.
enum class Next { end, challenge, garbage };

Next after_challenge(Cursor& cursor) {
    cursor.skip_spaces();
    if (cursor.at_end()) return Next::end;
    if (cursor.peek() != ',') return Next::garbage;
    cursor.skip_separators();
    return cursor.at_end() ? Next::end : Next::challenge;
}

// Reads the parameters (or token68) of one challenge, and the separator after it.
Next read_params(Cursor& cursor, Challenge& challenge) {
    if (cursor.peek() != ' ' && cursor.peek() != '\t') return after_challenge(cursor);
    cursor.skip_spaces();
    if (!cursor.param_starts()) {
        if (cursor.peek() != ',' && !cursor.at_end())
            challenge.token68 = std::string(cursor.token68());
        return after_challenge(cursor);
    }
    while (true) {
        std::string name = oci::lowered(cursor.token());
        cursor.expect_equals();
        std::string value;
        if (cursor.peek() == '"') {
            auto quoted = cursor.quoted_string();
            if (!quoted) {  // unterminated: none of this challenge can be trusted
                challenge.params.clear();
                return Next::garbage;
            }
            value = std::move(*quoted);
        } else {
            value = std::string(cursor.token());
        }
        challenge.params.emplace(std::move(name), std::move(value));
        Next next = after_challenge(cursor);
        if (next != Next::challenge || !cursor.param_starts()) return next;
    }
}

}  // namespace

std::string Challenge::param(std::string_view name) const {
    auto found = params.find(oci::lowered(name));
    return found == params.end() ? "" : found->second;
}

std::vector<Challenge> parse_challenges(std::string_view header) {
    std::vector<Challenge> challenges;
    Cursor cursor(header);
    cursor.skip_separators();
    while (!cursor.at_end()) {
        auto scheme = cursor.token();
        if (scheme.empty()) break;
        Challenge challenge{.scheme = oci::lowered(scheme)};
        Next next = read_params(cursor, challenge);
        if (next == Next::garbage && challenge.params.empty() && challenge.token68.empty()) break;
        challenges.push_back(std::move(challenge));
        if (next != Next::challenge) break;
    }
    return challenges;
}

std::vector<Challenge> parse_challenges(const std::vector<std::string>& headers) {
    std::vector<Challenge> all;
    for (const auto& header : headers) {
        auto some = parse_challenges(header);
        all.insert(all.end(), some.begin(), some.end());
    }
    return all;
}

}  // namespace cairn::registry
