// "Did you mean": the closest of a few known words to one a user typed.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace cairn::oci {

// Levenshtein distance: insertions, deletions and substitutions of one byte.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The known word closest to `typed`, if any is within `max_distance` edits (the first of equals),
// or one that `typed` begins (a cut-short "insp" for "inspect").
std::optional<std::string_view> closest_word(std::string_view typed,
                                             const std::vector<std::string_view>& known,
                                             std::size_t max_distance = 2);

}  // namespace cairn::oci
