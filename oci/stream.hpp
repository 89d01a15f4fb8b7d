// Byte streams: the interfaces every layer, blob and compressor flows through, one pass, bounded
// memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cairn {

// Where bytes go. Implementations may buffer; callers signal the end through the
// concrete type (e.g. a compressor's finish()), never by destruction alone.
class ByteSink {
  public:
    virtual ~ByteSink() = default;
    virtual void write(const std::uint8_t* data, std::size_t size) = 0;
    void write(std::string_view text) {
        write(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    }
};

// Where bytes come from. read() returns 0 only at the end of the stream.
class ByteSource {
  public:
    virtual ~ByteSource() = default;
    virtual std::size_t read(std::uint8_t* data, std::size_t capacity) = 0;
};

// Copies a source to a sink in bounded chunks; returns the number of bytes copied.
std::uint64_t copy_stream(ByteSource& from, ByteSink& to);

// Passes every byte on to two sinks (e.g. a hasher and a file).
class TeeSink : public ByteSink {
  public:
    TeeSink(ByteSink& first, ByteSink& second) : first_(first), second_(second) {}
    void write(const std::uint8_t* data, std::size_t size) override {
        first_.write(data, size);
        second_.write(data, size);
    }
    using ByteSink::write;

  private:
    ByteSink& first_;
    ByteSink& second_;
};

// Bytes in memory as a source (manifests, configs, request bodies); they must outlive it.
class MemorySource : public ByteSource {
  public:
    explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override;

  private:
    std::string_view bytes_;
};

// Counts bytes and drops them.
class CountingSink : public ByteSink {
  public:
    void write(const std::uint8_t*, std::size_t size) override { count_ += size; }
    using ByteSink::write;
    std::uint64_t count() const { return count_; }

  private:
    std::uint64_t count_ = 0;
};

}  // namespace cairn
