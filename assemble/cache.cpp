// The local cache's location.
#include "assemble/cache.hpp"

#include <cstdlib>

#include "oci/error.hpp"

namespace cairn::assemble {

std::filesystem::path cache_directory() {
    auto from_env = [](const char* name) -> std::filesystem::path {
        const char* value = std::getenv(name);
        return value && *value ? value : "";
    };
    if (auto explicit_path = from_env("CAIRN_CACHE"); !explicit_path.empty()) return explicit_path;
    if (auto xdg = from_env("XDG_CACHE_HOME"); !xdg.empty()) return xdg / "cairn";
    if (auto home = from_env("HOME"); !home.empty()) return home / ".cache" / "cairn";
    throw Error("no cache directory: set CAIRN_CACHE, XDG_CACHE_HOME or HOME");
}

}  // namespace cairn::assemble
