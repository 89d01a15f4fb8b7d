// What a base was built from, recorded in its config's labels, so that a build whose key has no
// base yet (Cargo.lock changed) can start from the nearest earlier base of the project instead
// of compiling every dependency again.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "assemble/build/base_key.hpp"

namespace cairn::assemble {

// The labels a base's config carries.
inline constexpr const char* kBaseToolchainLabel = "dev.cairn.base.toolchain";
inline constexpr const char* kBasePackagesLabel = "dev.cairn.base.cargo-packages";
inline constexpr const char* kBaseNpmLabel = "dev.cairn.base.npm";

struct BaseRecord {
    // A digest of what makes every artifact of a base stale: rustc's version, the cargo
    // profile, the features, the build view's layout. Bases of two toolchains share nothing.
    std::string toolchain;
    // The third-party packages of Cargo.lock (those with a source), "name@version/<8 hex of
    // their source and checksum>", sorted.
    std::vector<std::string> cargo_packages;
    // A digest of node's version and package-lock.json, "none" without [npm]: node_modules is
    // reused whole when it is the same, else `npm ci` installs it anew.
    std::string npm = "none";

    static BaseRecord of(const BaseKeyInputs& inputs);
    std::map<std::string, std::string> labels() const;
    // A base's labels read back; a base made before the record (or not by cairn) gives an
    // empty toolchain, which nothing is near.
    static BaseRecord from_labels(const std::map<std::string, std::string>& labels);
};

// How much of a wanted base an earlier one already holds.
struct Nearness {
    std::size_t shared_packages = 0;  // packages of the wanted lock the candidate was built with
    std::size_t stale_packages = 0;   // the candidate's packages the wanted lock no longer has
    bool same_npm = false;            // node_modules is reused as it is

    // Whether restoring it saves any work.
    bool useful() const { return shared_packages > 0 || same_npm; }
    // More packages shared first, then node_modules, then fewer stale artifacts to carry.
    bool better_than(const Nearness& other) const;
};

// How near `candidate` is to `wanted`; nothing is near across toolchains.
Nearness nearness(const BaseRecord& wanted, const BaseRecord& candidate);

// The packages with a source in the Cargo.lock `lock`, as BaseRecord::cargo_packages. `what`
// names the lock in the error a malformed one gives.
std::vector<std::string> cargo_lock_packages(std::string_view lock, std::string_view what);

}  // namespace cairn::assemble
