// Platforms: parsing, the host's, and matching against an index entry.
#include "oci/platform.hpp"

#include <sys/utsname.h>

#include "oci/error.hpp"

namespace cairn::oci {

namespace {

std::string normalized_variant(const Platform& p) {
    if (p.architecture == "arm64" && p.variant == "v8") return "";
    return p.variant;
}

}  // namespace

Platform Platform::parse(std::string_view text) {
    Platform platform;
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        auto slash = text.find('/', start);
        parts.emplace_back(text.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    bool empty_part = false;
    for (const auto& part : parts) empty_part = empty_part || part.empty();
    if (parts.size() < 2 || parts.size() > 3 || empty_part) {
        throw UsageError("invalid platform \"" + std::string(text) +
                         "\": expected OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm/v7");
    }
    platform.os = parts[0];
    platform.architecture = parts[1];
    if (parts.size() == 3) platform.variant = parts[2];
    return platform;
}

Platform Platform::host() {
    Platform platform{.os = "linux", .architecture = "amd64"};
    utsname name{};
    if (uname(&name) != 0) return platform;
    std::string machine = name.machine;
    if (machine == "x86_64")
        platform.architecture = "amd64";
    else if (machine == "aarch64")
        platform.architecture = "arm64";
    else if (machine == "i686" || machine == "i386")
        platform.architecture = "386";
    else if (machine.starts_with("armv7"))
        platform = {.os = "linux", .architecture = "arm", .variant = "v7"};
    else if (machine.starts_with("armv6"))
        platform = {.os = "linux", .architecture = "arm", .variant = "v6"};
    else
        platform.architecture = machine;  // ppc64le, s390x, riscv64 use the same words
    return platform;
}

Platform Platform::from_json(const json::Value& object, std::string_view what) {
    Platform platform;
    platform.os = json::required_string(object, "os", what);
    platform.architecture = json::required_string(object, "architecture", what);
    platform.variant = json::optional_string(object, "variant", what).value_or("");
    platform.os_version = json::optional_string(object, "os.version", what).value_or("");
    platform.os_features = json::string_array(object, "os.features", what);
    return platform;
}

void Platform::write_json(json::Writer& writer) const {
    writer.StartObject();
    json::write_key_string(writer, "architecture", architecture);
    json::write_key_string(writer, "os", os);
    if (!os_version.empty()) json::write_key_string(writer, "os.version", os_version);
    if (!os_features.empty()) json::write_string_array(writer, "os.features", os_features);
    if (!variant.empty()) json::write_key_string(writer, "variant", variant);
    writer.EndObject();
}

std::string Platform::str() const {
    std::string out = os + "/" + architecture;
    if (!variant.empty()) out += "/" + variant;
    return out;
}

bool Platform::satisfies(const Platform& wanted) const {
    if (os != wanted.os || architecture != wanted.architecture) return false;
    return wanted.variant.empty() || normalized_variant(*this) == normalized_variant(wanted);
}

}  // namespace cairn::oci
