// Tar validation on libarchive's reader, fed from a ByteSource.
#include "assemble/layer/tar_check.hpp"

#include "assemble/layer/tar_stream.hpp"

namespace cairn::assemble {

void check_tar_stream(ByteSource& source, const std::string& what) {
    TarStreamReader reader(source, what);
    while (archive_entry* entry = reader.next()) {
        const char* name = archive_entry_pathname(entry);
        reader.skip_data(name ? name : "?");
    }
    // What follows the end-of-archive blocks (padding to a record) still belongs to the stream.
    CountingSink rest;
    copy_stream(source, rest);
}

}  // namespace cairn::assemble
