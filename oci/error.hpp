// The one error type of cairn: a message fit for the user, printed by the cli as `cairn: error: …`.
#pragma once

#include <stdexcept>
#include <string>

namespace cairn {

// What failed, where, and (when known) what to do next. Library code throws it and never prints.
class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An error in how the program was called (the cli exits 2 for it, 1 for any other Error).
class UsageError : public Error {
  public:
    using Error::Error;
};

// What was asked for does not exist there (a registry's 404 for a manifest): callers that
// probe, like the lookup of a build's base, tell it from a failure to ask.
class NotFound : public Error {
  public:
    using Error::Error;
};

// The text of errno as "what: strerror".
std::string system_error_text(const std::string& what, int error_number);

}  // namespace cairn
