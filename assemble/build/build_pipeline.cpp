// The steps of `cairn build` in order, each timed; the work itself lives in the files it names.
#include "assemble/build/build_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>

#include "assemble/build/app_layers.hpp"
#include "assemble/build/base_cache.hpp"
#include "assemble/build/base_key.hpp"
#include "assemble/build/base_layer.hpp"
#include "assemble/build/base_record.hpp"
#include "assemble/build/build_config.hpp"
#include "assemble/build/build_step.hpp"
#include "assemble/build/build_view.hpp"
#include "assemble/build/cache.hpp"
#include "assemble/build/native_build.hpp"
#include "assemble/build/tool_log.hpp"
#include "oci/digest.hpp"
#include "assemble/build/tag_template.hpp"
#include "assemble/layer/layer.hpp"
#include "assemble/layer/layer_cache.hpp"
#include "assemble/transport/cached_source.hpp"
#include "assemble/transport/ship.hpp"
#include "assemble/transport/stack.hpp"
#include "oci/blob_store.hpp"
#include "oci/error.hpp"
#include "oci/output_file.hpp"
#include "oci/file.hpp"
#include "oci/image.hpp"
#include "oci/stream.hpp"
#include "registry/child_process.hpp"
#include "registry/listing_requests.hpp"
#include "registry/reference.hpp"
#include "registry/registry_session.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// What the steps share for one build (not a god object: it lives only in this file).
struct Build {
    const BuildOptions& options;
    BuildObserver& observer;
    BuildConfig config;
    const Profile* profile = nullptr;
    Transports transports;
    std::unique_ptr<oci::ImageSource> base_source;  // null for scratch
    oci::Image base;
    fs::path cache_dir = cache_directory();
    fs::path target_dir;
    std::optional<WorkspaceNames> workspace;  // read once the build directories are held
    std::vector<BasePart> parts;
    BaseRecord record;  // what the base of this build is made from (its labels)
    CargoUnits units;   // the units of the cargo build: what a new base keeps
    // npm's layers of the nearest earlier base, which the new base keeps as they are (its
    // node_modules is theirs, and this build does not unpack it): restore_nearest_base.
    std::vector<BaseLayer> carried_npm_layers;
    // The npm step's key and, when it is skipped on a fresh checkout, its earlier UI layer.
    std::optional<StepInputs> npm_inputs;
    std::optional<LayerDigests> npm_layer;
    // The same for `cargo build`: its key and, when it is skipped, its earlier binary layer.
    std::optional<StepInputs> cargo_inputs;
    std::optional<LayerDigests> cargo_layer;
    // Where each step's report is in result.steps.
    std::optional<std::size_t> npm_step, cargo_step;
    std::string node_version;  // `node --version`, asked once for the base key and the step's
    BuildResult result;

    Build(const BuildOptions& o, BuildObserver& p)
        : options(o),
          observer(p),
          config(load_build_config(o.config_file.empty() ? o.project_dir / "cairn.toml"
                                                         : o.config_file)),
          transports(o.transport),
          base(scratch_image(oci::Platform::host())) {}

    void say(const std::string& line) const { observer.line(line); }
    void phase(std::string_view name) const { observer.phase(name); }
    oci::Meter* meter() const { return &observer.meter(); }
};

void open_runtime_base(Build& build) {
    const auto& reference = build.config.image.base;
    if (reference.transport == ImageReference::Transport::scratch) return;
    build.say("runtime base " + reference.text);
    build.base_source = build.transports.open_source(reference);
    // Its manifest is asked for every build (the tag may move); what that names by digest is
    // read once and then comes from the cache.
    oci::BlobStore cache(build.cache_dir);
    CachedSource cached(*build.base_source, cache);
    build.base = oci::load_image(cached, oci::Platform::host());
}

// REGISTRY/NAME<suffix> of the profile's registry: ":TAG" for the image, "-base:KEY" for a base.
std::string registry_reference(const Build& build, const std::string& suffix) {
    return build.profile->registry + "/" + build.config.image.name + suffix;
}

std::string registry_base_reference(const Build& build) {
    return registry_reference(build, "-base:" + build.result.base_key);
}

// Where the image goes: the profile's registry, or with --local-only the --output reference
// (default oci:<project>/cairn-out:<tag>).
std::string output_reference(const Build& build) {
    if (!build.options.local_only) return registry_reference(build, ":" + build.result.tag);
    if (!build.options.output.empty()) return build.options.output;
    return "oci:" + (build.config.project_dir / "cairn-out").string() + ":" + build.result.tag;
}

// The directories the config names, checked before any work: a clear line, not a failing tool.
void check_directories(const BuildConfig& config) {
    auto check = [&config](const char* key, const fs::path& directory) {
        std::error_code ec;
        if (!fs::is_directory(directory, ec)) {
            throw Error(config.file.string() + ": " + key + " \"" + directory.string() +
                        "\" is not a directory");
        }
    };
    if (config.cargo) check("cargo.dir", config.cargo->dir);
    if (config.npm) check("npm.dir", config.npm->dir);
}

// Whether the registry holds the base; with `fetch`, it is copied into the cache as well.
// Only "no such manifest" means there is none: any other failure (auth, network after the
// retries) stops the build here, since the push at the end needs the same registry.
bool find_in_registry(Build& build, const BaseCache& cache, bool fetch) {
    auto reference = registry_base_reference(build);
    build.say("looking for base " + reference);
    try {
        auto source = build.transports.open_source(ImageReference::parse(reference));
        if (!fetch) {
            source->top();
            return true;
        }
        auto start = Clock::now();
        cache.pull(*source, build.options.jobs, build.meter());
        build.result.times.base += seconds_since(start);
        build.say("pulled base " + reference);
        return true;
    } catch (const NotFound&) {
        build.say("no base " + reference + " yet");
        return false;
    }
}

// Two cairn builds of one project would restore, build and pack the same directories at once: each
// takes the build directories first, in path order so that two builds of overlapping projects
// cannot deadlock.
std::vector<oci::DirectoryLock> lock_build_directories(const Build& build) {
    std::vector<fs::path> directories;
    if (build.config.cargo) {
        fs::create_directories(build.target_dir);
        directories.push_back(fs::canonical(build.target_dir));
    }
    if (build.config.npm) directories.push_back(fs::canonical(build.config.npm->dir));
    std::sort(directories.begin(), directories.end());
    directories.erase(std::unique(directories.begin(), directories.end()), directories.end());
    std::vector<oci::DirectoryLock> locks;
    for (const auto& directory : directories) {
        locks.emplace_back(directory, [&build, &directory] {
            build.say("waiting for another cairn build using " + directory.string());
        });
    }
    return locks;
}

// Where the tools' whole output goes: one directory per project in the cache, replaced by
// each build (the project's own tree is left alone, and two projects keep theirs apart).
fs::path log_directory(const Build& build) {
    auto project = oci::Digest::of(build.config.project_dir.string());
    return build.cache_dir / "logs" / std::string(project.hex().substr(0, 16));
}

// cargo runs through the project's build view (build_view.hpp), so that neither its fingerprints
// nor the binaries hold this machine's paths; the view is held until cargo is done.
// (build.target_dir must be set.)
std::optional<BuildView> open_build_view(Build& build) {
    if (!build.config.cargo) return std::nullopt;
    const auto& cargo = *build.config.cargo;
    build.workspace = workspace_names(cargo);
    BuildViewPlan plan{.cargo_dir = fs::canonical(cargo.dir),
                       .cargo_home = user_cargo_home(),
                       .target_dir = build.target_dir};
    plan.anchor = common_ancestor({fs::canonical(build.config.project_dir), plan.cargo_dir,
                                   fs::weakly_canonical(build.workspace->root)});
    for (const auto& config : configs_above(plan.anchor, plan.cargo_home)) {
        build.say("warning: cargo does not read " + config.string() + " in the build view " +
                  "(it lies above " + plan.anchor.string() + "): move its settings into the " +
                  "project's .cargo/config.toml or CARGO_HOME");
    }
    return std::optional<BuildView>(std::in_place, build_view_root(), build.config.image.name,
                                    plan, [&build] {
                                        build.say("waiting for another build of " +
                                                  build.config.image.name +
                                                  " to finish with its build view");
                                    });
}

// How cargo and npm run: cargo through the view, when there is one.
NativeBuildOptions native_options(const Build& build, const std::optional<BuildView>& view) {
    NativeBuildOptions options{.target_dir = build.target_dir, .log_dir = log_directory(build)};
    if (view) {
        options.target_dir = view->target_dir();
        options.cargo_dir = view->cargo_dir();
        options.cargo_home = view->cargo_home();
        options.rustflags = view->remap_flags();
        options.workspace = &*build.workspace;
    }
    return options;
}

// Where the base is, and what becomes of it after the app build.
struct BasePlan {
    bool make = false;         // pack the build directories into a new base
    bool share = false;        // push the base (made now or cached) to the registry
    bool in_cache = false;     // the base is in the local cache
    bool in_registry = false;  // the registry has it (looked for only when the cache has not)
};

// The parts of one tool: "cargo/" (the target's deps, .fingerprint and build) or "npm/"
// (node_modules).
std::vector<BasePart> parts_of(const std::vector<BasePart>& parts, std::string_view tool) {
    std::vector<BasePart> of_tool;
    for (const auto& part : parts) {
        if (part.member.starts_with(tool)) of_tool.push_back(part);
    }
    return of_tool;
}

std::vector<std::string> members_of(const std::vector<BasePart>& parts, std::string_view tool) {
    std::vector<std::string> members;
    for (const auto& part : parts_of(parts, tool)) members.push_back(part.member);
    return members;
}

std::string npm_step_name(const Build& build) {
    return "npm run " + build.config.npm->script;
}

constexpr const char* kCargoStepName = "cargo build";

bool npm_step_skipped(const Build& build) {
    return build.npm_step && build.result.steps[*build.npm_step].skipped;
}

// Unpacks the base `cache` holds into the build directories, but for the parts `left_alone`
// names; gives the bytes restored.
std::uint64_t restore_base(Build& build, const BaseCache& cache,
                           const std::optional<BuildView>& view,
                           const std::vector<std::string>& left_alone = {}) {
    auto start = Clock::now();
    // A git dependency is checked out (and a registry crate unpacked) before the restore, so
    // that the restored base, dated to now, is newer than its sources: else a build script that
    // watches its files would run again, and its crate be compiled again. (Today's cargo already
    // checks git dependencies out for `cargo metadata`, run when the view was made; this does
    // not rely on it.)
    auto cargo = members_of(build.parts, "cargo/");
    bool cargo_restored = std::any_of(cargo.begin(), cargo.end(), [&](const std::string& member) {
        return std::find(left_alone.begin(), left_alone.end(), member) == left_alone.end();
    });
    if (build.config.cargo && cargo_restored) {
        if (auto problem = fetch_cargo_sources(*build.config.cargo, native_options(build, view)))
            build.say("warning: " + *problem + " (the build goes on)");
    }
    auto bytes = cache.restore(build.parts, build.meter(), build.options.jobs, left_alone);
    build.result.times.base += seconds_since(start);
    return bytes;
}

// An earlier base of the project, and how near it is to the one this build needs.
struct BaseCandidate {
    std::string key;     // "cargo-<12 hex>"
    bool local = false;  // in the local cache, else only in the registry
    Nearness near;
};

// The registry's earlier bases read at most: a record costs two requests.
constexpr std::size_t kMostRegistryCandidates = 64;

// Whether a tag (which the registry chose) is a base key cairn made: "cargo-<12 hex>". Only
// those are read, and named in messages.
bool is_base_key(std::string_view tag) {
    if (tag.size() != 18 || !tag.starts_with("cargo-")) return false;
    return tag.substr(6).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// The nearest earlier base of the project (the most packages of this Cargo.lock built with
// this toolchain), from the cache first, then (without --local-only) from the registry's
// `NAME-base:cargo-*` tags. A base that cannot be read is no candidate; a registry that cannot
// be asked is said and passed over: the build compiles the dependencies instead.
std::optional<BaseCandidate> nearest_base(Build& build) {
    const auto& name = build.config.image.name;
    std::optional<BaseCandidate> best;
    auto consider = [&best](BaseCandidate candidate) {
        if (!candidate.near.useful()) return;
        if (!best || candidate.near.better_than(best->near)) best = std::move(candidate);
    };
    auto local = BaseCache::cached_keys(build.cache_dir, name);
    for (const auto& key : local) {
        if (key == build.result.base_key || !is_base_key(key)) continue;
        try {
            BaseCache cached(build.cache_dir, name, key);
            consider({.key = key, .local = true, .near = nearness(build.record, cached.record())});
        } catch (const Error&) {
        }
    }
    if (build.options.local_only) return best;
    auto repository = registry_reference(build, "-base");
    std::vector<std::string> tags;
    try {
        auto reference = registry::Reference::parse(repository);
        auto client = build.transports.session_for(reference).client(reference);
        tags = registry::list_tags(*client, reference.repository(), repository);
    } catch (const NotFound&) {
        return best;
    } catch (const Error& error) {
        build.say("warning: the earlier bases in " + repository + " could not be listed (" +
                  error.what() + ")");
        return best;
    }
    std::size_t read = 0;
    for (const auto& tag : tags) {
        if (!is_base_key(tag) || tag == build.result.base_key ||
            std::binary_search(local.begin(), local.end(), tag))
            continue;
        if (read++ == kMostRegistryCandidates) break;
        try {
            auto source = build.transports.open_source(
                ImageReference::parse(registry_reference(build, "-base:" + tag)));
            consider({.key = tag, .near = nearness(build.record, read_base_record(*source))});
        } catch (const Error&) {
        }
    }
    return best;
}

// npm's layers of a base, or none when one of its layers may hold both tools' entries (a base
// of an earlier cairn): then node_modules is restored and packed again.
std::vector<BaseLayer> npm_layers(const std::vector<BaseLayer>& layers) {
    std::vector<BaseLayer> npm;
    for (const auto& layer : layers) {
        auto tool = base_layer_tool(layer.group);
        if (tool.empty()) return {};
        if (tool == "npm") npm.push_back(layer);
    }
    return npm;
}

// Starts the build from `nearest`: cargo then compiles only the crates whose inputs changed and
// what depends on them. node_modules is kept only when node and package-lock.json are the
// same; else it goes, and `npm ci` installs it. False (said) when the restore failed: the build
// then starts from nothing.
bool restore_nearest_base(Build& build, const BaseCandidate& nearest,
                          const std::optional<BuildView>& view) {
    BaseCache from(build.cache_dir, build.config.image.name, nearest.key);
    try {
        if (!nearest.local) {
            auto start = Clock::now();
            auto reference = registry_reference(build, "-base:" + nearest.key);
            auto source = build.transports.open_source(ImageReference::parse(reference));
            from.pull(*source, build.options.jobs, build.meter());
            build.result.times.base += seconds_since(start);
        }
        from.mark_used();
        std::vector<std::string> left_alone;
        if (build.config.npm && !nearest.near.same_npm) {
            left_alone = members_of(build.parts, "npm/");
            for (const auto& part : build.parts) {
                if (part.member.starts_with("npm/")) fs::remove_all(part.directory);
            }
        } else if (build.config.npm && npm_step_skipped(build)) {
            // The same node_modules, which this build does not use: the new base keeps the
            // earlier one's npm layers as they are, and they are not unpacked here.
            build.carried_npm_layers = npm_layers(from.layers());
            if (!build.carried_npm_layers.empty()) left_alone = members_of(build.parts, "npm/");
        }
        restore_base(build, from, view, left_alone);
    } catch (const Error& error) {
        build.say("warning: the earlier base " + nearest.key + " could not be restored (" +
                  error.what() + ")");
        build.carried_npm_layers.clear();  // the build starts from nothing, npm's part too
        return false;
    }
    build.result.base_nearest = nearest.key;
    std::string what = std::to_string(nearest.near.shared_packages) + " of " +
                       std::to_string(build.record.cargo_packages.size()) + " crates";
    if (nearest.near.same_npm) what += " and node_modules";
    what += " at the same version";
    if (!build.carried_npm_layers.empty())
        what += "; node_modules not restored, as " + npm_step_name(build) +
                " is skipped: the new base keeps its " +
                std::to_string(build.carried_npm_layers.size()) + " layers";
    build.say("base " + build.result.base_key + ": starting from the nearest earlier base " +
              nearest.key + " (" + what + ")");
    return true;
}

// Restores the nearest earlier base, if there is one: false when there is none, or it could not
// be restored. Looking for it counts as the base's time, as the restore does.
bool start_from_nearest_base(Build& build, const std::optional<BuildView>& view) {
    auto start = Clock::now();
    auto nearest = nearest_base(build);
    build.result.times.base += seconds_since(start);
    return nearest && restore_nearest_base(build, *nearest, view);
}

// The parts of the base this build leaves as they are: a tool's that are warm here already
// (restored over, they would be dated anew, and cargo would compile the workspace again), and
// those of a skipped step, whose tool does not run: node_modules, most of a base's files, when
// the npm step is skipped; cargo's when its binaries come from an earlier run.
std::vector<std::string> parts_not_needed(const Build& build) {
    std::vector<std::string> left_alone;
    for (std::string_view tool : {"cargo/", "npm/"}) {
        auto parts = parts_of(build.parts, tool);
        bool skipped = tool == "npm/" ? npm_step_skipped(build) : build.cargo_layer.has_value();
        if (!parts.empty() && (skipped || base_is_warm(parts))) {
            for (const auto& part : parts) left_alone.push_back(part.member);
        }
    }
    return left_alone;
}

// Says which cold parts stay so for a skipped step: " (not restored: node_modules, as npm run
// build is skipped)", or nothing.
std::string not_restored(const Build& build) {
    std::vector<std::string> what;
    if (npm_step_skipped(build) && !base_is_warm(parts_of(build.parts, "npm/")))
        what.push_back("node_modules, as " + npm_step_name(build) + " is skipped");
    if (build.cargo_layer && !base_is_warm(parts_of(build.parts, "cargo/")))
        what.push_back(std::string("cargo's target, as ") + kCargoStepName + " is skipped");
    if (what.empty()) return "";
    std::string text = " (not restored: " + what.front();
    if (what.size() > 1) text += "; " + what.back();
    return text + ")";
}

// Where the base of this build is: in the cache, in the registry, or nowhere yet (this build
// makes it). Nothing is pulled or restored yet: which steps run decides what is needed of it.
BasePlan find_base(Build& build, const BaseCache& cache) {
    const auto& key = build.result.base_key;
    bool registry = !build.options.local_only;
    if (build.options.rebuild_base) return {.make = true, .share = registry};
    BasePlan plan;
    if (cache.has()) {
        plan.in_cache = true;
        cache.mark_used();
        // Made by a --local-only build, or its push failed: the registry is the shared cache,
        // so it goes there now.
        if (registry && !find_in_registry(build, cache, false)) {
            build.say("base " + key + ": only in the local cache, pushed after the build");
            plan.share = true;
        }
        return plan;
    }
    if (registry && find_in_registry(build, cache, false)) {
        plan.in_registry = true;
        return plan;
    }
    return {.make = true, .share = registry};
}

// Readies the build directories: of a base that exists, the parts this build needs and are cold
// here are restored (pulled first when only the registry has it); a base to be made starts from
// the warm directories, else from the nearest earlier base.
void ready_base(Build& build, const BaseCache& cache, const BasePlan& plan,
                const std::optional<BuildView>& view) {
    const auto& key = build.result.base_key;
    if (build.options.rebuild_base) {
        // A forced rebuild starts cold: what is there may be what went wrong.
        for (const auto& part : build.parts) fs::remove_all(part.directory);
        build.say("base " + key + ": rebuilding from scratch (--rebuild-base)");
        return;
    }
    if (plan.make) {
        if (base_is_warm(build.parts)) {
            build.say("base " + key + ": none yet, cargo and npm build on the warm directories");
        } else if (!start_from_nearest_base(build, view)) {
            build.say("base " + key + ": none yet, building the dependencies");
        }
        return;
    }
    // Not made (cargo is skipped) and nowhere to restore from: npm installs node_modules.
    if (!plan.in_cache && !plan.in_registry) return;
    auto left_alone = parts_not_needed(build);
    if (left_alone.size() == build.parts.size()) {
        build.say("base " + key + ": build directories already warm" + not_restored(build) +
                  ", not restored");
        return;
    }
    if (!plan.in_cache) find_in_registry(build, cache, true);
    auto bytes = restore_base(build, cache, view, left_alone);
    build.result.base_restored = true;
    build.say("base " + key + ": restored " + std::to_string(bytes) + " bytes from " +
              cache.reference() + not_restored(build));
}

void store_base(Build& build, const BaseCache& cache) {
    build.phase("base");
    auto start = Clock::now();
    // The base is packed after the whole build; the workspace's own crates and path dependencies
    // stay out of it, as they change with every commit: kept, they would make the base bigger
    // and, dated by the restore (base_layer.cpp), could hide an edit. So do the units no longer
    // in the dependency graph (an earlier base's, before Cargo.lock changed).
    auto parts = build.parts;
    if (build.workspace) {
        auto workspace = std::make_shared<WorkspaceNames>(*build.workspace);
        auto units = std::make_shared<CargoUnits>(build.units);
        for (auto& part : parts) {
            if (!part.member.starts_with("cargo/")) continue;
            part.leave_out = [workspace, units](std::string_view entry) {
                return workspace->owns(entry) || units->unused(entry);
            };
        }
    }
    if (!build.carried_npm_layers.empty()) {
        std::erase_if(parts, [](const BasePart& part) { return part.member.starts_with("npm/"); });
    }
    auto layers = cache.store(parts, build.options.jobs, build.record, build.carried_npm_layers);
    std::int64_t bytes = 0;
    for (const auto& layer : layers) {
        bytes += layer.digests.size;
        if (layer.kept) ++build.result.base_layers_kept;
    }
    build.result.base_built = true;
    std::string kept;
    if (build.result.base_layers_kept > 0) {
        kept = "; " + std::to_string(build.result.base_layers_kept) +
               " unchanged since the restore, kept unread";
    }
    build.say("base " + build.result.base_key + ": stored " + std::to_string(layers.size()) +
              " layers (" + std::to_string(bytes) + " bytes" + kept + ") in " + cache.reference());
    build.result.times.base += seconds_since(start);
}

void push_base(Build& build, const BaseCache& cache) {
    build.phase("base");
    auto start = Clock::now();
    auto reference = registry_base_reference(build);
    build.say("pushing base " + reference);
    auto target = build.transports.open_target(ImageReference::parse(reference));
    auto pushed = cache.push(*target, build.options.jobs, build.meter());
    // Every byte cairn uploads counts, the base's too.
    build.result.bytes_written += pushed.bytes_copied;
    build.result.bytes_skipped += pushed.bytes_skipped;
    build.result.base_bytes_written = pushed.bytes_copied;
    build.result.times.base += seconds_since(start);
}

// `git …` in the project, or empty with `problem` saying why (outside a checkout, git missing,
// "dubious ownership" in a CI container): expand_tag says so if the template needs the value.
std::string git_value(const Build& build, const std::vector<std::string>& argv,
                      std::string& problem) {
    try {
        return registry::capture_output(argv, build.config.project_dir);
    } catch (const Error& e) {
        problem = e.what();
        return "";
    }
}

// The tag of a --local-only build of a config without the profile: what `docker build` gives.
constexpr const char* kLocalTag = "latest";

std::string image_tag(const Build& build) {
    if (!build.profile) return kLocalTag;
    // {date} is SOURCE_DATE_EPOCH's day when it is set, so a reproducible build tags alike.
    std::int64_t epoch = source_date_epoch();
    TagValues values{.date = utc_date(epoch > 0 ? epoch : std::time(nullptr)),
                     .env = build.options.env};
    const auto& tag = build.profile->tag;
    if (tag.find("{git_") != std::string::npos) {
        values.git_short =
            git_value(build, {"git", "rev-parse", "--short", "HEAD"}, values.git_problem);
        values.git_sha = git_value(build, {"git", "rev-parse", "HEAD"}, values.git_problem);
    }
    return expand_tag(tag, values);
}

void ship_image(Build& build, const StackedImage& image, const oci::BlobStore& store) {
    build.phase("push");
    auto start = Clock::now();
    auto target_text = output_reference(build);
    auto target = build.transports.open_target(ImageReference::parse(target_text));
    if (build.base_source) Transports::mount_from(*build.base_source, *target);
    build.say("writing " + target_text);
    auto stats =
        ship(*target, build.base_source.get(), store, image, build.options.jobs, build.meter());
    build.result.image = target_text;
    build.result.digest = image.manifest.digest.str();
    build.result.bytes_written += stats.bytes_written;
    build.result.bytes_skipped += stats.bytes_skipped;
    build.result.times.push = seconds_since(start);
}

// What no layer takes: the output layout (by default cairn-out/ in the project), the cache and
// --metrics, which may lie in a [[files]] directory and change with every run.
std::vector<oci::FileIdentity> written_outputs(const Build& build) {
    auto outputs = build.options.outputs;
    for (auto identity : output_identities(ImageReference::parse(output_reference(build))))
        outputs.push_back(identity);
    for (auto identity : oci::existing_output_identities(build.cache_dir))
        outputs.push_back(identity);
    return outputs;
}

// What the npm step's key leaves out besides its own output (cargo's target, cairn's cache and
// outputs), and node's version as the base key asked it.
StepContext step_context(const Build& build) {
    StepContext context{.project_dir = build.config.project_dir,
                        .outside = {build.cache_dir},
                        .outputs = written_outputs(build),
                        .node_version = build.node_version};
    if (!build.target_dir.empty()) context.outside.push_back(build.target_dir);
    return context;
}

// The record of the step's `key` in the registry (`NAME-base:<key>`, a one-layer image). With
// `fetch`, its blob is copied into `store` and the record remembered in `records`. A record is
// only a shortcut: a registry that cannot be asked means the step runs, with a warning.
std::optional<StepRecord> find_step_record(Build& build, const std::string& name,
                                           const std::string& key, const StepRecords& records,
                                           oci::BlobStore& store, bool fetch) {
    auto reference = registry_reference(build, "-base:" + key);
    try {
        auto source = build.transports.open_source(ImageReference::parse(reference));
        auto image = oci::load_image(*source, oci::Platform::host());
        auto diff_ids = image.config.diff_ids();
        if (image.manifest.layers.size() != 1 || diff_ids.size() != 1) {
            build.say("warning: " + reference + " is not a step record (one layer): ignored");
            return std::nullopt;
        }
        const auto& layer = image.manifest.layers.front();
        auto compression = layer_compression(layer.media_type);
        StepRecord record{.layer = {.diff_id = diff_ids.front(),
                                    .digest = layer.digest,
                                    .size = layer.size,
                                    .compression = compression}};
        auto labels = image.config.labels();
        if (auto found = labels.find(kStepVariablesLabel); found != labels.end()) {
            auto variables = parse_variable_lines(found->second);
            if (!variables) {
                build.say("warning: " + reference + " names its variables in a form cairn does " +
                          "not write: ignored, the step runs");
                return std::nullopt;
            }
            record.variables = std::move(*variables);
        }
        if (!fetch) return record;
        if (!store.has(layer.digest)) {
            oci::MeteredSource blob(source->open_blob(layer), build.meter());
            auto writer = store.writer();
            copy_stream(blob, *writer);
            writer->commit(layer.digest, layer.size);
        }
        // The blob is checked by its digest; the diff_id the record claims, by unpacking it.
        auto stored = store.open(layer.digest);
        auto tar = make_decompressor(compression, *stored);
        oci::Sha256 hash;
        copy_stream(*tar, hash);
        if (hash.finish() != record.layer.diff_id) {
            build.say("warning: " + reference + " names a diff_id its layer does not have: " +
                      "ignored, the step runs");
            return std::nullopt;
        }
        records.remember(key, record);
        build.say("step " + name + ": its output found in " + reference);
        return record;
    } catch (const NotFound&) {
        return std::nullopt;
    } catch (const Error& error) {
        build.say("warning: the step record " + reference + " could not be read (" +
                  error.what() + "): the step runs");
        return std::nullopt;
    }
}

// Says what became of a step, and adds its report: gives where it is in result.steps.
std::size_t say_step(Build& build, StepReport report, bool skipped, std::string reason) {
    report.skipped = skipped;
    report.reason = std::move(reason);
    build.say("step " + report.name + ": " + (skipped ? "skipped, " : "runs, ") + report.reason +
              (report.key.empty() ? "" : " (" + report.key + ")"));
    build.result.steps.push_back(std::move(report));
    return build.result.steps.size() - 1;
}

// Whether `npm run SCRIPT` can be skipped: its inputs are those of a successful run, and its
// output is what that run made, or (a fresh checkout, where it is not there) the run's layer is
// in the cache or the registry. Says why in the report and the progress.
void decide_npm_step(Build& build, oci::BlobStore& store) {
    if (!build.config.npm) return;
    const auto& npm = *build.config.npm;
    StepReport report{.name = npm_step_name(build)};
    auto decided = [&build, &report](bool skipped, std::string reason) {
        build.npm_step = say_step(build, report, skipped, std::move(reason));
    };
    if (build.options.no_skip) return decided(false, "--no-skip");
    auto context = step_context(build);
    try {
        build.npm_inputs = npm_step_inputs(npm, context, store);
    } catch (const Error& error) {
        return decided(false, std::string("its inputs could not be hashed: ") + error.what());
    }
    report.key = build.npm_inputs->key();
    StepRecords records(build.cache_dir, build.config.project_dir, report.name);
    auto record = records.find(report.key, store);
    bool registry = !build.options.local_only;
    std::error_code ec;
    if (fs::exists(npm.output, ec)) {
        // The output is there to be made into the layer: the registry's record is compared, its
        // blob not fetched.
        if (!record && registry)
            record = find_step_record(build, report.name, report.key, records, store, false);
        if (!record) return decided(false, "no earlier run with these inputs");
        auto output =
            tree_diff_id(ui_layer_source(npm), app_tar_options(context.outputs), store);
        if (output.diff_id != record->layer.diff_id)
            return decided(false, "npm.output is not what the last run with these inputs made");
        return decided(true, "inputs and output unchanged");
    }
    if (records.last_run_here() == report.key)
        return decided(false, "npm.output is missing");
    if (!record && registry)
        record = find_step_record(build, report.name, report.key, records, store, true);
    if (!record) return decided(false, "no earlier run with these inputs");
    build.npm_layer = record->layer;
    return decided(true, "inputs unchanged since an earlier run: its layer is used");
}

// After the layers: the UI layer a run of the npm step made is recorded under its key, and
// under the key of the tree as the run left it when the run changed its own inputs (so that
// both a fresh checkout and this one find it). Gives the keys to push. A step skipped for an
// output that is here and matches is recorded too (its record may have come from the
// registry), and not pushed again.
std::vector<std::string> record_npm_step(Build& build, const LayerDigests& ui,
                                         oci::BlobStore& store) {
    if (!build.npm_inputs || !build.npm_step || build.npm_layer) return {};
    const auto& report = build.result.steps[*build.npm_step];
    StepRecords records(build.cache_dir, build.config.project_dir, report.name);
    if (report.skipped) {
        records.remember(report.key, {.layer = ui});
        records.ran_here(report.key);
        return {};
    }
    std::vector<std::string> keys{report.key};
    try {
        auto after = npm_step_inputs(*build.config.npm, step_context(build), store).key();
        if (after != report.key) keys.push_back(after);
    } catch (const Error& error) {
        build.say("warning: the npm step's inputs could not be hashed after it ran (" +
                  std::string(error.what()) + ")");
    }
    for (const auto& key : keys) records.remember(key, {.layer = ui});
    records.ran_here(keys.back());
    return keys;
}

// Whether `cargo build` can be skipped: only where its binaries are missing (a fresh checkout,
// where cargo would compile every workspace crate again), its inputs are those of a successful
// run in the cache or the registry, and every variable that run found its crates read has the
// value it had. Where the binaries are, cargo runs: its fingerprints know better than a tree's
// key which crates changed, and a no-op costs a tenth of a second. A base made by this build
// needs cargo to run, so it always does then.
void decide_cargo_step(Build& build, oci::BlobStore& store, const BasePlan& base_plan) {
    if (!build.config.cargo || build.config.cargo->bins.empty()) return;
    const auto& cargo = *build.config.cargo;
    StepReport report{.name = kCargoStepName};
    auto decided = [&build, &report](bool skipped, std::string reason) {
        build.cargo_step = say_step(build, report, skipped, std::move(reason));
    };
    if (build.options.no_skip) return decided(false, "--no-skip");
    // npm's output is the npm step's, not a source: a fresh agent that skipped npm has none.
    auto context = step_context(build);
    if (build.config.npm) context.outside.push_back(build.config.npm->output);
    try {
        build.cargo_inputs = cargo_step_inputs(cargo, context, store, build.result.base_key);
    } catch (const Error& error) {
        return decided(false, std::string("its inputs could not be hashed: ") + error.what());
    }
    report.key = build.cargo_inputs->key();
    auto dir = profile_directory(build.target_dir, cargo.profile);
    std::error_code ec;
    bool all_here = std::all_of(cargo.bins.begin(), cargo.bins.end(), [&](const std::string& bin) {
        return fs::exists(dir / bin, ec);
    });
    if (all_here) return decided(false, "its binaries are here: cargo's fingerprints decide");
    // Where the registry is to get the base (or --rebuild-base asks for it), cargo runs to make
    // it; an offline build with no base of its own may skip cargo, and then makes none (its
    // build directories stay cold).
    if (base_plan.make && (base_plan.share || build.options.rebuild_base))
        return decided(false, "it builds the base");
    StepRecords records(build.cache_dir, build.config.project_dir, report.name);
    if (records.last_run_here() == report.key) return decided(false, "its binaries are missing");
    auto record = records.find(report.key, store);
    if (!record && !build.options.local_only)
        record = find_step_record(build, report.name, report.key, records, store, true);
    if (!record) return decided(false, "no earlier run with these inputs");
    if (auto changed = record->changed_variable()) {
        return decided(false, "$" + *changed + " is not what it was at the earlier run, " +
                                  "which read it");
    }
    build.cargo_layer = record->layer;
    return decided(true, "inputs unchanged since an earlier run: its layer is used");
}

// After the layers: when cargo ran, its binary layer is recorded under the step's key with the
// variables the workspace's crates read. Gives whether the record is new (then it is pushed).
bool record_cargo_step(Build& build, const LayerDigests& bin, oci::BlobStore& store,
                       std::vector<std::string>& variables) {
    if (!build.cargo_inputs || !build.cargo_step || build.cargo_layer) return false;
    const auto& report = build.result.steps[*build.cargo_step];
    StepRecords records(build.cache_dir, build.config.project_dir, report.name);
    StepRecord record{.layer = bin};
    if (build.workspace) {
        auto dir = profile_directory(build.target_dir, build.config.cargo->profile);
        record.variables = variable_lines(cargo_read_variables(dir, *build.workspace));
    }
    auto known = records.find(report.key, store);
    bool same = known && known->layer.digest == bin.digest && known->variables == record.variables;
    if (!same) records.remember(report.key, record);
    records.ran_here(report.key);
    variables = record.variables;
    return !same;
}

// What a step pushes as its records: under each key, its layer and the variables it read.
struct StepPush {
    std::string name;
    std::vector<std::string> keys;
    std::optional<NewLayer> layer;
    std::vector<std::string> variables;
};

// Pushes the step records as `NAME-base:<key>`, one-layer images whose layer the registry
// mounts from the image just pushed, so that a fresh agent skips the step too.
void push_step_records(Build& build, const StepPush& push, const oci::BlobStore& store) {
    if (push.keys.empty() || !push.layer || build.options.local_only) return;
    ConfigChanges labels{.labels = {{"dev.cairn.step", push.name}}};
    if (!push.variables.empty())
        labels.labels[kStepVariablesLabel] = join_variable_lines(push.variables);
    auto record = stack(scratch_image(oci::Platform::host()), {*push.layer}, labels, 0);
    const auto& keys = push.keys;
    auto image = build.transports.open_source(ImageReference::parse(build.result.image));
    for (const auto& key : keys) {
        auto reference = registry_reference(build, "-base:" + key);
        try {
            auto target = build.transports.open_target(ImageReference::parse(reference));
            Transports::mount_from(*image, *target);
            auto stats = ship(*target, nullptr, store, record, build.options.jobs, build.meter());
            build.result.bytes_written += stats.bytes_written;
            build.result.bytes_skipped += stats.bytes_skipped;
        } catch (const Error& error) {
            // The image is pushed; a missing record costs a later agent one npm run, no more.
            build.say("warning: the step record " + reference + " was not pushed (" +
                      error.what() + ")");
        }
    }
}

// The app's builds, cargo and npm at once. The dependencies cargo compiled on the way are the
// base's work, and their time is counted there.
void run_app_build(Build& build, const std::optional<BuildView>& view, const BasePlan& base_plan) {
    auto start = Clock::now();
    auto options = native_options(build, view);
    options.skip_npm = npm_step_skipped(build);
    // node_modules for a new base, unless the base keeps an earlier one's npm layers.
    options.npm_install_for_base = base_plan.make && build.carried_npm_layers.empty();
    options.skip_cargo = build.cargo_layer.has_value();
    auto report = run_native_build(build.config, options, [&build](std::string_view line) {
        build.say(std::string(line));
    });
    build.result.times.app_build = seconds_since(start) - report.dependency_seconds;
    build.result.times.base += report.dependency_seconds;
    build.result.dependencies_compiled = report.dependencies_compiled;
    build.units = std::move(report.units);
    if (!report.dependencies_compiled.empty()) {
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.1f", report.dependency_seconds);
        build.say("base: cargo compiled " + std::to_string(report.dependencies_compiled.size()) +
                  " dependencies in " + seconds + " s");
    }
}

void deploy(Build& build) {
    if (!build.profile) return;
    const auto& command = build.profile->deploy;
    if (!command || build.options.no_deploy || build.options.local_only) return;
    build.phase("deploy");
    auto start = Clock::now();
    auto text = expand_deploy(*command, {.image = build.result.image,
                                         .digest = build.result.digest,
                                         .tag = build.result.tag,
                                         .env = build.options.env});
    build.say("deploy: " + text);
    ToolLog log(log_directory(build) / "deploy.log");
    auto result = registry::run_process(
        {"/bin/sh", "-c", text}, {.directory = build.config.project_dir},
        [&build, &log](std::string_view line) {
            log.line(line);
            build.say("deploy| " + std::string(line));
        });
    build.result.times.deploy = seconds_since(start);
    if (result.exit_status != 0) {
        auto summary = log.summary(result.tail);
        throw Error("the deploy command of profile " + build.options.env +
                    " failed with exit status " + std::to_string(result.exit_status) +
                    (summary.empty() ? "" : ": " + summary) + " (the image " +
                    build.result.image + "@" + build.result.digest + " was pushed)");
    }
    build.result.deployed = true;
}

}  // namespace

// --dry-run: where the base would come from, the layers, the target and the deploy command,
// found the way a build finds them (the lockfiles, the tools' versions, the cache, a HEAD of
// the base in the registry) with nothing built, written or pushed.
BuildPlan plan_build(Build& build, const BaseCache& cache) {
    BuildPlan plan;
    const auto& key = build.result.base_key;
    if (build.parts.empty()) {
        plan.base_source = "none (no [cargo] or [npm])";
    } else if (build.options.rebuild_base) {
        plan.base_source = "built from scratch (--rebuild-base)";
    } else if (base_is_warm(build.parts)) {
        plan.base_source = "the build directories, already warm";
    } else if (cache.has()) {
        plan.base_source = "the local cache (" + cache.reference() + ")";
    } else if (!build.options.local_only && [&] {
                   try {
                       return find_in_registry(build, cache, false);
                   } catch (const Error& error) {
                       // A plan, not a build: say what could not be known, and go on.
                       plan.base_source = registry_base_reference(build) +
                                          " if it is there (the registry could not be asked: " +
                                          error.what() + ")";
                       return true;
                   }
               }()) {
        if (plan.base_source.empty()) plan.base_source = registry_base_reference(build);
    } else {
        plan.base_source = "built: cargo and npm compile the dependencies (starting from the "
                           "nearest earlier base of the project, if there is one), then base " +
                           key + " is stored" + (build.options.local_only ? "" : " and pushed");
    }
    const auto& config = build.config;
    auto relative = [&config](const fs::path& path) {
        return path.lexically_relative(config.project_dir).string();
    };
    if (config.npm)
        plan.layers.push_back("ui: " + relative(config.npm->output) + " -> /app/ui");
    if (config.cargo) {
        auto dir = profile_directory(build.target_dir, config.cargo->profile);
        std::string bins;
        for (const auto& bin : config.cargo->bins)
            bins += (bins.empty() ? "" : ", ") + relative(dir / bin) + " -> /app/" + bin;
        plan.layers.push_back("bin: " + bins);
    }
    for (const auto& file : config.files)
        plan.layers.push_back("files: " + relative(file.src) + " -> " + file.dest);
    if (build.profile && build.profile->deploy && !build.options.no_deploy &&
        !build.options.local_only) {
        plan.deploy = expand_deploy(*build.profile->deploy, {.image = build.result.image,
                                                             .digest = "{digest}",
                                                             .tag = build.result.tag,
                                                             .env = build.options.env});
    }
    return plan;
}

BuildResult run_build(const BuildOptions& options, BuildObserver& observer) {
    Build build(options, observer);
    std::optional<oci::DirectoryLock> cache_use(use_cache(build.cache_dir, [&build] {
        build.say("waiting for `cairn cache gc` to finish with " + build.cache_dir.string());
    }));
    if (!build.config.builds_something()) {
        throw Error(build.config.file.string() + " has no [cargo], [npm] or [[files]]: the image " +
                    "would hold only the runtime base " + build.config.image.base.text +
                    "; say what to build (docs/config.md), or copy the base with cairn copy");
    }
    // A local build needs no registry, so no profile either; a push does.
    build.profile = build.config.find_profile(options.env);
    if (!build.profile && !options.local_only) build.config.profile(options.env);  // its Error
    if (!build.profile) {
        build.say("no profile \"" + options.env + "\" in " + build.config.file.string() +
                  ": the local image is tagged \"" + kLocalTag + "\"");
    }
    check_directories(build.config);
    build.result.tag = image_tag(build);  // first: a template without a value fails at once
    build.phase("base");
    open_runtime_base(build);
    auto key_inputs = gather_base_key_inputs(build.config, build.base.manifest_blob.digest.str());
    build.result.base_key = BaseKey::of(key_inputs).display();
    build.node_version = key_inputs.node_version;
    build.record = BaseRecord::of(key_inputs);
    if (build.config.cargo) build.target_dir = target_directory(*build.config.cargo, {});
    build.parts = base_parts(build.config, build.target_dir);

    BaseCache cache(build.cache_dir, build.config.image.name, build.result.base_key);
    build.result.base_reference = cache.reference();
    if (options.dry_run) {
        build.result.image = output_reference(build);
        build.result.plan = plan_build(build, cache);
        return build.result;
    }
    auto locks = lock_build_directories(build);
    // A project of files alone has nothing to compile, so no base to look for or make.
    // The view is taken before the base is looked for: the restore fetches through it.
    auto view = open_build_view(build);
    // Which steps run is known before the base is restored: a skipped step's tool needs none
    // of it.
    oci::BlobStore store(build.cache_dir);
    decide_npm_step(build, store);
    auto base_plan = build.parts.empty() ? BasePlan{} : find_base(build, cache);
    decide_cargo_step(build, store, base_plan);
    // A skipped cargo compiles nothing: there is no base to make from cold directories.
    if (build.cargo_layer) base_plan.make = false;
    if (!build.parts.empty()) ready_base(build, cache, base_plan, view);

    build.phase("app build");
    run_app_build(build, view, base_plan);
    view.reset();
    if (base_plan.make) store_base(build, cache);
    if (base_plan.share) push_base(build, cache);

    build.phase("layers");
    auto start = Clock::now();
    auto layers = make_app_layers(build.config, build.target_dir, store,
                                  {.threads = build.options.jobs,
                                   .say = [&build](const std::string& line) { build.say(line); },
                                   .outputs = written_outputs(build),
                                   .meter = build.meter(),
                                   .ui = build.npm_layer,
                                   .bin = build.cargo_layer},
                                  build.result.layers);
    // The UI layer comes first when there is one.
    StepPush npm_push, cargo_push;
    if (build.config.npm) {
        npm_push = {.name = npm_step_name(build),
                    .keys = record_npm_step(build, layers.front().digests, store),
                    .layer = layers.front()};
    }
    if (build.cargo_step) {
        const auto& bin = layers[build.config.npm ? 1 : 0];
        cargo_push.name = kCargoStepName;
        cargo_push.layer = bin;
        if (record_cargo_step(build, bin.digests, store, cargo_push.variables))
            cargo_push.keys = {build.result.steps[*build.cargo_step].key};
    }
    auto image = stack(build.base, layers, config_changes(build.config.image), source_date_epoch(),
                       holds_docker_manifests(ImageReference::parse(output_reference(build))));
    build.result.times.layers = seconds_since(start);
    locks.clear();  // the layers are made: the push reads only the cache

    ship_image(build, image, store);
    push_step_records(build, npm_push, store);
    push_step_records(build, cargo_push, store);
    cache_use.reset();  // the deploy command may itself run `cairn cache gc`
    deploy(build);
    return std::move(build.result);
}

}  // namespace cairn::assemble
