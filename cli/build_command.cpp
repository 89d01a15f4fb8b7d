// `cairn build [ENV]`: the whole pipeline of cairn.toml, with status on stderr and metrics as JSON.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "assemble/build/build_pipeline.hpp"
#include "cli/commands.hpp"
#include "cli/image_args.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/registry_flags.hpp"
#include "cli/terminal_text.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/output_file.hpp"

namespace cairn::cli {

namespace {

struct BuildArgs {
    std::string env = "dev";
    std::string directory = ".";
    std::string config;
    bool local_only = false;
    bool rebuild_base = false;
    bool no_skip = false;
    bool no_deploy = false;
    std::string output;
    std::string metrics;
    bool json = false;
    bool dry_run = false;
    RegistryFlags registry;
};

// The seed's switches: LOCAL_ONLY=true, REBUILD_BASE=true.
bool env_true(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr &&
           (std::string_view(value) == "true" || std::string_view(value) == "1");
}

template <typename Writer>
void write_result(Writer& w, const assemble::BuildResult& r) {
    w.StartObject();
    w.Key("image");
    w.String(r.image);
    w.Key("digest");
    w.String(r.digest);
    w.Key("tag");
    w.String(r.tag);
    w.Key("base_key");
    w.String(r.base_key);
    w.Key("base_reference");
    w.String(r.base_reference);
    w.Key("base_restored");
    w.Bool(r.base_restored);
    w.Key("base_built");
    w.Bool(r.base_built);
    w.Key("base_nearest");
    w.String(r.base_nearest);
    w.Key("base_layers_kept");
    w.Uint64(r.base_layers_kept);
    w.Key("deployed");
    w.Bool(r.deployed);
    w.Key("bytes_written");
    w.Uint64(r.bytes_written);
    w.Key("bytes_skipped");
    w.Uint64(r.bytes_skipped);
    w.Key("base_bytes_written");
    w.Uint64(r.base_bytes_written);
    w.Key("dependencies_compiled");
    w.StartArray();
    for (const auto& crate : r.dependencies_compiled) w.String(crate);
    w.EndArray();
    w.Key("steps");
    w.StartArray();
    for (const auto& step : r.steps) {
        w.StartObject();
        w.Key("name");
        w.String(step.name);
        w.Key("key");
        w.String(step.key);
        w.Key("skipped");
        w.Bool(step.skipped);
        w.Key("reason");
        w.String(step.reason);
        w.EndObject();
    }
    w.EndArray();
    w.Key("layers");
    w.StartArray();
    for (const auto& layer : r.layers) {
        w.StartObject();
        w.Key("kind");
        w.String(layer.kind);
        w.Key("digest");
        w.String(layer.digest);
        w.Key("size");
        w.Int64(layer.size);
        w.Key("reused");
        w.Bool(layer.reused);
        w.EndObject();
    }
    w.EndArray();
    w.Key("seconds");
    w.StartObject();
    for (auto [name, value] : {std::pair{"base", r.times.base},
                               {"app_build", r.times.app_build},
                               {"layers", r.times.layers},
                               {"push", r.times.push},
                               {"deploy", r.times.deploy}}) {
        w.Key(name);
        w.Double(value);
    }
    w.EndObject();
    w.EndObject();
}

void write_metrics(const std::string& file, const assemble::BuildResult& result) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    write_result(writer, result);
    oci::write_output_file(file, std::string(buffer.GetString()) + "\n");
}

// --dry-run's answer: what the build would do, for people or (--json) for scripts.
int print_plan(const assemble::BuildResult& result, bool json) {
    const auto& plan = *result.plan;
    if (json) {
        print_json_object([&](oci::json::Writer& writer) {
            writer.Key("dry_run");
            writer.Bool(true);
            oci::json::write_key_string(writer, "image", result.image);
            oci::json::write_key_string(writer, "tag", result.tag);
            oci::json::write_key_string(writer, "base_key", result.base_key);
            oci::json::write_key_string(writer, "base_source", plan.base_source);
            oci::json::write_string_array(writer, "layers", plan.layers);
            oci::json::write_key_string(writer, "deploy", plan.deploy);
        });
        return 0;
    }
    std::cout << "image:   " << escape_controls(result.image) << '\n'
              << "base:    " << result.base_key << " from " << escape_controls(plan.base_source)
              << '\n';
    for (std::size_t i = 0; i < plan.layers.size(); ++i)
        std::cout << (i == 0 ? "layers:  " : "         ") << escape_controls(plan.layers[i]) << '\n';
    std::cout << "deploy:  " << (plan.deploy.empty() ? "none" : escape_controls(plan.deploy)) << '\n';
    return 0;
}

int run_build(BuildArgs args) {
    auto start = std::chrono::steady_clock::now();
    assemble::BuildOptions options{.env = args.env,
                                   .project_dir = args.directory,
                                   .config_file = args.config,
                                   .local_only = args.local_only || env_true("LOCAL_ONLY"),
                                   .rebuild_base = args.rebuild_base || env_true("REBUILD_BASE"),
                                   .no_skip = args.no_skip,
                                   .no_deploy = args.no_deploy,
                                   .dry_run = args.dry_run,
                                   .output = args.output,
                                   .transport = args.registry.transport_options(),
                                   .jobs = args.registry.job_count()};
    if (!args.metrics.empty()) options.outputs = oci::existing_output_identities(args.metrics);
    if (!options.output.empty() && !options.local_only) {
        throw UsageError(
            "--output goes with --local-only (or LOCAL_ONLY=true): without it the image is "
            "pushed to the profile's registry");
    }
    assemble::BuildResult result;
    {
        ProgressDisplay display;
        result = assemble::run_build(options, display);
    }
    if (result.plan) return print_plan(result, args.json);
    const auto& t = result.times;
    char phases[200];
    std::snprintf(phases, sizeof phases,
                  "base %.2fs, app build %.2fs, layers %.2fs, push %.2fs, deploy %.2fs", t.base,
                  t.app_build, t.layers, t.push, t.deploy);
    status("built " + result.image + "@" + result.digest + " in " + seconds_since(start) + " (" +
           phases + "; " + bytes_moved(result.bytes_written, result.bytes_skipped) + ")");
    if (!args.metrics.empty()) write_metrics(args.metrics, result);
    if (args.json) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        write_result(writer, result);
        std::cout << buffer.GetString() << '\n';
    } else {
        std::cout << result.digest << '\n';
    }
    return 0;
}

}  // namespace

Runner add_build_command(CLI::App& app) {
    auto args = std::make_shared<BuildArgs>();
    auto* command =
        app.add_subcommand("build", "Build the project of cairn.toml into an image and ship it");
    command->add_option("ENV", args->env, "profile of cairn.toml (default: dev)");
    command->add_option("-C", args->directory, "project directory (default: the current one)")
        ->option_text(" DIR");
    command->add_option("--config", args->config, "config file (default: DIR/cairn.toml)")
        ->option_text(" FILE");
    command->add_flag("--local-only", args->local_only,
                      "write --output, push nothing (LOCAL_ONLY=true)");
    command->add_flag("--rebuild-base", args->rebuild_base,
                      "build the base even if one exists (REBUILD_BASE=true)");
    command->add_flag("--no-skip", args->no_skip,
                      "run every build step, even one whose inputs are unchanged");
    command
        ->add_option("--output", args->output,
                     "with --local-only: where to write (default oci:DIR/cairn-out:TAG)")
        ->option_text(" IMAGE");
    command->add_flag("--no-deploy", args->no_deploy, "do not run the profile's deploy command");
    command
        ->add_option("--metrics", args->metrics, "write phase timings and sizes to FILE as JSON")
        ->option_text(" FILE");
    command->add_flag("--json", args->json, "print the result as one JSON object on stdout");
    command->add_flag("--dry-run", args->dry_run,
                      "print the plan (base key and where the base comes from, the layers, the "
                      "target, the deploy command) and build nothing");
    add_registry_flags(*command, args->registry);
    return [args] { return run_build(*args); };
}

}  // namespace cairn::cli
