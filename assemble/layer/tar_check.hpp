// Checking that a stream given as a layer really is a tar archive, while it streams past.
#pragma once

#include <string>

#include "oci/stream.hpp"

namespace cairn::assemble {

// Reads `source` to its end through libarchive's tar reader (headers checked, contents
// skipped), so that a file named .tar that holds something else never becomes a layer that
// unpackers reject. `what` names the file in the Error.
void check_tar_stream(ByteSource& source, const std::string& what);

}  // namespace cairn::assemble
