// Strict typed reading of TOML tables, with errors that point at the line to fix.
#include "assemble/build/config_table.hpp"

#include <algorithm>

#include "oci/error.hpp"
#include "oci/spelling.hpp"

namespace cairn::assemble {

namespace {

std::string unknown_key_hint(std::string_view key, const std::vector<std::string_view>& known,
                             const std::string& path) {
    for (std::string_view candidate : known) {
        if (oci::edit_distance(key, candidate) <= 2) {
            return " (did you mean \"" + std::string(candidate) + "\"?)";
        }
    }
    std::string list;
    for (std::string_view candidate : known) {
        list += (list.empty() ? "" : ", ") + std::string(candidate);
    }
    return "; " + (path.empty() ? std::string("the file") : "[" + path + "]") + " takes " + list;
}

}  // namespace

std::string location(const std::string& file, const toml::source_region& region) {
    if (region.begin.line == 0) return file;
    return file + ":" + std::to_string(region.begin.line);
}

ConfigTable::ConfigTable(const toml::table& table, std::string path, std::string file,
                         const std::vector<std::string_view>& known)
    : table_(&table), path_(std::move(path)), file_(std::move(file)) {
    if (known.empty()) return;
    for (auto&& [key, node] : table) {
        if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
        throw Error(location(file_, key.source()) + ": unknown key \"" + key_name(key.str()) +
                    "\"" + unknown_key_hint(key.str(), known, path_));
    }
}

std::string ConfigTable::key_name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::vector<std::string> ConfigTable::keys() const {
    std::vector<std::string> out;
    for (auto&& [key, node] : *table_) out.emplace_back(key.str());
    return out;
}

const toml::node* ConfigTable::find(std::string_view key) const {
    return table_->get(key);
}

void ConfigTable::fail(const toml::node* node, const std::string& message) const {
    throw Error(location(file_, node ? node->source() : table_->source()) + ": " + message);
}

std::optional<std::string> ConfigTable::string(std::string_view key) const {
    const toml::node* node = find(key);
    if (!node) return std::nullopt;
    if (!node->is_string()) fail(node, key_name(key) + " must be a string");
    return node->as_string()->get();
}

std::string ConfigTable::required_string(std::string_view key) const {
    auto value = string(key);
    if (!value) fail(nullptr, "missing required key \"" + key_name(key) + "\"");
    if (value->empty()) fail(find(key), key_name(key) + " must not be empty");
    return *value;
}

std::optional<std::vector<std::string>> ConfigTable::strings(std::string_view key) const {
    const toml::node* node = find(key);
    if (!node) return std::nullopt;
    std::string message = key_name(key) + " must be an array of strings";
    if (!node->is_array()) fail(node, message);
    std::vector<std::string> out;
    for (const toml::node& item : *node->as_array()) {
        if (!item.is_string()) fail(&item, message);
        out.push_back(item.as_string()->get());
    }
    return out;
}

std::optional<std::map<std::string, std::string>> ConfigTable::string_map(
    std::string_view key) const {
    const toml::node* node = find(key);
    if (!node) return std::nullopt;
    std::string message = key_name(key) + " must be a table of strings";
    if (!node->is_table()) fail(node, message);
    std::map<std::string, std::string> out;
    for (auto&& [name, value] : *node->as_table()) {
        if (!value.is_string())
            fail(&value,
                 message + " (" + key_name(key) + "." + std::string(name.str()) + " is not)");
        out.emplace(name.str(), value.as_string()->get());
    }
    return out;
}

std::optional<ConfigTable> ConfigTable::table(std::string_view key,
                                              const std::vector<std::string_view>& known) const {
    const toml::node* node = find(key);
    if (!node) return std::nullopt;
    if (!node->is_table()) fail(node, key_name(key) + " must be a table ([" + key_name(key) + "])");
    return ConfigTable(*node->as_table(), key_name(key), file_, known);
}

std::vector<ConfigTable> ConfigTable::tables(std::string_view key,
                                             const std::vector<std::string_view>& known) const {
    const toml::node* node = find(key);
    if (!node) return {};
    std::string message = key_name(key) + " must be an array of tables ([[" + key_name(key) + "]])";
    if (!node->is_array()) fail(node, message);
    std::vector<ConfigTable> out;
    for (const toml::node& item : *node->as_array()) {
        if (!item.is_table()) fail(&item, message);
        out.emplace_back(*item.as_table(), key_name(key), file_, known);
    }
    return out;
}

}  // namespace cairn::assemble
