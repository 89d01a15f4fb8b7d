// OCI image layouts: opening, creating, index.json under a lock, and their image source/target.
#include "oci/layout.hpp"

#include <fcntl.h>

#include <cerrno>

#include "oci/error.hpp"
#include "oci/media_types.hpp"

namespace cairn::oci {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLayoutFile = R"({"imageLayoutVersion":"1.0.0"})";
constexpr std::string_view kEmptyIndex =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";

void check_layout_file(const fs::path& directory) {
    auto path = directory / "oci-layout";
    if (!fs::exists(path)) {
        throw Error(directory.string() + " is not an OCI image layout (it has no oci-layout file)");
    }
    auto document = json::parse_object(read_small_file(path, 4096), path.string(), 4096);
    auto version = json::required_string(document, "imageLayoutVersion", path.string());
    if (!version.starts_with("1.")) {
        throw Error(path.string() + " has imageLayoutVersion " + version + "; cairn reads 1.x");
    }
}

std::string tags_of(const Index& index) {
    std::string out;
    for (const auto& entry : index.manifests) {
        auto ref = entry.ref_name();
        if (ref.empty()) continue;
        out += (out.empty() ? "" : ", ") + ref;
    }
    return out.empty() ? "none" : out;
}

// With the layout's lock held, a `.tmp-*` file at its root is an index.json or oci-layout a
// killed writer left (they are written under the same lock).
void sweep_root_temporaries(const fs::path& directory) {
    std::error_code error;
    fs::directory_iterator it(directory, error);
    for (; !error && it != fs::directory_iterator(); it.increment(error)) {
        std::error_code ignored;
        if (it->path().filename().string().starts_with(".tmp-") && it->is_regular_file(ignored))
            fs::remove(it->path(), ignored);
    }
}

}  // namespace

ImageLayout::ImageLayout(fs::path directory)
    : directory_(std::move(directory)), blobs_(directory_) {}

ImageLayout ImageLayout::open(const fs::path& directory) {
    if (!fs::is_directory(directory)) {
        throw Error("OCI layout " + directory.string() + " does not exist or is not a directory");
    }
    check_layout_file(directory);
    return ImageLayout(directory);
}


ImageLayout ImageLayout::open_or_create(const fs::path& directory) {
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) throw Error("cannot create " + directory.string() + ": " + error.message());
    DirectoryLock lock(directory);
    if (fs::exists(directory / "oci-layout")) {
        check_layout_file(directory);
        ImageLayout layout(directory);
        sweep_root_temporaries(directory);
        layout.blobs().sweep_stale();
        return layout;
    }
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (!entry.path().filename().string().starts_with(".")) {
            throw Error(directory.string() +
                        " is neither an OCI image layout nor empty; choose another directory");
        }
    }
    fs::create_directories(directory / "blobs" / "sha256");
    write_file_atomically(directory / "index.json", kEmptyIndex);
    // oci-layout last: a directory that has it is a complete layout.
    write_file_atomically(directory / "oci-layout", kLayoutFile);
    return ImageLayout(directory);
}

Index ImageLayout::index() const {
    auto path = directory_ / "index.json";
    if (!fs::exists(path)) throw Error("OCI layout " + directory_.string() + " has no index.json");
    return Index::parse(read_small_file(path, json::kMaxManifestSize), path.string());
}

Descriptor find_tagged(const Index& index, const std::string& tag, const std::string& what,
                       const std::string& form) {
    if (tag.empty()) {
        if (index.manifests.size() == 1) return index.manifests.front();
        throw Error(what + " holds " + std::to_string(index.manifests.size()) +
                    " images; name one as " + form + " (tags: " + tags_of(index) + ")");
    }
    for (const auto& entry : index.manifests) {
        if (entry.ref_name() == tag) return entry;
    }
    throw Error(what + " has no image tagged \"" + tag + "\" (tags: " + tags_of(index) + ")");
}

Descriptor ImageLayout::find(const std::string& tag) const {
    return find_tagged(index(), tag, "OCI layout " + directory_.string(), "oci:DIR:TAG");
}

void ImageLayout::tag(const Descriptor& manifest, const std::string& tag) {
    DirectoryLock lock(directory_);
    Index index = this->index();
    std::erase_if(index.manifests,
                  [&](const Descriptor& entry) { return entry.ref_name() == tag; });
    Descriptor entry = manifest;
    if (!tag.empty()) entry.annotations[kRefNameAnnotation] = tag;
    index.manifests.push_back(entry);
    write_file_atomically(directory_ / "index.json", index.to_json());
}

std::vector<Descriptor> ImageLayout::untag(const std::function<bool(const Descriptor&)>& drop) {
    DirectoryLock lock(directory_);
    Index index = this->index();
    std::vector<Descriptor> dropped;
    std::erase_if(index.manifests, [&](const Descriptor& entry) {
        if (!drop(entry)) return false;
        dropped.push_back(entry);
        return true;
    });
    if (!dropped.empty()) write_file_atomically(directory_ / "index.json", index.to_json());
    return dropped;
}

LayoutSource::LayoutSource(const fs::path& directory, std::string tag)
    : layout_(ImageLayout::open(directory)), tag_(std::move(tag)) {}

std::string LayoutSource::name() const {
    return "oci:" + layout_.directory().string() + (tag_.empty() ? "" : ":" + tag_);
}

ManifestBlob LayoutSource::top() {
    return manifest(layout_.find(tag_));
}

ManifestBlob LayoutSource::manifest(const Descriptor& descriptor) {
    if (!media_type::is_manifest(descriptor.media_type) &&
        !media_type::is_index(descriptor.media_type)) {
        throw Error(name() + ": " + descriptor.digest.str() + " has media type \"" +
                    descriptor.media_type + "\", which is not an image manifest or index");
    }
    auto bytes = read_blob(descriptor, json::kMaxManifestSize);
    return {.bytes = std::move(bytes),
            .media_type = descriptor.media_type,
            .digest = descriptor.digest};
}

std::unique_ptr<ByteSource> LayoutSource::open_blob(const Descriptor& descriptor) {
    return std::make_unique<VerifyingSource>(layout_.blobs().open(descriptor.digest),
                                             descriptor.digest, descriptor.size,
                                             "blob " + descriptor.digest.str() + " in " + name());
}

std::string LayoutSource::read_blob(const Descriptor& descriptor, std::size_t max_size) {
    if (descriptor.size > static_cast<std::int64_t>(max_size)) {
        throw Error("blob " + descriptor.digest.str() + " in " + name() + " is too large (" +
                    std::to_string(descriptor.size) + " bytes)");
    }
    auto content = layout_.blobs().read(descriptor.digest, max_size);
    if (static_cast<std::int64_t>(content.size()) != descriptor.size) {
        throw Error("blob " + descriptor.digest.str() + " in " + name() + " has " +
                    std::to_string(content.size()) + " bytes, its descriptor says " +
                    std::to_string(descriptor.size));
    }
    return content;
}

LayoutTarget::LayoutTarget(const fs::path& directory, std::string tag)
    : layout_(ImageLayout::open_or_create(directory)), tag_(std::move(tag)) {}

std::string LayoutTarget::name() const {
    return "oci:" + layout_.directory().string() + (tag_.empty() ? "" : ":" + tag_);
}

bool LayoutTarget::has_blob(const Descriptor& descriptor) {
    return layout_.blobs().has(descriptor.digest);
}

void LayoutTarget::put_blob(const Descriptor& descriptor, ByteSource& content) {
    auto writer = layout_.blobs().writer();
    copy_stream(content, *writer);
    writer->commit(descriptor.digest, descriptor.size);
}

void LayoutTarget::put_child_manifest(const ManifestBlob& manifest) {
    auto writer = layout_.blobs().writer();
    writer->write(manifest.bytes);
    writer->commit(manifest.digest);
}

void LayoutTarget::put_manifest(const ManifestBlob& manifest) {
    put_child_manifest(manifest);
    layout_.tag(manifest.descriptor(), tag_);
}

}  // namespace cairn::oci
