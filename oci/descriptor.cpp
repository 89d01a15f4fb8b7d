// Descriptors to and from JSON.
#include "oci/descriptor.hpp"

#include "oci/error.hpp"

namespace cairn::oci {

Descriptor Descriptor::from_json(const json::Value& object, std::string_view what) {
    if (!object.IsObject()) throw Error(std::string(what) + ": a descriptor must be an object");
    auto digest_text = json::required_string(object, "digest", what);
    Digest digest = [&] {
        try {
            return Digest::parse(digest_text);
        } catch (const Error& e) {
            throw Error(std::string(what) + ": " + e.what());
        }
    }();
    Descriptor descriptor{.media_type = json::required_string(object, "mediaType", what),
                          .digest = digest,
                          .size = json::required_int(object, "size", what)};
    if (descriptor.size < 0) throw Error(std::string(what) + ": negative size");
    descriptor.annotations = json::string_map(object, "annotations", what);
    descriptor.urls = json::string_array(object, "urls", what);
    if (const auto* platform = json::optional_object(object, "platform", what)) {
        descriptor.platform = Platform::from_json(*platform, what);
    }
    descriptor.artifact_type = json::optional_string(object, "artifactType", what).value_or("");
    return descriptor;
}

void Descriptor::write_json(json::Writer& writer) const {
    writer.StartObject();
    json::write_key_string(writer, "mediaType", media_type);
    json::write_key_string(writer, "digest", digest.str());
    writer.Key("size");
    writer.Int64(size);
    if (!urls.empty()) json::write_string_array(writer, "urls", urls);
    if (!annotations.empty()) json::write_string_map(writer, "annotations", annotations);
    if (platform) {
        writer.Key("platform");
        platform->write_json(writer);
    }
    if (!artifact_type.empty()) json::write_key_string(writer, "artifactType", artifact_type);
    writer.EndObject();
}

std::string Descriptor::ref_name() const {
    auto it = annotations.find(kRefNameAnnotation);
    return it == annotations.end() ? "" : it->second;
}

}  // namespace cairn::oci
