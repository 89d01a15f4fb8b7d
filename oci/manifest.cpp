// Manifests and indexes to and from JSON.
#include "oci/manifest.hpp"

#include "oci/error.hpp"
#include "oci/media_types.hpp"

namespace cairn::oci {

namespace {

void check_schema_version(const json::Value& object, std::string_view what) {
    auto version = json::required_int(object, "schemaVersion", what);
    if (version != 2) {
        throw Error(std::string(what) + " has schemaVersion " + std::to_string(version) +
                    "; only schema version 2 (OCI or Docker schema 2) is supported");
    }
}

std::string document_type(const json::Value& object, std::string_view what, bool has_manifests) {
    auto declared = json::optional_string(object, "mediaType", what);
    if (declared) return *declared;
    return std::string(has_manifests ? media_type::oci_index : media_type::oci_manifest);
}

void write_header(json::Writer& writer, std::string_view type) {
    writer.StartObject();
    writer.Key("schemaVersion");
    writer.Int(2);
    json::write_key_string(writer, "mediaType", type);
}

std::string finish(rapidjson::StringBuffer& buffer) {
    return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string sniff_media_type(std::string_view bytes, std::string_view what) {
    auto document = json::parse_object(bytes, what, json::kMaxManifestSize);
    return document_type(document, what, document.HasMember("manifests"));
}

Manifest Manifest::parse(std::string_view bytes, std::string_view what) {
    auto document = json::parse_object(bytes, what, json::kMaxManifestSize);
    check_schema_version(document, what);
    auto type = document_type(document, what, false);
    if (!media_type::is_manifest(type)) {
        throw Error(std::string(what) + " is a \"" + type + "\", not an image manifest");
    }
    const auto* config = json::optional_object(document, "config", what);
    if (!config) throw Error(std::string(what) + ": field \"config\" is missing");
    Manifest manifest{.media_type = type,
                      .config = Descriptor::from_json(*config, std::string(what) + " config")};
    if (const auto* layers = json::optional_array(document, "layers", what)) {
        for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
            manifest.layers.push_back(Descriptor::from_json(
                (*layers)[i], std::string(what) + " layer " + std::to_string(i)));
        }
    }
    manifest.annotations = json::string_map(document, "annotations", what);
    if (const auto* subject = json::optional_object(document, "subject", what)) {
        manifest.subject = Descriptor::from_json(*subject, std::string(what) + " subject");
    }
    return manifest;
}

std::string Manifest::to_json() const {
    rapidjson::StringBuffer buffer;
    json::Writer writer(buffer);
    write_header(writer, media_type);
    writer.Key("config");
    config.write_json(writer);
    writer.Key("layers");
    writer.StartArray();
    for (const auto& layer : layers) layer.write_json(writer);
    writer.EndArray();
    if (subject) {
        writer.Key("subject");
        subject->write_json(writer);
    }
    if (!annotations.empty()) json::write_string_map(writer, "annotations", annotations);
    writer.EndObject();
    return finish(buffer);
}

Index Index::parse(std::string_view bytes, std::string_view what) {
    auto document = json::parse_object(bytes, what, json::kMaxManifestSize);
    check_schema_version(document, what);
    auto type = document_type(document, what, true);
    if (!media_type::is_index(type)) {
        throw Error(std::string(what) + " is a \"" + type + "\", not an image index");
    }
    Index index{.media_type = type};
    if (const auto* manifests = json::optional_array(document, "manifests", what)) {
        for (rapidjson::SizeType i = 0; i < manifests->Size(); ++i) {
            index.manifests.push_back(Descriptor::from_json(
                (*manifests)[i], std::string(what) + " entry " + std::to_string(i)));
        }
    }
    index.annotations = json::string_map(document, "annotations", what);
    return index;
}

std::string Index::to_json() const {
    rapidjson::StringBuffer buffer;
    json::Writer writer(buffer);
    write_header(writer, media_type);
    writer.Key("manifests");
    writer.StartArray();
    for (const auto& manifest : manifests) manifest.write_json(writer);
    writer.EndArray();
    if (!annotations.empty()) json::write_string_map(writer, "annotations", annotations);
    writer.EndObject();
    return finish(buffer);
}

}  // namespace cairn::oci
