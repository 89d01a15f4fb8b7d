// Stream helpers shared by every pass over bytes.
#include "oci/stream.hpp"

#include <algorithm>
#include <cstring>
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

std::size_t MemorySource::read(std::uint8_t* data, std::size_t capacity) {
    auto n = std::min(capacity, bytes_.size());
    std::memcpy(data, bytes_.data(), n);
    bytes_.remove_prefix(n);
    return n;
}

}  // namespace cairn
