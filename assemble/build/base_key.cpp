// Hashing the base's inputs, and collecting them from the project and the tools.
#include "assemble/build/base_key.hpp"

#include <algorithm>

#include "assemble/build/build_view.hpp"
#include "oci/digest.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "registry/child_process.hpp"

namespace cairn::assemble {

namespace {

// "label" LEN ':' bytes — the label and the length keep fields apart.
void field(oci::Sha256& hash, std::string_view label, std::string_view bytes) {
    hash.write(label);
    hash.write(" " + std::to_string(bytes.size()) + ":");
    hash.write(bytes);
    hash.write("\n");
}

void optional_field(oci::Sha256& hash, std::string_view label,
                    const std::optional<std::string>& bytes) {
    if (bytes) {
        field(hash, label, *bytes);
    } else {
        field(hash, std::string(label) + "-absent", "");
    }
}

std::string read_lock_file(const std::filesystem::path& path, const std::string& how_to_make) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error(path.string() + " is missing: the base key needs it (" + how_to_make + ")");
    }
    return oci::read_small_file(path, 256u << 20);
}

}  // namespace

BaseKey BaseKey::of(const BaseKeyInputs& inputs) {
    oci::Sha256 hash;
    field(hash, "cairn-base-key", "1");
    optional_field(hash, "cargo-lock", inputs.cargo_lock);
    optional_field(hash, "package-lock", inputs.package_lock);
    field(hash, "rustc", inputs.rustc_version);
    field(hash, "node", inputs.node_version);
    field(hash, "cargo-profile", inputs.cargo_profile);
    auto features = inputs.features;
    std::sort(features.begin(), features.end());
    features.erase(std::unique(features.begin(), features.end()), features.end());
    field(hash, "features", std::to_string(features.size()));
    for (const auto& feature : features) field(hash, "feature", feature);
    field(hash, "base", inputs.base_digest);
    // cargo's fingerprints hold the view's paths: a base made through another layout is stale.
    if (inputs.cargo_lock) field(hash, "build-view", kBuildViewLayout);
    return BaseKey(std::string(hash.finish().hex()));
}

BaseKeyInputs gather_base_key_inputs(const BuildConfig& config, const std::string& base_digest) {
    BaseKeyInputs inputs;
    inputs.base_digest = base_digest;
    if (config.cargo) {
        inputs.cargo_lock = read_lock_file(config.cargo->dir / "Cargo.lock",
                                           "run `cargo generate-lockfile` and commit it");
        inputs.rustc_version = registry::capture_output({"rustc", "-vV"}, config.cargo->dir);
        inputs.cargo_profile = config.cargo->profile;
        inputs.features = config.cargo->features;
    }
    if (config.npm) {
        inputs.package_lock = read_lock_file(config.npm->dir / "package-lock.json",
                                             "run `npm install` and commit it");
        inputs.node_version = registry::capture_output({"node", "--version"}, config.npm->dir);
    }
    return inputs;
}

}  // namespace cairn::assemble
