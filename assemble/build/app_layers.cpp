// One layer per kind of build output, made through the layer cache.
#include "assemble/build/app_layers.hpp"

#include "assemble/build/native_build.hpp"
#include "assemble/layer/ignore_rules.hpp"
#include "assemble/layer/layer.hpp"
#include "assemble/layer/layer_cache.hpp"
#include "oci/error.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

class AppLayerMaker {
  public:
    AppLayerMaker(const BuildConfig& config, oci::BlobStore& store, const AppLayerOptions& options,
                  std::vector<BuiltLayer>& built)
        : config_(config), store_(store), options_(options), built_(built) {}

    // `project_files`: a directory of the project, walked with its ignore rules.
    NewLayer make(const std::string& kind, const LayerSource& source, bool project_files) {
        LayerOptions layer{.compression = Compression::gzip, .threads = options_.threads};
        layer.tar = app_tar_options(options_.outputs);
        layer.tar.warn = [this](const std::string& message) { say("warning: " + message); };
        if (project_files) layer.tar.ignore = ignore_filter(source);
        oci::ProgressTask task(options_.meter, "layer " + kind + " " + source.describe());
        layer.progress = &task;
        auto stored = store_layer(source, layer, store_);
        const auto& digests = stored.digests;
        built_.push_back({.kind = kind,
                          .digest = digests.digest.str(),
                          .size = digests.size,
                          .reused = stored.reused});
        say("layer " + kind + " " + source.describe() + ": " +
            std::string(digests.digest.short_hex()) + " " + std::to_string(digests.size) +
            " bytes" + (stored.reused ? " (content unchanged: the cached blob)" : ""));
        return {.digests = digests, .description = source.describe()};
    }

  private:
    // The ignore rules speak of paths from the project directory; a walk gives them relative
    // to its input, so the filter adds the input's own prefix.
    decltype(TarOptions::ignore) ignore_filter(const LayerSource& source) const {
        auto rules = load_ignore_rules(config_.project_dir);
        if (rules.empty()) return {};
        auto filter = rules.filter();
        auto prefix =
            source.trees.front().source.lexically_relative(config_.project_dir).generic_string();
        return [filter, prefix](const std::string& relative, bool is_directory) {
            return filter(prefix == "." ? relative : prefix + "/" + relative, is_directory);
        };
    }

    void say(const std::string& line) const {
        if (options_.say) options_.say(line);
    }

    const BuildConfig& config_;
    oci::BlobStore& store_;
    const AppLayerOptions& options_;
    std::vector<BuiltLayer>& built_;
};

// The layer an earlier run of a skipped step made, used as it is.
NewLayer earlier_layer(const std::string& kind, const LayerDigests& layer,
                       const std::string& description, const AppLayerOptions& options,
                       std::vector<BuiltLayer>& built) {
    built.push_back(
        {.kind = kind, .digest = layer.digest.str(), .size = layer.size, .reused = true});
    if (options.say) {
        options.say("layer " + kind + " " + description + ": " +
                    std::string(layer.digest.short_hex()) + " " + std::to_string(layer.size) +
                    " bytes (the step's earlier output)");
    }
    return {.digests = layer, .description = description};
}

}  // namespace

LayerSource ui_layer_source(const NpmSection& npm) {
    return {.trees = {{npm.output, "/app/ui"}}};
}

TarOptions app_tar_options(const std::vector<oci::FileIdentity>& outputs) {
    return {.mtime = source_date_epoch(), .outputs = outputs};
}

std::vector<NewLayer> make_app_layers(const BuildConfig& config, const fs::path& target_dir,
                                      oci::BlobStore& store, const AppLayerOptions& options,
                                      std::vector<BuiltLayer>& built) {
    AppLayerMaker maker(config, store, options, built);
    std::vector<NewLayer> layers;
    // Checked again now that the build has run: its scripts may have made links since.
    if (config.npm) {
        check_inside_project(config.project_dir, config.npm->output, "npm.output",
                             config.npm->output.string());
    }
    for (const auto& file : config.files)
        check_inside_project(config.project_dir, file.src, "files.src", file.src.string());
    if (config.npm && options.ui) {
        layers.push_back(earlier_layer("ui", *options.ui, ui_layer_source(*config.npm).describe(),
                                       options, built));
    } else if (config.npm) {
        std::error_code ec;
        if (!fs::exists(config.npm->output, ec)) {
            throw Error(config.file.string() + ": npm.output \"" + config.npm->output.string() +
                        "\" is not there after `npm run " + config.npm->script + "`");
        }
        layers.push_back(maker.make("ui", ui_layer_source(*config.npm), false));
    }
    if (config.cargo && !config.cargo->bins.empty()) {
        LayerSource bins;
        auto dir = profile_directory(target_dir, config.cargo->profile);
        for (const auto& bin : config.cargo->bins) bins.trees.push_back({dir / bin, "/app/" + bin});
        if (options.bin) {
            layers.push_back(earlier_layer("bin", *options.bin, bins.describe(), options, built));
        } else {
            layers.push_back(maker.make("bin", bins, false));
        }
    }
    // Files named one by one are wanted explicitly and share a layer; a directory is walked
    // with the ignore rules, in a layer of its own so that its filter knows its prefix.
    LayerSource plain;
    for (const auto& file : config.files) {
        std::error_code ec;
        if (fs::is_directory(file.src, ec))
            layers.push_back(maker.make("files", {.trees = {{file.src, file.dest}}}, true));
        else
            plain.trees.push_back({file.src, file.dest});
    }
    if (!plain.trees.empty()) layers.push_back(maker.make("files", plain, false));
    return layers;
}

}  // namespace cairn::assemble
