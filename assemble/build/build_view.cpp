// The view's directories checked as a shared /tmp needs, and filled with links.
#include "assemble/build/build_view.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "oci/error.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

// A directory in a place others may write to (/tmp): made private, and then trusted only if it
// is a real directory of ours that nobody else may write to, since its links decide what cargo
// compiles. `what` names it in errors.
void private_directory(const fs::path& path, const std::string& what) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        throw Error(system_error_text("cannot make " + what + " " + path.string(), errno));
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0)
        throw Error(system_error_text("cannot read " + what + " " + path.string(), errno));
    std::string problem;
    if (!S_ISDIR(info.st_mode))
        problem = "is not a directory";
    else if (info.st_uid != ::geteuid())
        problem = "belongs to uid " + std::to_string(info.st_uid);
    else if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0 && ::chmod(path.c_str(), 0700) != 0)
        problem = "may be written by other users";  // ours: made private, what it holds is checked
    if (!problem.empty()) {
        throw Error(what + " " + path.string() + " " + problem +
                    ": set CAIRN_VIEW_ROOT to a directory of your own (the same on every machine "
                    "that shares bases)");
    }
}

fs::path prepare(const fs::path& root, const std::string& name) {
    if (!root.is_absolute())
        throw Error("CAIRN_VIEW_ROOT \"" + root.string() + "\" is not an absolute path");
    // cargo splits CARGO_BUILD_RUSTFLAGS, where the view's paths go, on spaces.
    if (root.string().find_first_of(" \t\n") != std::string::npos)
        throw Error("CAIRN_VIEW_ROOT \"" + root.string() + "\" holds a space: choose one without");
    std::error_code ec;
    if (root.has_parent_path()) fs::create_directories(root.parent_path(), ec);
    private_directory(root, "the build view root");
    std::string safe;
    for (char c : name)
        safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
    if (safe.empty() || safe.front() == '.') safe.insert(0, "_");
    auto directory = root / safe;
    private_directory(directory, "the build view");
    return directory;
}

// `view` shows `real`: a link per entry, except the entry on the way down to the cargo
// directory (`rest`), which becomes a real directory shown the same way.
void mirror(const fs::path& real, const fs::path& view, fs::path::iterator rest,
            fs::path::iterator end) {
    fs::create_directory(view);
    std::error_code ec;
    fs::directory_iterator entries(real, ec);
    if (ec) throw Error("cannot list " + real.string() + " for the build view: " + ec.message());
    for (const auto& entry : entries) {
        auto name = entry.path().filename();
        if (rest != end && name == *rest && entry.is_directory(ec) && !entry.is_symlink(ec)) {
            mirror(entry.path(), view / name, std::next(rest), end);
        } else {
            fs::create_symlink(entry.path(), view / name);
        }
    }
    if (rest != end && !fs::is_directory(view / *rest))
        throw Error("the build view has no directory " + (view / *rest).string());
}

// A link `link` to the directory `real`, made first if missing (cargo makes both on first use).
void link_directory(const fs::path& real, const fs::path& link) {
    fs::create_directories(real);
    fs::create_directory_symlink(real, link);
}

}  // namespace

fs::path build_view_root() {
    const char* root = std::getenv("CAIRN_VIEW_ROOT");
    return root != nullptr && *root != '\0' ? fs::path(root) : fs::path("/tmp/cairn-view");
}

fs::path user_cargo_home() {
    if (const char* home = std::getenv("CARGO_HOME"); home != nullptr && *home != '\0')
        return fs::absolute(home).lexically_normal();
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0')
        throw Error("neither CARGO_HOME nor HOME is set: cargo has no home to use");
    return fs::path(home) / ".cargo";
}

fs::path common_ancestor(const std::vector<fs::path>& paths) {
    if (paths.empty()) return {};
    fs::path common = paths.front();
    for (const auto& path : paths) {
        fs::path shared;
        auto a = common.begin();
        auto b = path.begin();
        for (; a != common.end() && b != path.end() && *a == *b; ++a, ++b) shared /= *a;
        common = shared;
    }
    return common;
}

BuildView::BuildView(const fs::path& root, const std::string& name, const BuildViewPlan& plan,
                     const std::function<void()>& on_wait)
    : directory_(prepare(root, name)), lock_(directory_, on_wait) {
    auto relative = plan.cargo_dir.lexically_relative(plan.anchor);
    if (relative.empty() || *relative.begin() == "..") {
        throw Error("the cargo directory " + plan.cargo_dir.string() + " is not under " +
                    plan.anchor.string());
    }
    // What an earlier build left: links and the directories that hold them (remove_all does
    // not follow links, so nothing of a checkout is touched).
    for (const char* entry : {"s", "h", "t"}) fs::remove_all(directory_ / entry);
    if (relative == ".") relative.clear();
    mirror(plan.anchor, directory_ / "s", relative.begin(), relative.end());
    cargo_dir_ = relative.empty() ? directory_ / "s" : directory_ / "s" / relative;
    link_directory(plan.cargo_home, cargo_home());
    link_directory(plan.target_dir, target_dir());
}

BuildView::~BuildView() {
    std::error_code ec;
    for (const char* entry : {"s", "h", "t"}) fs::remove_all(directory_ / entry, ec);
}

std::vector<std::string> BuildView::remap_flags() const {
    return {"--remap-path-prefix=" + (directory_ / "s").string() + "=/cairn/src",
            "--remap-path-prefix=" + cargo_home().string() + "=/cairn/cargo-home",
            "--remap-path-prefix=" + target_dir().string() + "=/cairn/target"};
}

std::vector<fs::path> configs_above(const fs::path& anchor, const fs::path& cargo_home) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (auto directory = anchor.parent_path();; directory = directory.parent_path()) {
        // CARGO_HOME's own config is read through the view's home.
        if (directory / ".cargo" != cargo_home) {
            for (const char* file : {".cargo/config.toml", ".cargo/config"}) {
                if (fs::is_regular_file(directory / file, ec)) found.push_back(directory / file);
            }
        }
        if (directory == directory.root_path() || directory.empty()) break;
    }
    return found;
}

}  // namespace cairn::assemble
