#include "assemble/layer/deflate_join.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "oci/error.hpp"

using namespace cairn;
using namespace cairn::assemble;
using Bytes = std::vector<std::uint8_t>;

namespace {

// Random bytes (libdeflate stores them), short text (fixed codes) or long text (dynamic codes).
Bytes piece(std::mt19937& random, unsigned kind) {
    Bytes data;
    std::size_t size = kind == 1 ? random() % 40 : 1 + random() % 200'000;
    const std::string words[] = {"layer ", "tar ", "/usr/lib/", "\n", "sha256:"};
    while (data.size() < size) {
        if (kind == 0) {
            data.push_back(static_cast<std::uint8_t>(random()));
        } else {
            const std::string& word = words[random() % 5];
            data.insert(data.end(), word.begin(), word.end());
        }
    }
    data.resize(size);
    return data;
}

Bytes deflate_piece(const Bytes& data, int level) {
    libdeflate_compressor* compressor = libdeflate_alloc_compressor(level);
    BOOST_REQUIRE(compressor);
    std::size_t bound = libdeflate_deflate_compress_bound(compressor, data.size());
    Bytes out(bound + join_slack);
    std::size_t used =
        libdeflate_deflate_compress(compressor, data.data(), data.size(), out.data(), bound);
    libdeflate_free_compressor(compressor);
    BOOST_REQUIRE(used > 0u);
    out.resize(used);
    return out;
}

// zlib's raw inflate of the whole stream; `complete` says whether it reached a final block.
Bytes inflate_raw(const Bytes& stream, bool& complete) {
    z_stream z{};
    BOOST_REQUIRE(inflateInit2(&z, -15) == Z_OK);
    z.next_in = const_cast<Bytef*>(stream.data());
    z.avail_in = static_cast<uInt>(stream.size());
    Bytes result;
    Bytes out(1 << 16);
    int status = Z_OK;
    while (status == Z_OK) {
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(out.size());
        status = inflate(&z, Z_NO_FLUSH);
        result.insert(result.end(), out.data(), out.data() + (out.size() - z.avail_out));
        if (status == Z_BUF_ERROR && z.avail_in == 0) break;
    }
    complete = status == Z_STREAM_END && z.avail_in == 0;
    inflateEnd(&z);
    return result;
}

std::size_t join_into(DeflateJoiner& joiner, Bytes deflated, Bytes& stream) {
    std::size_t size = deflated.size();
    deflated.resize(size + join_slack);
    std::size_t joined = joiner.make_joinable(deflated.data(), size);
    stream.insert(stream.end(), deflated.begin(), deflated.begin() + joined);
    return joined - size;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(deflate_join)

BOOST_AUTO_TEST_CASE(joined_pieces_inflate_as_one_stream) {
    std::mt19937 random(5);
    DeflateJoiner joiner;
    std::map<std::size_t, int> padding_seen;  // bytes added: 0, 4 or 5
    for (int round = 0; round < 60; ++round) {
        int level = static_cast<int>(round % 13);  // libdeflate's 0 (stored only) to 12
        Bytes stream;
        Bytes expected;
        unsigned pieces = 1 + random() % 4;
        for (unsigned i = 0; i < pieces; ++i) {
            Bytes data = piece(random, random() % 3);
            expected.insert(expected.end(), data.begin(), data.end());
            Bytes deflated = deflate_piece(data, level);
            if (i + 1 == pieces) {
                stream.insert(stream.end(), deflated.begin(), deflated.end());
            } else {
                ++padding_seen[join_into(joiner, deflated, stream)];
            }
        }
        bool complete = false;
        BOOST_TEST((inflate_raw(stream, complete) == expected), "round " << round);
        BOOST_TEST(complete, "round " << round << " did not end with one final block");
    }
    // Every way a piece can end was met: on a byte boundary, with 1-2 spare bits, with 3-7.
    BOOST_TEST(padding_seen[0] > 0);
    BOOST_TEST(padding_seen[4] > 0);
    BOOST_TEST(padding_seen[5] > 0);
}

BOOST_AUTO_TEST_CASE(a_joined_piece_alone_is_not_final) {
    std::mt19937 random(9);
    DeflateJoiner joiner;
    Bytes stream;
    join_into(joiner, deflate_piece(piece(random, 2), 6), stream);
    bool complete = true;
    inflate_raw(stream, complete);
    BOOST_TEST(!complete);
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_one_complete_stream) {
    std::mt19937 random(3);
    const Bytes good = deflate_piece(piece(random, 2), 6);
    auto refused = [](Bytes bytes, std::size_t size) {
        bytes.resize(size + join_slack);
        DeflateJoiner joiner;
        try {
            joiner.make_joinable(bytes.data(), size);
        } catch (const Error& e) {
            BOOST_TEST_MESSAGE(e.what());
            return std::string(e.what()).find("cannot be joined") != std::string::npos;
        }
        return false;
    };
    BOOST_TEST(refused(good, good.size() / 2));  // cut short
    Bytes trailing = good;
    trailing.push_back(0);
    BOOST_TEST(refused(trailing, trailing.size()));               // bytes after the final block
    BOOST_TEST(refused(Bytes{0x07}, 1));                          // BFINAL with the reserved type 3
    BOOST_TEST(refused(Bytes{0x01, 0x05, 0x00, 0x00, 0x00}, 5));  // stored, bad NLEN
    BOOST_TEST(refused(Bytes{}, 0));
    Bytes noise(5000);
    for (auto& byte : noise) byte = static_cast<std::uint8_t>(random());
    noise[0] = 0x05;  // final dynamic block, then random code lengths
    BOOST_TEST(refused(noise, noise.size()));
}

BOOST_AUTO_TEST_SUITE_END()
