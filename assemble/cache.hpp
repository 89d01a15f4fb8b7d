// Where the local cache lives: `$CAIRN_CACHE`, else `$XDG_CACHE_HOME/cairn`, else `~/.cache/cairn`.
#pragma once

#include <filesystem>

namespace cairn::assemble {

std::filesystem::path cache_directory();

}  // namespace cairn::assemble
