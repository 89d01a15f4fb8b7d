// Writing image archives reproducibly, staged beside the file they become.
#include "assemble/transport/archive_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <memory>
#include <vector>

#include "assemble/layer/compression.hpp"
#include "assemble/layer/layer.hpp"
#include "assemble/layer/tar_stream.hpp"
#include "oci/error.hpp"
#include "oci/file.hpp"
#include "oci/output_file.hpp"

namespace cairn::assemble {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunkSize = 64 * 1024;

}  // namespace

std::string archive_name(std::string_view transport, const fs::path& file,
                         const std::string& reference) {
    std::string name = std::string(transport) + ":" + file.string();
    return reference.empty() ? name : name + ":" + reference;
}

namespace {

// Where the image is gathered before it is archived: beside the file it becomes, or in
// $TMPDIR for an output with no directory of its own (a device, a FIFO, /dev/stdout).
oci::OutputPlace place_of(const fs::path& file, const std::string& what) {
    try {
        return oci::OutputPlace::of(file);
    } catch (const Error& error) {
        throw Error("cannot write " + what + ": " + error.what());
    }
}

oci::WorkDirectory staging_for(const oci::OutputPlace& place) {
    if (place.through) {
        auto tmp = fs::temp_directory_path();
        oci::WorkDirectory::sweep(tmp, ".cairn-archive-");
        return oci::WorkDirectory(tmp, ".cairn-archive-");
    }
    auto prefix = "." + place.path.filename().string() + ".cairn-";
    // Those of copies that were killed: their lock is free.
    oci::WorkDirectory::sweep(place.path.parent_path(), prefix);
    return oci::WorkDirectory(place.path.parent_path(), prefix);
}

}  // namespace

ArchiveFileTarget::ArchiveFileTarget(const fs::path& file, std::string name)
    : file_(file),
      name_(std::move(name)),
      staged_in_tmpdir_(place_of(file_, name_).through),
      staging_(staging_for(place_of(file_, name_))) {}

void ArchiveFileTarget::write_file(std::vector<ArchiveMember> members) const {
    oci::OutputFile archive(file_);
    write_archive(std::move(members), source_date_epoch(), archive);
    archive.commit();
}

std::vector<ArchiveMember> members_of_tree(const fs::path& root) {
    std::vector<ArchiveMember> members;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        auto name = it->path().lexically_relative(root).generic_string();
        if (it->path().filename().string().starts_with('.')) {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (it->is_directory()) {
            members.push_back({.name = name + "/"});
        } else if (it->is_regular_file()) {
            members.push_back({.name = name, .file = it->path()});
        }
    }
    return members;
}

void write_archive(std::vector<ArchiveMember> members, std::int64_t mtime, ByteSink& out) {
    std::sort(members.begin(), members.end(),
              [](const ArchiveMember& a, const ArchiveMember& b) { return a.name < b.name; });
    TarStreamWriter writer(out);
    std::vector<std::uint8_t> buffer(kChunkSize);
    for (std::size_t i = 0; i < members.size(); ++i) {
        const auto& member = members[i];
        if (i > 0 && members[i - 1].name == member.name) {
            throw Error("two archive members are named " + member.name);
        }
        ArchiveEntryHandle entry = new_archive_entry();
        archive_entry_copy_pathname(entry.get(), member.name.c_str());
        archive_entry_set_uid(entry.get(), 0);
        archive_entry_set_gid(entry.get(), 0);
        archive_entry_set_mtime(entry.get(), static_cast<time_t>(mtime), 0);
        bool directory = member.name.ends_with('/');
        archive_entry_set_filetype(entry.get(), directory ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(entry.get(), directory ? 0755 : 0644);
        if (directory) {
            archive_entry_set_size(entry.get(), 0);
            writer.header(entry.get());
        } else if (member.file.empty()) {
            archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member.bytes.size()));
            writer.header(entry.get());
            writer.data(member.bytes.data(), member.bytes.size(), member.name);
        } else {
            oci::FileSource content(member.file);
            archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
            writer.header(entry.get());
            std::uint64_t written = 0;
            while (auto n = content.read(buffer.data(), buffer.size())) {
                if (written + n > content.size()) break;
                writer.data(buffer.data(), n, member.name);
                written += n;
            }
            if (written != content.size()) {
                throw Error(member.file.string() + " changed size while it was archived");
            }
        }
    }
    writer.finish();
}

}  // namespace cairn::assemble
