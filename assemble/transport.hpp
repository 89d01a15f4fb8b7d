// Image references with their transport (containers-transports(5) words) and opening them.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "oci/image_source.hpp"

namespace cairn::assemble {

struct ImageReference {
    enum class Transport { oci, registry, scratch, oci_archive, docker_archive };
    Transport transport = Transport::oci;
    std::filesystem::path path;  // oci: the directory; oci-archive, docker-archive: the file
    std::string tag;             // oci, oci-archive: the ref name; docker-archive: REF; may be empty
    std::string text;            // as the user wrote it

    // `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:REF]`, `docker://REF`
    // or a bare registry reference, or `scratch`. A malformed one is a UsageError naming it.
    static ImageReference parse(std::string_view text);
};

std::unique_ptr<oci::ImageSource> open_source(const ImageReference& reference);
std::unique_ptr<oci::ImageTarget> open_target(const ImageReference& reference);

}  // namespace cairn::assemble
