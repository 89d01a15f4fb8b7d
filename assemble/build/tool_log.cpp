// Keeping a tool's output: a plain file, and a small state machine for its first error report.
#include "assemble/build/tool_log.hpp"

#include "oci/text.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

bool is_error_line(std::string_view line) {
    line = oci::trimmed(line);
    if (line.starts_with("error:") || line.starts_with("npm ERR!") ||
        line.starts_with("npm error") || line.starts_with("Error:"))
        return true;
    if (line.starts_with("error[")) {
        auto close = line.find("]:");
        return close != std::string_view::npos;
    }
    return line.ends_with(": command not found") || line.ends_with(": not found");
}

ToolLog::ToolLog(fs::path file) {
    if (file.empty()) return;
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    out_.open(file, std::ios::out | std::ios::trunc);
    if (out_) file_ = std::move(file);
}

void ToolLog::line(std::string_view text) {
    if (out_) out_ << text << '\n' << std::flush;
    if (first_errors_.size() >= kMaxErrorLines) {
        capturing_ = false;
        return;
    }
    if (!capturing_ && first_errors_.empty() && is_error_line(text)) capturing_ = true;
    if (!capturing_) return;
    if (oci::trimmed(text).empty()) {
        capturing_ = false;  // the report ends; later errors are in the log
        return;
    }
    first_errors_.emplace_back(text);
}

std::string ToolLog::summary(const std::vector<std::string>& tail) const {
    std::string text;
    if (!first_errors_.empty()) {
        text = std::string(oci::trimmed(first_errors_.front()));
        for (std::size_t i = 1; i < first_errors_.size() && i < 3; ++i) {
            auto line = oci::trimmed(first_errors_[i]);
            if (line.starts_with("--> ")) {
                text += " at " + std::string(oci::trimmed(line.substr(4)));
                break;
            }
        }
    } else {
        for (auto it = tail.rbegin(); it != tail.rend() && text.empty(); ++it)
            text = std::string(oci::trimmed(*it));
    }
    if (!file_.empty()) text += (text.empty() ? "" : "; ") + std::string("full log: ") + file_.string();
    return text;
}

}  // namespace cairn::assemble
