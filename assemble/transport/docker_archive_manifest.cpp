// manifest.json of docker-archives: reading the list of images, picking one, writing it.
#include "assemble/transport/docker_archive_manifest.hpp"

#include <rapidjson/error/en.h>

#include <regex>

#include "oci/error.hpp"
#include "oci/json.hpp"

namespace cairn::assemble {

namespace {}  // namespace

std::vector<ArchivedImage> parse_archived_images(std::string_view bytes, const std::string& what) {
    oci::json::Document document;
    constexpr unsigned kFlags =
        rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
    document.Parse<kFlags>(bytes.data(), bytes.size());
    if (document.HasParseError()) {
        throw Error(what +
                    " is not valid JSON: " + rapidjson::GetParseError_En(document.GetParseError()) +
                    " (at byte " + std::to_string(document.GetErrorOffset()) + ")");
    }
    if (document.IsNull()) throw Error(what + " is null: the archive lists no image");
    if (!document.IsArray()) throw Error(what + " is not a list of images");
    if (document.Empty()) throw Error(what + " lists no image");
    std::vector<ArchivedImage> images;
    for (rapidjson::SizeType i = 0; i < document.Size(); ++i) {
        auto entry_what = what + " entry " + std::to_string(i);
        const auto& entry = document[i];
        if (!entry.IsObject()) throw Error(entry_what + " is not a JSON object");
        images.push_back({.config = oci::json::required_string(entry, "Config", entry_what),
                          .layers = oci::json::string_array(entry, "Layers", entry_what),
                          .repo_tags = oci::json::string_array(entry, "RepoTags", entry_what)});
    }
    return images;
}

namespace {

// A reference as Docker Hub completes it: "busybox" is "docker.io/library/busybox:latest".
std::string normalise_reference(std::string reference) {
    auto slash = reference.find('/');
    auto first = slash == std::string::npos ? std::string() : reference.substr(0, slash);
    bool has_domain = first.find_first_of(".:") != std::string::npos || first == "localhost";
    if (!has_domain) {
        reference =
            "docker.io/" + std::string(slash == std::string::npos ? "library/" : "") + reference;
    } else if (first == "docker.io" && reference.find('/', slash + 1) == std::string::npos) {
        reference.insert(slash + 1, "library/");
    }
    auto last_slash = reference.rfind('/');
    if (reference.find(':', last_slash) == std::string::npos &&
        reference.find('@') == std::string::npos) {
        reference += ":latest";
    }
    return reference;
}

std::string tags_of(const std::vector<ArchivedImage>& images) {
    std::string out;
    for (const auto& image : images) {
        for (const auto& tag : image.repo_tags) out += (out.empty() ? "" : ", ") + tag;
    }
    return out.empty() ? "none" : out;
}

}  // namespace

const ArchivedImage& pick_archived_image(const std::vector<ArchivedImage>& images,
                                         const std::string& reference, const std::string& what) {
    if (reference.empty()) {
        if (images.size() == 1) return images.front();
        throw Error(
            what + " holds " + std::to_string(images.size()) +
            " images; name one as docker-archive:FILE:REF or :@N (tags: " + tags_of(images) + ")");
    }
    if (reference.starts_with('@')) {
        auto digits = reference.substr(1);
        if (digits.empty() || digits.size() > 6 ||
            digits.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(digits) >= images.size()) {
            throw Error(what + " holds " + std::to_string(images.size()) + " images; \"" +
                        reference + "\" names none of them (@0 is the first)");
        }
        return images[std::stoul(digits)];
    }
    auto wanted = normalise_reference(reference);
    for (const auto& image : images) {
        for (const auto& tag : image.repo_tags) {
            if (normalise_reference(tag) == wanted) return image;
        }
    }
    throw Error(what + " has no image tagged \"" + reference + "\" (tags: " + tags_of(images) +
                ")");
}

std::string checked_repo_tag(const std::string& reference) {
    if (reference.empty()) return reference;
    static const std::regex kName(
        R"(^([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$)");
    static const std::regex kTag(R"(^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$)");
    auto colon = reference.rfind(':');
    bool ok = colon != std::string::npos && reference.find('/', colon) == std::string::npos &&
              std::regex_match(reference.substr(0, colon), kName) &&
              std::regex_match(reference.substr(colon + 1), kTag);
    if (!ok) {
        throw UsageError("docker-archive reference \"" + reference +
                         "\" is not NAME:TAG (e.g. docker-archive:out.tar:example.com/app:1.0)");
    }
    return reference;
}

std::string archived_images_json(const ArchivedImage& image) {
    rapidjson::StringBuffer buffer;
    oci::json::Writer writer(buffer);
    writer.StartArray();
    writer.StartObject();
    oci::json::write_key_string(writer, "Config", image.config);
    oci::json::write_string_array(writer, "RepoTags", image.repo_tags);
    oci::json::write_string_array(writer, "Layers", image.layers);
    writer.EndObject();
    writer.EndArray();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace cairn::assemble
