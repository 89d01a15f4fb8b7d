// Written by hand: the words are a dozen short names, and no packaged library offers less than
// a fuzzy-search engine for it.
#include "oci/spelling.hpp"

#include <algorithm>

namespace cairn::oci {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string_view> closest_word(std::string_view typed,
                                             const std::vector<std::string_view>& known,
                                             std::size_t max_distance) {
    std::optional<std::string_view> best;
    std::size_t best_distance = max_distance + 1;
    for (std::string_view candidate : known) {
        std::size_t distance = edit_distance(typed, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    if (best) return best;
    if (typed.size() >= 2) {
        for (std::string_view candidate : known)
            if (candidate.starts_with(typed)) return candidate;
    }
    return std::nullopt;
}

}  // namespace cairn::oci
