// The build view: cargo sees the checkout, CARGO_HOME and the target directory at paths that are
// the same on every machine, so that what it records and what rustc compiles in does not depend
// on where they really are. cargo's fingerprints hold the absolute path of every non-workspace
// source (a vendored directory source, a git checkout or an unpacked registry crate under
// CARGO_HOME), build scripts get an absolute OUT_DIR, and binaries carry source paths (panic
// locations, debug info): at another checkout path or with another CARGO_HOME, a restored base
// would be recompiled and the image would differ. Docker got this for free from the container;
// the view gets it without privileges or namespaces, from symbolic links in a fixed directory.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "oci/file.hpp"

namespace cairn::assemble {

// Bumped when the view's layout (or the remapped names) change: it is part of the base key,
// since a base built through another layout is not fresh through this one.
inline constexpr const char* kBuildViewLayout = "1";

// $CAIRN_VIEW_ROOT when set, else /tmp/cairn-view. Not $TMPDIR: the path is in every fingerprint,
// so the machines sharing a base must agree on it, and /tmp is the one such directory every
// machine lets a user make.
std::filesystem::path build_view_root();

// The user's CARGO_HOME as cargo finds it: $CARGO_HOME, else $HOME/.cargo (absolute).
std::filesystem::path user_cargo_home();

// What a view shows; all paths real and absolute.
struct BuildViewPlan {
    // Mirrored at the view's sources: an ancestor of (or equal to) the project directory, the
    // cargo directory and the workspace root.
    std::filesystem::path anchor;
    std::filesystem::path cargo_dir;  // under `anchor`: where cargo runs
    std::filesystem::path cargo_home;
    std::filesystem::path target_dir;
};

// The deepest directory holding all of `paths` (each absolute and lexically normal).
std::filesystem::path common_ancestor(const std::vector<std::filesystem::path>& paths);

// One view per project under the root, held by one build at a time (a second build of the same
// project, from any checkout, waits for it: each fills the view with its own links). Nothing of
// the checkout or CARGO_HOME is changed: the view holds symbolic links to their entries, and
// real directories only along the path from the anchor down to the cargo directory, since cargo
// finds its config (.cargo/config.toml) by walking up from the physical working directory.
class BuildView {
  public:
    // `name` is the project's image name (made safe as one file name). Takes the view, waiting
    // (after `on_wait`) while another build holds it, and fills it for `plan`. Refuses a root or
    // a view that is a symbolic link, is another user's, or that others may write to.
    BuildView(const std::filesystem::path& root, const std::string& name, const BuildViewPlan& plan,
              const std::function<void()>& on_wait);
    // Takes the links away again (before the view is let go): no link outlives the build.
    ~BuildView();
    BuildView(const BuildView&) = delete;
    BuildView& operator=(const BuildView&) = delete;

    // Where cargo runs, and the target directory and CARGO_HOME it is given.
    std::filesystem::path cargo_dir() const { return cargo_dir_; }
    std::filesystem::path target_dir() const { return directory_ / "t"; }
    std::filesystem::path cargo_home() const { return directory_ / "h"; }

    // rustc flags that name the view's paths /cairn/src, /cairn/cargo-home and /cairn/target in
    // what it compiles. They are the same on every machine, so they do not change a fingerprint
    // from one to another.
    std::vector<std::string> remap_flags() const;

  private:
    std::filesystem::path directory_;
    oci::DirectoryLock lock_;
    std::filesystem::path cargo_dir_;
};

// cargo config files above `anchor` (in its strict ancestors), which cargo reads in the checkout
// but not through the view (CARGO_HOME's own is read through the view's home): the build says so
// rather than building differently in silence.
std::vector<std::filesystem::path> configs_above(const std::filesystem::path& anchor,
                                                 const std::filesystem::path& cargo_home);

}  // namespace cairn::assemble
