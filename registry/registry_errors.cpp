// Reading the registry's error bodies into one line for a message.
#include "registry/registry_errors.hpp"

#include <algorithm>

#include "oci/json.hpp"

namespace cairn::registry {

namespace {

constexpr std::size_t kMaxShown = 300;

std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, kMaxShown)) {
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)
            out.push_back(c);
        else if (!out.empty() && out.back() != ' ')
            out.push_back(' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (text.size() > kMaxShown) out += "…";
    return out;
}

}  // namespace

std::vector<RegistryErrorEntry> parse_registry_errors(std::string_view body) {
    std::vector<RegistryErrorEntry> entries;
    oci::json::Document document;
    document.Parse(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) return entries;
    auto errors = document.FindMember("errors");
    if (errors == document.MemberEnd() || !errors->value.IsArray()) return entries;
    for (const auto& error : errors->value.GetArray()) {
        if (!error.IsObject()) continue;
        RegistryErrorEntry entry;
        if (auto code = error.FindMember("code");
            code != error.MemberEnd() && code->value.IsString()) {
            entry.code = code->value.GetString();
        }
        if (auto message = error.FindMember("message");
            message != error.MemberEnd() && message->value.IsString()) {
            entry.message = message->value.GetString();
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

bool has_error_code(const std::vector<RegistryErrorEntry>& errors, std::string_view code) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const RegistryErrorEntry& e) { return e.code == code; });
}

std::string describe_response(long status, std::string_view body) {
    std::string out = "HTTP " + std::to_string(status);
    auto errors = parse_registry_errors(body);
    std::string detail;
    for (const auto& error : errors) {
        if (!detail.empty()) detail += "; ";
        detail += error.code;
        if (!error.message.empty()) detail += (error.code.empty() ? "" : ": ") + error.message;
    }
    if (errors.empty() && !body.empty() && body.find('<') == std::string_view::npos)
        detail = std::string(body);
    detail = printable(detail);
    return detail.empty() ? out : out + " (" + detail + ")";
}

}  // namespace cairn::registry
