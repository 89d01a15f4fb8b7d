// `cairn version [--json]` (and `cairn --version`): cairn's version and the libraries it runs on.
#include <archive.h>
#include <curl/curl.h>
#include <openssl/opensslv.h>
#include <zstd.h>

#include <iostream>

#include "cli/commands.hpp"
#include "oci/json.hpp"

namespace cairn::cli {

namespace {

void print_json() {
    rapidjson::StringBuffer buffer;
    oci::json::Writer writer(buffer);
    writer.StartObject();
    oci::json::write_key_string(writer, "version", CAIRN_VERSION);
    writer.Key("libraries");
    writer.StartObject();
    oci::json::write_key_string(writer, "libcurl", curl_version_info(CURLVERSION_NOW)->version);
    oci::json::write_key_string(writer, "libarchive", archive_version_string());
    oci::json::write_key_string(writer, "zstd", ZSTD_versionString());
    oci::json::write_key_string(writer, "openssl", OPENSSL_VERSION_TEXT);
    writer.EndObject();
    writer.EndObject();
    std::cout << buffer.GetString() << '\n';
}

}  // namespace

Runner add_version_command(CLI::App& app) {
    auto json = std::make_shared<bool>(false);
    auto* command = app.add_subcommand("version", "Print cairn's version (also: cairn --version)");
    command->add_flag("--json", *json, "as JSON, with the versions of its libraries");
    return [json] {
        if (*json) {
            print_json();
        } else {
            std::cout << "cairn " << CAIRN_VERSION << '\n';
        }
        return 0;
    };
}

}  // namespace cairn::cli
