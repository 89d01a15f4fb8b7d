// Copying images and indexes between transports: blobs first, child manifests next, the top last.
#include "assemble/transport/copy.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "assemble/transport/docker_archive.hpp"
#include "assemble/transport/parallel.hpp"
#include "oci/error.hpp"
#include "oci/image.hpp"
#include "oci/manifest.hpp"
#include "oci/media_types.hpp"

namespace cairn::assemble {

namespace {

namespace media_type = oci::media_type;

// Real indexes nest once (an index of multi-platform images); this bound stops a cycle.
constexpr int kMaxIndexDepth = 8;

oci::ManifestBlob blob_of(std::string bytes, std::string_view type) {
    auto digest = oci::Digest::of(bytes);
    return {
        .bytes = std::move(bytes), .media_type = std::string(type), .digest = std::move(digest)};
}

class Copier {
  public:
    Copier(oci::ImageSource& source, oci::ImageTarget& target, const CopyOptions& options,
           std::optional<ManifestFormat> format)
        : source_(source),
          target_(target),
          format_(format),
          preserve_digests_(options.preserve_digests),
          jobs_(target.parallel_uploads() ? std::max(options.jobs, 1u) : 1),
          meter_(options.meter) {}

    void copy_blob(const oci::Descriptor& descriptor) { copy_blobs({descriptor}); }

    // Blobs not seen before, on up to jobs_ threads.
    void copy_blobs(const std::vector<oci::Descriptor>& descriptors) {
        std::vector<const oci::Descriptor*> fresh;
        std::vector<std::uint64_t> sizes;
        for (const auto& descriptor : descriptors) {
            if (!done_.insert(descriptor.digest).second) continue;
            fresh.push_back(&descriptor);
            sizes.push_back(static_cast<std::uint64_t>(descriptor.size));
        }
        auto order = largest_first(sizes);
        for_each_parallel(order.size(), jobs_, [&](std::size_t i) {
            const auto& descriptor = *fresh[order[i]];
            auto size = static_cast<std::uint64_t>(descriptor.size);
            if (target_.has_blob(descriptor)) {
                std::lock_guard lock(counts_mutex_);
                counts_.bytes_skipped += size;
                ++counts_.blobs_skipped;
                return;
            }
            if (meter_) meter_->expect(size);
            target_.put_blob(descriptor, [&]() -> std::unique_ptr<ByteSource> {
                return std::make_unique<oci::MeteredSource>(source_.open_blob(descriptor), meter_);
            });
            std::lock_guard lock(counts_mutex_);
            counts_.bytes_copied += size;
            ++counts_.blobs_copied;
        });
    }

    // The blobs an image manifest names; returns the manifest to store (in the format asked).
    oci::ManifestBlob image(const oci::ManifestBlob& blob) {
        auto what = "manifest " + blob.digest.str() + " of " + source_.name();
        auto manifest = oci::Manifest::parse(blob.bytes, what);
        auto blobs = manifest.layers;
        blobs.push_back(manifest.config);
        copy_blobs(blobs);
        return checked(format_ ? manifest_in(*format_, blob, what) : blob, blob, what);
    }

    // Everything an index names, each child manifest stored after its blobs; returns the
    // index to store (rewritten only when a child was).
    oci::ManifestBlob index(const oci::ManifestBlob& blob, int depth) {
        if (depth == kMaxIndexDepth) throw Error(source_.name() + ": indexes nest too deeply");
        auto parsed =
            oci::Index::parse(blob.bytes, "index " + blob.digest.str() + " of " + source_.name());
        bool changed = false;
        for (auto& entry : parsed.manifests) {
            bool is_image = media_type::is_manifest(entry.media_type);
            if (!is_image && !media_type::is_index(entry.media_type)) {
                copy_blob(entry);  // something else an index may point to: copied as it is
                continue;
            }
            auto stored = stored_.find(entry.digest);
            if (stored == stored_.end()) {
                auto child = source_.manifest(entry);
                auto written = is_image ? image(child) : index(child, depth + 1);
                target_.put_child_manifest(written);
                count_manifest(written);
                stored = stored_.emplace(entry.digest, written.descriptor()).first;
            }
            if (stored->second.digest != entry.digest) {
                entry.media_type = stored->second.media_type;
                entry.digest = stored->second.digest;
                entry.size = stored->second.size;
                changed = true;
            }
        }
        auto what = "index " + blob.digest.str() + " of " + source_.name();
        if (!format_ || (!changed && is_in(*format_, blob.media_type))) return blob;
        parsed.media_type = media_type_in(*format_, parsed.media_type, what);
        if (*format_ == ManifestFormat::docker) parsed.annotations.clear();  // no such field
        return checked(blob_of(parsed.to_json(), parsed.media_type), blob, what);
    }

    CopyResult top(const oci::ManifestBlob& blob) {
        target_.put_manifest(blob);
        count_manifest(blob);
        return {.manifest = blob.descriptor(),
                .bytes_copied = counts_.bytes_copied,
                .bytes_skipped = counts_.bytes_skipped,
                .blobs_copied = counts_.blobs_copied,
                .blobs_skipped = counts_.blobs_skipped};
    }

  private:
    // `written` (what `original` becomes in the target), unless --preserve-digests forbids it.
    oci::ManifestBlob checked(oci::ManifestBlob written, const oci::ManifestBlob& original,
                              const std::string& what) const {
        if (preserve_digests_ && written.digest != original.digest) {
            throw Error(what + " is " + describe(original.media_type) + " and " + target_.name() +
                        " gets " + describe(written.media_type) +
                        ": the conversion changes its digest, which --preserve-digests forbids");
        }
        return written;
    }
    static std::string describe(std::string_view type) {
        return media_type::is_docker(type) ? "Docker schema 2" : "OCI";
    }

    void count_manifest(const oci::ManifestBlob& blob) {
        counts_.bytes_copied += blob.bytes.size();
    }

    struct Counts {
        std::uint64_t bytes_copied = 0;
        std::uint64_t bytes_skipped = 0;
        std::uint64_t blobs_copied = 0;
        std::uint64_t blobs_skipped = 0;
    };

    oci::ImageSource& source_;
    oci::ImageTarget& target_;
    std::optional<ManifestFormat> format_;
    bool preserve_digests_;
    unsigned jobs_;
    oci::Meter* meter_;
    std::mutex counts_mutex_;
    std::set<oci::Digest> done_;                     // blobs already copied or skipped
    std::map<oci::Digest, oci::Descriptor> stored_;  // child manifests: source digest -> as stored
    Counts counts_;
};

bool is_index(const oci::ManifestBlob& blob, const std::string& what) {
    auto type = blob.media_type.empty() ? oci::sniff_media_type(blob.bytes, what) : blob.media_type;
    return media_type::is_index(type);
}

}  // namespace

bool holds_indexes(const oci::ImageTarget& target) {
    // ImageTarget has no capability query: docker-archive is the one target of single images.
    return dynamic_cast<const DockerArchiveTarget*>(&target) == nullptr;
}

CopyResult copy_image(oci::ImageSource& source, oci::ImageTarget& target,
                      const CopyOptions& options) {
    if (options.all && options.platform) {
        throw UsageError("--all copies every platform; it cannot be combined with --platform");
    }
    if (options.all && !holds_indexes(target)) {
        throw UsageError(target.name() + " holds a single image, not a whole index; drop --all " +
                         "(the host's platform is copied) or choose one with --platform");
    }
    // The format a target of OCI alone is written in, unless one is asked for.
    auto format = options.format;
    if (!target.holds_docker_manifests()) {
        if (format == ManifestFormat::docker) {
            throw UsageError(target.name() + " holds OCI manifests only; --format docker is for " +
                             "registries and docker-archive:");
        }
        format = ManifestFormat::oci;
    }
    Copier copier(source, target, options, format);
    auto top = source.top();
    if (is_index(top, source.name()) && !options.platform && holds_indexes(target)) {
        return copier.top(copier.index(top, 0));
    }
    // One image: load_image resolves an index to the platform and checks the image is whole
    // (its config parses and lists a diff_id per layer) before anything is written.
    auto image = oci::load_image(source, options.platform.value_or(oci::Platform::host()));
    return copier.top(copier.image(image.manifest_blob));
}

}  // namespace cairn::assemble
