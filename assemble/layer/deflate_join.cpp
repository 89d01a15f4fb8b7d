// A deflate block walker (RFC 1951) that skips codes without decoding output, and the join fix-up.
#include "assemble/layer/deflate_join.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "oci/error.hpp"

namespace cairn::assemble {

namespace {

[[noreturn]] void malformed(const char* what) {
    throw Error(std::string("gzip compression: deflate stream cannot be joined: ") + what);
}

// Little-endian bit reader over the piece plus its slack. After refill() at least 56 bits are
// buffered; bits beyond `count_` are the following input bytes, so reloading them is harmless.
class BitReader {
  public:
    BitReader(const std::uint8_t* data, std::size_t size)
        : start_(data), next_(data), end_(data + size) {}

    void refill() {
        // Loading ahead moves next_ up to 8 bytes past the bits really used, so it may pass end_
        // by that much in a good stream; beyond, the stream overruns. Loads then stay inside
        // end_ + 16, the slack.
        if (next_ > end_ + 8) malformed("it runs past its end");
        std::uint64_t word = 0;  // compilers turn this into one load on little-endian machines
        for (unsigned i = 0; i < 8; ++i) word |= std::uint64_t{next_[i]} << (8 * i);
        bits_ |= word << count_;
        next_ += (63 - count_) >> 3;
        count_ |= 56;
    }
    std::uint64_t peek() const { return bits_; }
    void skip(unsigned n) {
        bits_ >>= n;
        count_ -= n;
    }
    unsigned take(unsigned n) {
        auto value = static_cast<unsigned>(bits_ & ((std::uint64_t{1} << n) - 1));
        skip(n);
        return value;
    }
    // Position of the next unread bit from the start of the piece.
    std::uint64_t position() const { return std::uint64_t(next_ - start_) * 8 - count_; }
    void seek_byte(std::uint64_t byte) {
        if (byte > std::uint64_t(end_ - start_)) malformed("a stored block runs past its end");
        next_ = start_ + byte;
        bits_ = 0;
        count_ = 0;
    }

  private:
    const std::uint8_t* start_;
    const std::uint8_t* next_;
    const std::uint8_t* end_;
    std::uint64_t bits_ = 0;
    unsigned count_ = 0;
};

constexpr unsigned max_code_bits = 15;

// What a code stands for, as far as walking needs: whether it ends the block or is followed
// by a distance code. Entries hold kind << 5 | bits to skip (the code and its extra bits);
// 0 means no code has these bits.
enum Kind : unsigned { plain = 1, end_of_block = 2, length = 3 };

constexpr std::array<std::uint8_t, 29> length_extra = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                       2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<std::uint8_t, 30> distance_extra = {0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                                         4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
                                                         9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

// Calls visit(symbol, reversed code, length) for each symbol of a canonical Huffman code
// (RFC 1951 3.2.2), after checking the code lengths do not over-subscribe the code space.
template <typename Visit>
void for_each_code(const std::uint8_t* lengths, unsigned symbols, Visit visit) {
    std::array<unsigned, max_code_bits + 1> count{};
    for (unsigned s = 0; s < symbols; ++s) ++count[lengths[s]];
    count[0] = 0;
    std::array<unsigned, max_code_bits + 1> next{};
    int left = 1;
    for (unsigned bits = 1, code = 0; bits <= max_code_bits; ++bits) {
        left = left * 2 - static_cast<int>(count[bits]);
        if (left < 0) malformed("a Huffman code is over-subscribed");
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    for (unsigned s = 0; s < symbols; ++s) {
        unsigned bits = lengths[s];
        if (bits == 0) continue;
        unsigned code = next[bits]++;
        unsigned reversed = 0;
        for (unsigned i = 0; i < bits; ++i) reversed |= ((code >> i) & 1) << (bits - 1 - i);
        visit(s, reversed, bits);
    }
}

// What a symbol means to the walk: its kind and the extra bits after its code, as an entry
// kind << 5 | bits to skip (code + extra); 0 for a symbol that never occurs.
unsigned skip_entry(unsigned symbol, unsigned code_bits, bool literal_length) {
    if (literal_length) {
        if (symbol < 256) return plain << 5 | code_bits;
        if (symbol == 256) return end_of_block << 5 | code_bits;
        if (symbol > 285) return 0;
        return length << 5 | (code_bits + length_extra[symbol - 257]);
    }
    if (symbol >= distance_extra.size()) return 0;
    return plain << 5 | (code_bits + distance_extra[symbol]);
}

// Codes of up to fast_bits bits are found by one lookup of the next fast_bits input bits (a
// 4 KiB table stays in the L1 cache; a full 15-bit one did not and cost 2x); longer codes,
// rare in practice, are decoded bit by bit in canonical order, as zlib's puff.c does.
struct SkipTable {
    static constexpr unsigned fast_bits = 11;
    std::array<std::uint16_t, 1 << fast_bits> entries;   // 0: no code, or a longer one
    std::array<std::uint16_t, max_code_bits + 1> count;  // codes of each length
    std::array<std::uint16_t, 288> sorted;               // symbols in canonical code order
    bool literal_length = false;

    void build(const std::uint8_t* lengths, unsigned symbols, bool is_literal_length) {
        literal_length = is_literal_length;
        entries.fill(0);
        count.fill(0);
        std::array<std::uint16_t, max_code_bits + 2> offset{};
        for (unsigned s = 0; s < symbols; ++s) {
            if (lengths[s] != 0) ++offset[lengths[s] + 1];
        }
        for (unsigned bits = 1; bits <= max_code_bits; ++bits) {
            count[bits] = offset[bits + 1];
            offset[bits + 1] = static_cast<std::uint16_t>(offset[bits + 1] + offset[bits]);
        }
        for (unsigned s = 0; s < symbols; ++s) {
            if (lengths[s] != 0) sorted[offset[lengths[s]]++] = static_cast<std::uint16_t>(s);
        }
        for_each_code(lengths, symbols, [&](unsigned s, unsigned reversed, unsigned bits) {
            if (bits > fast_bits) return;
            auto entry = static_cast<std::uint16_t>(skip_entry(s, bits, literal_length));
            for (unsigned at = reversed; at < entries.size(); at += 1u << bits) entries[at] = entry;
        });
    }
    unsigned lookup(const BitReader& in) const {
        unsigned entry = entries[in.peek() & (entries.size() - 1)];
        return entry != 0 ? entry : lookup_long(in.peek());
    }

  private:
    unsigned lookup_long(std::uint64_t bits) const {
        unsigned code = 0;
        unsigned first = 0;
        unsigned index = 0;
        for (unsigned length = 1; length <= max_code_bits; ++length) {
            code |= (bits >> (length - 1)) & 1;
            if (code - first < count[length]) {
                unsigned entry = skip_entry(sorted[index + code - first], length, literal_length);
                if (entry == 0) break;
                return entry;
            }
            index += count[length];
            first = (first + count[length]) << 1;
            code <<= 1;
        }
        malformed("an unknown Huffman code");
    }
};

struct FixedTables {
    SkipTable literal_length;
    SkipTable distance;
    FixedTables() {
        std::array<std::uint8_t, 288> lengths{};
        std::fill(lengths.begin(), lengths.begin() + 144, 8);
        std::fill(lengths.begin() + 144, lengths.begin() + 256, 9);
        std::fill(lengths.begin() + 256, lengths.begin() + 280, 7);
        std::fill(lengths.begin() + 280, lengths.end(), 8);
        literal_length.build(lengths.data(), 288, true);
        std::array<std::uint8_t, 30> distances;
        distances.fill(5);
        distance.build(distances.data(), 30, false);
    }
};

// Reads a dynamic block's code lengths (RFC 1951 3.2.7) and builds its two tables.
void read_dynamic_tables(BitReader& in, SkipTable& literal_length, SkipTable& distance) {
    in.refill();
    unsigned literals = in.take(5) + 257;
    unsigned distances = in.take(5) + 1;
    unsigned length_codes = in.take(4) + 4;
    static constexpr std::array<std::uint8_t, 19> order = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                           11, 4,  12, 3, 13, 2, 14, 1, 15};
    std::array<std::uint8_t, 19> code_lengths{};
    for (unsigned i = 0; i < length_codes; ++i) {
        in.refill();
        code_lengths[order[i]] = static_cast<std::uint8_t>(in.take(3));
    }
    // Code-length codes are at most 7 bits: entries hold symbol << 3 | bits.
    std::array<std::uint8_t, 1 << 7> code_table{};
    for_each_code(code_lengths.data(), 19, [&](unsigned s, unsigned reversed, unsigned bits) {
        for (unsigned at = reversed; at < code_table.size(); at += 1u << bits) {
            code_table[at] = static_cast<std::uint8_t>(s << 3 | bits);
        }
    });
    std::array<std::uint8_t, 288 + 32> lengths{};  // the most HLIT and HDIST can say
    unsigned total = literals + distances;
    for (unsigned i = 0; i < total;) {
        in.refill();
        unsigned entry = code_table[in.peek() & 0x7f];
        if (entry == 0) malformed("an unknown code-length code");
        in.skip(entry & 7);
        unsigned symbol = entry >> 3;
        unsigned repeat = 1;
        std::uint8_t value = static_cast<std::uint8_t>(symbol);
        if (symbol == 16) {
            if (i == 0) malformed("a repeat with nothing before it");
            value = lengths[i - 1];
            repeat = 3 + in.take(2);
        } else if (symbol == 17) {
            value = 0;
            repeat = 3 + in.take(3);
        } else if (symbol == 18) {
            value = 0;
            repeat = 11 + in.take(7);
        }
        if (i + repeat > total) malformed("code lengths overrun their count");
        while (repeat-- > 0) lengths[i++] = value;
    }
    literal_length.build(lengths.data(), literals, true);
    distance.build(lengths.data() + literals, distances, false);
}

void skip_codes(BitReader& in, const SkipTable& literal_length, const SkipTable& distance) {
    for (;;) {
        // One refill covers a literal/length code with its extra bits (20) and a distance
        // code with its extra bits (28): 56 >= 48.
        in.refill();
        unsigned entry = literal_length.lookup(in);
        in.skip(entry & 31);
        unsigned kind = entry >> 5;
        if (kind == end_of_block) return;
        if (kind == length) in.skip(distance.lookup(in) & 31);
    }
}

struct LastBlock {
    std::uint64_t header_bit;  // where its BFINAL bit is
    std::uint64_t end_bit;     // just after its end-of-block code
};

}  // namespace

struct DeflateJoiner::Tables {
    SkipTable literal_length;
    SkipTable distance;
};

DeflateJoiner::DeflateJoiner() : dynamic_(std::make_unique<Tables>()) {}
DeflateJoiner::~DeflateJoiner() = default;

namespace {

LastBlock walk(const std::uint8_t* data, std::size_t size, SkipTable& dynamic_literal_length,
               SkipTable& dynamic_distance) {
    static const FixedTables fixed;
    BitReader in(data, size);
    for (;;) {
        in.refill();
        std::uint64_t header = in.position();
        bool final = in.take(1) != 0;
        switch (in.take(2)) {
            case 0: {  // stored: skip to the byte boundary, LEN, NLEN, then LEN bytes
                in.skip(static_cast<unsigned>((8 - in.position() % 8) % 8));
                in.refill();
                unsigned length = in.take(16);
                if ((in.take(16) ^ 0xffff) != length) malformed("a stored block's length check");
                in.seek_byte(in.position() / 8 + length);
                break;
            }
            case 1:
                skip_codes(in, fixed.literal_length, fixed.distance);
                break;
            case 2:
                read_dynamic_tables(in, dynamic_literal_length, dynamic_distance);
                skip_codes(in, dynamic_literal_length, dynamic_distance);
                break;
            default:
                malformed("a block of the reserved type");
        }
        if (in.position() > std::uint64_t{size} * 8) malformed("it runs past its end");
        if (final) return {header, in.position()};
    }
}

}  // namespace

std::size_t DeflateJoiner::make_joinable(std::uint8_t* data, std::size_t size) {
    if (size == 0) malformed("it is empty");
    std::memset(data + size, 0, join_slack);
    LastBlock last = walk(data, size, dynamic_->literal_length, dynamic_->distance);
    if ((last.end_bit + 7) / 8 != size) malformed("bytes follow its final block");
    data[last.header_bit / 8] &= static_cast<std::uint8_t>(~(1u << (last.header_bit % 8)));
    auto unused = static_cast<unsigned>((8 - last.end_bit % 8) % 8);
    if (unused == 0) return size;
    // Zero the last byte's unused high bits: they then start a stored block header (BFINAL 0,
    // BTYPE 00). With fewer than 3 of them the header spills into one more zero byte. Then, on
    // the byte boundary, LEN 0 and NLEN 0xffff.
    data[size - 1] &= static_cast<std::uint8_t>((1u << (8 - unused)) - 1);
    std::size_t n = size;
    if (unused < 3) data[n++] = 0;
    data[n++] = 0;
    data[n++] = 0;
    data[n++] = 0xff;
    data[n++] = 0xff;
    return n;
}

}  // namespace cairn::assemble
