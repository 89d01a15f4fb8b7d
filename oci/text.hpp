// Small text helpers shared by the rooms.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace cairn::oci {

// `text` without the whitespace (space, tab, CR, LF, VT, FF: the C locale's isspace) at either
// end; a view into `text`.
inline std::string_view trimmed(std::string_view text) {
    constexpr std::string_view blanks = " \t\r\n\v\f";
    auto begin = text.find_first_not_of(blanks);
    if (begin == std::string_view::npos) return {};
    auto end = text.find_last_not_of(blanks);
    return text.substr(begin, end - begin + 1);
}

// `text` in ASCII lower case (the C locale's tolower), for names that compare case-blind.
inline std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

}  // namespace cairn::oci
