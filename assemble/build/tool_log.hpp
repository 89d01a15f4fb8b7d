// A tool's output kept for the user when it fails: every line in a log file, and the first lines
// that report an error (cargo's `error[E0425]: …` and its `-->` location, npm's `npm ERR!`), so
// that a failure names its cause and not only the tool's last line ("could not compile `x`").
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::assemble {

// Whether a line of a tool's output starts an error report: `error:`, `error[E…]:`,
// `npm ERR!`, `npm error`, `Error:` (node), `… command not found` (a shell).
bool is_error_line(std::string_view line);

class ToolLog {
  public:
    // Lines of the first error report kept (the report ends earlier at a blank line).
    static constexpr std::size_t kMaxErrorLines = 12;

    // Writes every line to `file` (replaced; its directory is made); an empty path keeps no file.
    // A file that cannot be written is not an error: the log is a help, not the build.
    explicit ToolLog(std::filesystem::path file = {});

    void line(std::string_view text);

    const std::vector<std::string>& first_errors() const { return first_errors_; }
    // The file, or empty when none was written.
    const std::filesystem::path& file() const { return file_; }

    // For a failure's one line: the first error line with the location that follows it
    // ("error[E0425]: cannot find value `x` in this scope at src/main.rs:3:5"), else the last
    // non-blank line of `tail`; then "; full log: FILE" when there is one.
    std::string summary(const std::vector<std::string>& tail) const;

  private:
    std::filesystem::path file_;
    std::ofstream out_;
    std::vector<std::string> first_errors_;
    bool capturing_ = false;
};

}  // namespace cairn::assemble
