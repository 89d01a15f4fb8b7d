// Test helpers for cairn's errors: the message an action fails with, and what it says.
#pragma once

#include <boost/test/unit_test.hpp>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "oci/error.hpp"

namespace cairn::test {

// The message of the cairn::Error that `action` throws, or "(no error)".
inline std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const cairn::Error& error) {
        return error.what();
    }
    return "(no error)";
}

inline bool message_has(const cairn::Error& error, std::string_view part) {
    return std::string_view(error.what()).find(part) != std::string_view::npos;
}

// Every one of `parts`; the first missing one is logged with the message.
inline bool message_has(const cairn::Error& error, std::initializer_list<std::string> parts) {
    std::string_view message = error.what();
    for (const auto& part : parts) {
        if (message.find(part) == std::string_view::npos) {
            BOOST_TEST_MESSAGE("\"" << part << "\" not in: " << message);
            return false;
        }
    }
    return true;
}

}  // namespace cairn::test
