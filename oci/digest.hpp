// Content digests (`sha256:<64 hex>`) and the streaming SHA-256 that computes them.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "oci/stream.hpp"

namespace cairn::oci {

// A validated `sha256:<64 lowercase hex>` digest. Other algorithms are refused with a clear error.
class Digest {
  public:
    // Throws cairn::Error naming the bad text.
    static Digest parse(std::string_view text);
    static bool is_valid(std::string_view text);
    static Digest of(std::string_view bytes);
    static Digest from_hex(std::string_view hex);

    const std::string& str() const { return text_; }
    std::string_view algorithm() const { return std::string_view(text_).substr(0, 6); }
    std::string_view hex() const { return std::string_view(text_).substr(7); }
    // The first 12 hex digits, for display.
    std::string_view short_hex() const { return hex().substr(0, 12); }

    auto operator<=>(const Digest&) const = default;

  private:
    explicit Digest(std::string text) : text_(std::move(text)) {}
    std::string text_;
};

// Streaming SHA-256 (OpenSSL EVP) that also counts the bytes it saw.
class Sha256 : public ByteSink {
  public:
    Sha256();
    ~Sha256() override;
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void write(const std::uint8_t* data, std::size_t size) override;
    using ByteSink::write;
    // Ends the hash; the object may not be written to afterwards.
    Digest finish();
    std::uint64_t size() const { return size_; }

  private:
    struct Context;
    std::unique_ptr<Context> context_;
    std::uint64_t size_ = 0;
};

inline std::ostream& operator<<(std::ostream& out, const Digest& digest) {
    return out << digest.str();
}

}  // namespace cairn::oci

template <>
struct std::hash<cairn::oci::Digest> {
    std::size_t operator()(const cairn::oci::Digest& d) const noexcept {
        return std::hash<std::string>()(d.str());
    }
};
