// OCI archives: a layout extracted to read it, a layout built privately and archived to write it.
#include "assemble/transport/oci_archive.hpp"

#include "assemble/layer/layer.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    if (from.empty()) return text;
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

// The layout's errors name its directory (a private one); the user knows the archive.
class Renamer {
  public:
    Renamer(const fs::path& directory, std::string archive_name)
        : directory_(directory.string()), archive_name_(std::move(archive_name)) {}
    [[noreturn]] void rethrow(const Error& error) const {
        auto message = replace_all(error.what(), "oci:" + directory_, archive_name_);
        throw Error(replace_all(std::move(message), directory_, archive_name_));
    }

  private:
    std::string directory_;
    std::string archive_name_;
};

template <typename Function>
auto renaming(const Renamer& renamer, Function&& function) {
    try {
        return function();
    } catch (const Error& error) {
        renamer.rethrow(error);
    }
}

// A blob stream of the private layout whose errors (a corrupt blob) name the archive.
class RenamingSource : public ByteSource {
  public:
    RenamingSource(std::unique_ptr<ByteSource> inner, Renamer renamer)
        : inner_(std::move(inner)), renamer_(std::move(renamer)) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        return renaming(renamer_, [&] { return inner_->read(data, capacity); });
    }

  private:
    std::unique_ptr<ByteSource> inner_;
    Renamer renamer_;
};

}  // namespace

OciArchiveSource::OciArchiveSource(const fs::path& file, std::string tag)
    : name_(archive_name("oci-archive", file, tag)),
      archive_name_(archive_name("oci-archive", file)),
      archive_(file, archive_name_) {
    Renamer renamer(archive_.root(), archive_name_);
    if (!archive_.find("oci-layout")) {
        throw Error(archive_name_ + " is not an OCI archive: it has no oci-layout member" +
                    (archive_.find("manifest.json")
                         ? " (it looks like `docker save` output: use docker-archive:)"
                         : ""));
    }
    renaming(renamer, [&] { layout_.emplace(archive_.root(), std::move(tag)); });
}

oci::ManifestBlob OciArchiveSource::top() {
    return renaming(Renamer(archive_.root(), archive_name_), [&] { return layout_->top(); });
}

oci::ManifestBlob OciArchiveSource::manifest(const oci::Descriptor& descriptor) {
    return renaming(Renamer(archive_.root(), archive_name_),
                    [&] { return layout_->manifest(descriptor); });
}

std::unique_ptr<ByteSource> OciArchiveSource::open_blob(const oci::Descriptor& descriptor) {
    Renamer renamer(archive_.root(), archive_name_);
    auto inner = renaming(renamer, [&] { return layout_->open_blob(descriptor); });
    return std::make_unique<RenamingSource>(std::move(inner), renamer);
}

std::string OciArchiveSource::read_blob(const oci::Descriptor& descriptor, std::size_t max_size) {
    return renaming(Renamer(archive_.root(), archive_name_),
                    [&] { return layout_->read_blob(descriptor, max_size); });
}

OciArchiveTarget::OciArchiveTarget(const fs::path& file, std::string tag)
    : ArchiveFileTarget(file, archive_name("oci-archive", file, tag)),
      layout_(staging() / "layout", std::move(tag)) {}

bool OciArchiveTarget::has_blob(const oci::Descriptor& descriptor) {
    return layout_.has_blob(descriptor);
}

void OciArchiveTarget::put_blob(const oci::Descriptor& descriptor, ByteSource& content) {
    layout_.put_blob(descriptor, content);
}

void OciArchiveTarget::put_child_manifest(const oci::ManifestBlob& manifest) {
    layout_.put_child_manifest(manifest);
}

void OciArchiveTarget::put_manifest(const oci::ManifestBlob& manifest) {
    layout_.put_manifest(manifest);
    write_file(members_of_tree(layout_.layout().directory()));
}

}  // namespace cairn::assemble
