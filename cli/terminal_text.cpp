// Escaping control characters, decoding UTF-8 strictly so that no byte slips through as part of
// a sequence a terminal would act on.
#include "cli/terminal_text.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>

#include "oci/secrets.hpp"

namespace cairn::cli {

namespace {

// The length of the UTF-8 sequence at `at` and its code point, or 0 when it is not valid UTF-8
// (overlong forms, surrogates and values past U+10FFFF included).
std::size_t decode_utf8(std::string_view text, std::size_t at, char32_t& code_point) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(at);
    std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (length == 0 || lead > 0xF4 || at + length > text.size()) return 0;
    char32_t value = lead & (0x7F >> length);
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80) return 0;
        value = (value << 6) | (byte(at + i) & 0x3F);
    }
    static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (value < kSmallest[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    code_point = value;
    return length;
}

// C1 controls, line and paragraph separators, and the bidirectional embeddings, overrides and
// isolates.
bool is_invisible_control(char32_t c) {
    return (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

void append_escape(std::string& out, const char* format, unsigned value) {
    char text[16];
    std::snprintf(text, sizeof text, format, value);
    out += text;
}

std::string escape(std::string_view text, bool keep_lines) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7F) {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        if (c < 0x80) {
            if (keep_lines && (c == '\n' || c == '\t')) out.push_back(static_cast<char>(c));
            else if (c == '\n') out += "\\n";
            else if (c == '\r') out += "\\r";
            else if (c == '\t') out += "\\t";
            else append_escape(out, "\\x%02x", c);
            ++i;
            continue;
        }
        char32_t code_point = 0;
        std::size_t length = decode_utf8(text, i, code_point);
        if (length == 0) {
            append_escape(out, "\\x%02x", c);
            ++i;
        } else if (is_invisible_control(code_point)) {
            append_escape(out, "\\u%04x", static_cast<unsigned>(code_point));
            i += length;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

}  // namespace

std::string escape_controls(std::string_view text) {
    return escape(text, false);
}

std::string document_for_stdout(std::string_view bytes) {
    static const bool terminal = ::isatty(STDOUT_FILENO) == 1;
    return terminal ? escape(bytes, true) : std::string(bytes);
}

std::string for_display(std::string_view text) {
    return escape_controls(oci::blank_secrets(text));
}

}  // namespace cairn::cli
