// Stream helpers shared by every pass over bytes.
#include "oci/stream.hpp"

#include <vector>

namespace cairn {

std::uint64_t copy_stream(ByteSource& from, ByteSink& to) {
    std::vector<std::uint8_t> buffer(1 << 20);
    std::uint64_t total = 0;
    while (std::size_t n = from.read(buffer.data(), buffer.size())) {
        to.write(buffer.data(), n);
        total += n;
    }
    return total;
}

}  // namespace cairn
