// Reading an ignore file into rules and deciding, path by path, what a walk leaves out.
#include "assemble/layer/ignore_rules.hpp"

#include <memory>

#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace {

constexpr std::size_t kMaxIgnoreFileSize = 4 << 20;

std::string_view trim(std::string_view text) {
    constexpr std::string_view blanks = " \t\r\n\v\f";
    auto first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(blanks);
    return text.substr(first, last - first + 1);
}

// Go's path.Clean: no empty or "." elements, ".." folded into what precedes it, no trailing '/'.
std::string clean(std::string_view path) {
    bool rooted = !path.empty() && path[0] == '/';
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        auto part = path.substr(start, slash - start);
        start = slash + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty() && parts.back() != "..") {
                parts.pop_back();
                continue;
            }
            if (rooted) continue;  // nothing is above the root
        }
        parts.push_back(part);
    }
    std::string out = rooted ? "/" : "";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += '/';
        out += parts[i];
    }
    return out.empty() ? "." : out;
}

// One line as BuildKit's ignore-file reader normalizes it: trimmed, '!' split off, cleaned, a
// leading '/' dropped. An empty result means the line holds no pattern.
std::string normalize(std::string_view line, bool& exception) {
    std::string_view text = trim(line);
    exception = !text.empty() && text[0] == '!';
    if (exception) text = trim(text.substr(1));
    if (text.empty()) return {};
    std::string pattern = clean(text);
    if (pattern.size() > 1 && pattern[0] == '/') pattern.erase(0, 1);
    return pattern;
}

}  // namespace

IgnoreRules IgnoreRules::parse(std::string_view text, const std::string& file_name) {
    IgnoreRules rules;
    rules.source_ = file_name;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
    int number = 0;
    while (!text.empty()) {
        auto newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        ++number;
        // Only a '#' in the first column starts a comment, as in Docker.
        if (line.starts_with('#')) continue;
        bool exception = false;
        std::string pattern = normalize(line, exception);
        std::string where = file_name + ":" + std::to_string(number) + ": ";
        if (pattern.empty()) {
            if (!exception) continue;
            throw Error(where +
                        "\"!\" needs a pattern after it (write !PATTERN to re-include "
                        "what PATTERN matches)");
        }
        try {
            rules.rules_.push_back({IgnorePattern(pattern), exception, number});
        } catch (const Error& error) {
            throw Error(where + error.what() + "; fix or remove the line");
        }
    }
    return rules;
}

int IgnoreRules::last_match(std::string_view path) const {
    for (int k = static_cast<int>(rules_.size()) - 1; k >= 0; --k) {
        if (rules_[k].pattern.matches_path_or_parent(path)) return k;
    }
    return -1;
}

bool IgnoreRules::excluded(std::string_view path) const {
    int k = last_match(path);
    return k >= 0 && !rules_[k].exception;
}

bool IgnoreRules::ignored(std::string_view path, bool is_directory) const {
    int k = last_match(path);
    if (k < 0 || rules_[k].exception) return false;
    if (!is_directory) return true;
    // Everything below the directory matches rule k too, through its parent; only an exception
    // after k can win for something inside. One that matched the directory itself would have
    // been the last match, so it must match a path below it.
    for (std::size_t later = k + 1; later < rules_.size(); ++later) {
        if (rules_[later].exception && rules_[later].pattern.could_match_below(path)) return false;
    }
    return true;
}

std::function<bool(const std::string&, bool)> IgnoreRules::filter() const {
    auto rules = std::make_shared<const IgnoreRules>(*this);
    return [rules](const std::string& relative, bool is_directory) {
        return rules->ignored(relative, is_directory);
    };
}

IgnoreRules load_ignore_rules(const std::filesystem::path& project_dir) {
    for (const char* name : {".cairnignore", ".dockerignore"}) {
        std::filesystem::path file = project_dir / name;
        std::error_code error;
        if (!std::filesystem::exists(file, error)) {
            if (error && error != std::errc::no_such_file_or_directory) {
                throw Error("cannot check for " + file.string() + ": " + error.message());
            }
            continue;
        }
        return IgnoreRules::parse(oci::read_small_file(file, kMaxIgnoreFileSize), file.string());
    }
    return {};
}

}  // namespace cairn::assemble
