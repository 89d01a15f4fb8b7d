// Docker's credential helper protocol: `docker-credential-NAME get|store|erase` as a child process.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "oci/error.hpp"
#include "registry/credential.hpp"

namespace cairn::registry {

// The helper program is not on PATH (or not executable).
class CredentialHelperMissing : public Error {
  public:
    using Error::Error;
};

// One `docker-credential-NAME` program. Requests go on its stdin (the server URL, or a JSON
// credential to store); answers come on stdout as JSON, errors as text with a non-zero exit.
// Every call is bounded by `timeout`, after which the helper is killed.
class CredentialHelper {
  public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{30'000};

    explicit CredentialHelper(std::string name,
                              std::chrono::milliseconds timeout = kDefaultTimeout);

    // "docker-credential-NAME": what Credential::source and error messages call it.
    const std::string& program() const { return program_; }

    // The credential stored for `server_url`; nullopt when the helper says it has none.
    // Throws CredentialHelperMissing, or Error when it fails, times out or answers garbage.
    std::optional<Credential> get(const std::string& server_url) const;
    void store(const std::string& server_url, const Credential& credential) const;
    // Removing what is not there is not an error.
    void erase(const std::string& server_url) const;

  private:
    std::string program_;
    std::chrono::milliseconds timeout_;
};

}  // namespace cairn::registry
