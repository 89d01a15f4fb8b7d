// The record of a base: a few labels, and the measure of how near two bases are.
#include "assemble/build/base_record.hpp"

#include <algorithm>
#include <sstream>

#include <toml++/toml.h>

#include "assemble/build/build_view.hpp"
#include "oci/digest.hpp"
#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

std::string digest_of(const std::vector<std::string>& fields) {
    std::string text;
    for (const auto& field : fields) text += std::to_string(field.size()) + ":" + field + "\n";
    return oci::Digest::of(text).str();
}

}  // namespace

std::vector<std::string> cargo_lock_packages(std::string_view lock, std::string_view what) {
    std::vector<std::string> packages;
    try {
        auto document = toml::parse(lock, what);
        if (const auto* array = document["package"].as_array()) {
            for (const auto& package : *array) {
                const auto* table = package.as_table();
                if (table == nullptr) continue;
                auto name = (*table)["name"].value<std::string>();
                auto version = (*table)["version"].value<std::string>();
                auto source = (*table)["source"].value<std::string>();
                if (!name || !version || !source) continue;  // the project's own packages
                auto checksum = (*table)["checksum"].value<std::string>().value_or("");
                auto digest = oci::Digest::of(*source + "\n" + checksum);
                packages.push_back(*name + "@" + *version + "/" +
                                   std::string(digest.hex().substr(0, 8)));
            }
        }
    } catch (const toml::parse_error& error) {
        throw Error(std::string(what) + " is not valid TOML: " + std::string(error.description()));
    }
    std::sort(packages.begin(), packages.end());
    packages.erase(std::unique(packages.begin(), packages.end()), packages.end());
    return packages;
}

BaseRecord BaseRecord::of(const BaseKeyInputs& inputs) {
    BaseRecord record;
    if (inputs.cargo_lock) {
        auto features = inputs.features;
        std::sort(features.begin(), features.end());
        features.erase(std::unique(features.begin(), features.end()), features.end());
        std::vector<std::string> fields{"cargo", inputs.rustc_version, inputs.cargo_profile,
                                        kBuildViewLayout};
        fields.insert(fields.end(), features.begin(), features.end());
        record.toolchain = digest_of(fields);
        record.cargo_packages = cargo_lock_packages(*inputs.cargo_lock, "Cargo.lock");
    } else {
        record.toolchain = digest_of({"no cargo"});
    }
    if (inputs.package_lock) record.npm = digest_of({"npm", inputs.node_version, *inputs.package_lock});
    return record;
}

std::map<std::string, std::string> BaseRecord::labels() const {
    std::string packages;
    for (const auto& package : cargo_packages) packages += (packages.empty() ? "" : " ") + package;
    return {{kBaseToolchainLabel, toolchain}, {kBasePackagesLabel, packages}, {kBaseNpmLabel, npm}};
}

BaseRecord BaseRecord::from_labels(const std::map<std::string, std::string>& labels) {
    BaseRecord record;
    auto value = [&labels](const char* name) {
        auto found = labels.find(name);
        return found == labels.end() ? std::string() : found->second;
    };
    record.toolchain = value(kBaseToolchainLabel);
    record.npm = value(kBaseNpmLabel);
    if (record.npm.empty()) record.npm = "none";
    std::istringstream packages(value(kBasePackagesLabel));
    for (std::string package; packages >> package;) record.cargo_packages.push_back(package);
    std::sort(record.cargo_packages.begin(), record.cargo_packages.end());
    return record;
}

bool Nearness::better_than(const Nearness& other) const {
    if (shared_packages != other.shared_packages) return shared_packages > other.shared_packages;
    if (same_npm != other.same_npm) return same_npm;
    return stale_packages < other.stale_packages;
}

Nearness nearness(const BaseRecord& wanted, const BaseRecord& candidate) {
    Nearness near;
    if (wanted.toolchain.empty() || candidate.toolchain != wanted.toolchain) return near;
    const auto& mine = wanted.cargo_packages;
    for (const auto& package : candidate.cargo_packages) {
        if (std::binary_search(mine.begin(), mine.end(), package)) {
            ++near.shared_packages;
        } else {
            ++near.stale_packages;
        }
    }
    near.same_npm = wanted.npm != "none" && wanted.npm == candidate.npm;
    return near;
}

}  // namespace cairn::assemble
