// `cairn cache ls | gc [--keep-days N] | path`: what the local cache holds, and clearing it.
#include <cstdio>
#include <ctime>
#include <iostream>

#include "assemble/build/cache.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace cairn::cli {

namespace {

std::string utc_minute(std::filesystem::file_time_type time) {
    auto seconds = std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(
            std::chrono::file_clock::to_sys(time)));
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%MZ", &parts);
    return text;
}

int list() {
    auto directory = assemble::cache_directory();
    auto contents = assemble::list_cache(directory);
    std::size_t width = 4;
    for (const auto& base : contents.bases) width = std::max(width, base.tag.size());
    std::printf("%-*s  %10s  %s\n", static_cast<int>(width), "BASE", "SIZE", "LAST USED");
    for (const auto& base : contents.bases) {
        std::printf("%-*s  %10s  %s\n", static_cast<int>(width), base.tag.c_str(),
                    human_bytes(base.size).c_str(), utc_minute(base.last_used).c_str());
    }
    std::printf("layers: %llu, %s\n", static_cast<unsigned long long>(contents.layer_count),
                human_bytes(contents.layer_bytes).c_str());
    if (contents.stale_files > 0) {
        std::printf("temporary files of interrupted runs: %llu, %s (the next build, append or "
                    "cache gc removes them)\n",
                    static_cast<unsigned long long>(contents.stale_files),
                    human_bytes(contents.stale_bytes).c_str());
    }
    return 0;
}

int collect(int keep_days) {
    auto directory = assemble::cache_directory();
    auto result =
        assemble::collect_cache(directory, std::chrono::hours(24) * keep_days, [&directory] {
            status("waiting for running cairn builds to finish with " + directory.string());
        });
    status("removed " + std::to_string(result.bases_removed) + " base(s) and " +
           std::to_string(result.blobs_removed) + " blob(s) unused for " +
           std::to_string(keep_days) + " day(s) from " + directory.string() + ": " +
           human_bytes(result.bytes_freed) + " freed");
    return 0;
}

}  // namespace

Runner add_cache_command(CLI::App& app) {
    auto* command = app.add_subcommand("cache", "Show or clean the local cache");
    command->require_subcommand(1);
    auto* ls = command->add_subcommand("ls", "List the bases and layers in the cache");
    auto* gc = command->add_subcommand(
        "gc", "Remove bases and layers not used for --keep-days days (default 30)");
    auto keep_days = std::make_shared<int>(30);
    gc->add_option("--keep-days", *keep_days, "days a base or layer is kept after its last use")
        ->check(CLI::Range(0, 36500))
        ->option_text(" DAYS");
    auto* path = command->add_subcommand("path", "Print the cache directory");
    return [ls, gc, path, keep_days] {
        if (ls->parsed()) return list();
        if (gc->parsed()) return collect(*keep_days);
        if (path->parsed()) {
            std::cout << assemble::cache_directory().string() << '\n';
            return 0;
        }
        return 2;  // require_subcommand(1) leaves no other way here
    };
}

}  // namespace cairn::cli
