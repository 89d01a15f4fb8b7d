// The base key: what the slow, rarely-changing base layer depends on, hashed (`cargo-<12 hex>`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "assemble/build/build_config.hpp"

namespace cairn::assemble {

// Everything a base depends on. A tool the config does not use stays empty.
struct BaseKeyInputs {
    std::optional<std::string> cargo_lock;    // Cargo.lock bytes, with [cargo]
    std::optional<std::string> package_lock;  // package-lock.json bytes, with [npm]
    std::string rustc_version;                // `rustc -vV`, with [cargo]
    std::string node_version;                 // `node --version`, with [npm]
    std::string cargo_profile;
    std::vector<std::string> features;  // in any order: hashed sorted
    std::string base_digest;            // the runtime base's manifest digest
};

class BaseKey {
  public:
    // SHA-256 over labelled, length-prefixed fields: moving bytes from one field to another,
    // or a lock file appearing empty where there was none, changes the key.
    static BaseKey of(const BaseKeyInputs& inputs);

    const std::string& hex() const { return hex_; }
    // "cargo-<first 12 hex>": the tag of the base in a registry (the seed's BASE_TAG).
    std::string display() const { return "cargo-" + hex_.substr(0, 12); }

  private:
    explicit BaseKey(std::string hex) : hex_(std::move(hex)) {}
    std::string hex_;
};

// Reads the lock files and asks the tools the config uses for their versions. A missing
// Cargo.lock (or package-lock.json) is a cairn::Error saying how to make one.
BaseKeyInputs gather_base_key_inputs(const BuildConfig& config, const std::string& base_digest);

}  // namespace cairn::assemble
