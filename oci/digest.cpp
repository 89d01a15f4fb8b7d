// SHA-256 digests on OpenSSL's EVP interface, and the strict parsing of digest strings.
#include "oci/digest.hpp"

#include <openssl/evp.h>

#include "oci/error.hpp"

namespace cairn::oci {

namespace {

constexpr std::string_view kPrefix = "sha256:";

bool is_lower_hex(std::string_view text) {
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(kDigits[bytes[i] >> 4]);
        out.push_back(kDigits[bytes[i] & 0xf]);
    }
    return out;
}

}  // namespace

bool Digest::is_valid(std::string_view text) {
    return text.size() == kPrefix.size() + 64 && text.starts_with(kPrefix) &&
           is_lower_hex(text.substr(kPrefix.size()));
}

Digest Digest::parse(std::string_view text) {
    if (is_valid(text)) return Digest(std::string(text));
    std::string shown(text.substr(0, 100));
    auto colon = text.find(':');
    if (colon != std::string_view::npos && text.substr(0, colon) != "sha256" &&
        !text.substr(0, colon).empty()) {
        throw Error("unsupported digest algorithm in \"" + shown + "\" (cairn handles sha256)");
    }
    throw Error("invalid digest \"" + shown + "\": expected sha256:<64 lowercase hex digits>");
}

Digest Digest::from_hex(std::string_view hex) {
    return parse(std::string(kPrefix) + std::string(hex));
}

Digest Digest::of(std::string_view bytes) {
    Sha256 hasher;
    hasher.write(bytes);
    return hasher.finish();
}

struct Sha256::Context {
    struct Free {
        void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
    };
    std::unique_ptr<EVP_MD_CTX, Free> ctx{EVP_MD_CTX_new()};
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
    if (!context_->ctx || EVP_DigestInit_ex(context_->ctx.get(), EVP_sha256(), nullptr) != 1) {
        throw Error("cannot initialise SHA-256 (OpenSSL)");
    }
}

Sha256::~Sha256() = default;

void Sha256::write(const std::uint8_t* data, std::size_t size) {
    if (EVP_DigestUpdate(context_->ctx.get(), data, size) != 1)
        throw Error("SHA-256 update failed");
    size_ += size;
}

Digest Sha256::finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_->ctx.get(), out, &length) != 1)
        throw Error("SHA-256 final failed");
    return Digest::from_hex(to_hex(out, length));
}

}  // namespace cairn::oci
