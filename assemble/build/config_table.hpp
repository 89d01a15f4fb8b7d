// One table of a TOML config file, read strictly: unknown keys and wrong types are errors that
// name the file, the line and the key.
#pragma once

#include <toml++/toml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::assemble {

// "FILE:LINE", or "FILE" for a region without a line (a table toml++ made implicitly).
std::string location(const std::string& file, const toml::source_region& region);

class ConfigTable {
  public:
    // `path` is the table's dotted name ("image", "profiles.dev"; "" for the whole file).
    // Every key of `table` must be one of `known`; an empty `known` accepts any key (tables
    // whose keys the user chooses: env, labels, profiles).
    ConfigTable(const toml::table& table, std::string path, std::string file,
                const std::vector<std::string_view>& known);

    const std::string& path() const { return path_; }
    const std::string& file() const { return file_; }
    // The dotted name of a key of this table: "image.name".
    std::string key_name(std::string_view key) const;
    std::vector<std::string> keys() const;
    const toml::node* find(std::string_view key) const;

    // A cairn::Error "FILE:LINE: message" at `node`, or at this table when it is null.
    [[noreturn]] void fail(const toml::node* node, const std::string& message) const;

    std::optional<std::string> string(std::string_view key) const;
    // Present and not empty.
    std::string required_string(std::string_view key) const;
    std::optional<std::vector<std::string>> strings(std::string_view key) const;
    std::optional<std::map<std::string, std::string>> string_map(std::string_view key) const;
    std::optional<ConfigTable> table(std::string_view key,
                                     const std::vector<std::string_view>& known) const;
    // An array of tables (`[[files]]`); absent is empty.
    std::vector<ConfigTable> tables(std::string_view key,
                                    const std::vector<std::string_view>& known) const;

  private:
    const toml::table* table_;
    std::string path_;
    std::string file_;
};

}  // namespace cairn::assemble
