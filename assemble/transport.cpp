// Parsing transport-qualified image references and opening their sources and targets.
#include "assemble/transport.hpp"

#include "oci/error.hpp"
#include "oci/layout.hpp"

namespace cairn::assemble {

namespace {

[[noreturn]] void registry_not_ready(const ImageReference& reference) {
    throw Error("registry image " + reference.text +
                ": this build of cairn reads and writes oci: layouts only");
}

}  // namespace

ImageReference ImageReference::parse(std::string_view text) {
    ImageReference reference{.text = std::string(text)};
    if (text == "scratch") {
        reference.transport = Transport::scratch;
        return reference;
    }
    if (text.starts_with("oci:")) {
        auto rest = text.substr(4);
        // As skopeo does: the directory ends at the first ':' (paths with ':' are not allowed).
        auto colon = rest.find(':');
        reference.path = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) reference.tag = std::string(rest.substr(colon + 1));
        if (reference.path.empty()) {
            throw UsageError("image reference \"" + reference.text + "\" names no directory (oci:DIR[:TAG])");
        }
        if (colon != std::string_view::npos && reference.tag.empty()) {
            throw UsageError("image reference \"" + reference.text + "\" has an empty tag");
        }
        return reference;
    }
    for (std::string_view transport : {"oci-archive:", "docker-archive:", "dir:", "containers-storage:",
                                       "docker-daemon:"}) {
        if (text.starts_with(transport)) {
            throw UsageError("transport \"" + std::string(transport.substr(0, transport.size() - 1)) +
                             "\" of \"" + reference.text + "\" is not supported yet; use oci:DIR[:TAG]");
        }
    }
    if (text.empty()) throw UsageError("empty image reference");
    reference.transport = Transport::registry;
    return reference;
}

std::unique_ptr<oci::ImageSource> open_source(const ImageReference& reference) {
    switch (reference.transport) {
        case ImageReference::Transport::oci:
            return std::make_unique<oci::LayoutSource>(reference.path, reference.tag);
        case ImageReference::Transport::registry:
            registry_not_ready(reference);
        case ImageReference::Transport::scratch:
            break;
    }
    throw UsageError("\"scratch\" is an empty base, not an image to read");
}

std::unique_ptr<oci::ImageTarget> open_target(const ImageReference& reference) {
    switch (reference.transport) {
        case ImageReference::Transport::oci:
            return std::make_unique<oci::LayoutTarget>(reference.path, reference.tag);
        case ImageReference::Transport::registry:
            registry_not_ready(reference);
        case ImageReference::Transport::scratch:
            break;
    }
    throw UsageError("\"scratch\" cannot be written to");
}

}  // namespace cairn::assemble
