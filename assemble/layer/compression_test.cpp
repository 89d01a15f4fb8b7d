#include "assemble/layer/compression.hpp"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "assemble/layer/gzip_compressor.hpp"
#include "oci/error.hpp"

using namespace cairn;
using namespace cairn::assemble;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr std::size_t block = GzipCompressor::default_block_size;

class VectorSink : public ByteSink {
  public:
    void write(const std::uint8_t* data, std::size_t size) override {
        bytes.insert(bytes.end(), data, data + size);
    }
    using ByteSink::write;
    Bytes bytes;
};

// Fails once more than `limit` bytes have been written to it.
class FailingSink : public ByteSink {
  public:
    explicit FailingSink(std::size_t limit) : limit_(limit) {}
    void write(const std::uint8_t*, std::size_t size) override {
        written_ += size;
        if (written_ > limit_) throw Error("disk full (test)");
    }
    using ByteSink::write;

  private:
    std::size_t limit_;
    std::size_t written_ = 0;
};

// Hands out its bytes at most `chunk` at a time, as a file or socket might.
class VectorSource : public ByteSource {
  public:
    explicit VectorSource(const Bytes& bytes, std::size_t chunk = 1 << 20)
        : bytes_(bytes), chunk_(chunk) {}
    std::size_t read(std::uint8_t* data, std::size_t capacity) override {
        std::size_t n = std::min({capacity, chunk_, bytes_.size() - position_});
        std::copy_n(bytes_.data() + position_, n, data);
        position_ += n;
        return n;
    }

  private:
    const Bytes& bytes_;
    std::size_t chunk_;
    std::size_t position_ = 0;
};

// Random runs, long repeats and short text-like repeats: something deflate works hard on.
Bytes mixed_data(std::size_t size, unsigned seed = 1) {
    std::mt19937 random(seed);
    Bytes data;
    data.reserve(size);
    const std::string words[] = {"layer ", "image ", "/usr/lib/", "manifest", "\n", "0000000"};
    while (data.size() < size) {
        switch (random() % 4) {
            case 0:
                for (unsigned n = random() % 1024; n > 0; --n) data.push_back(random() & 0xff);
                break;
            case 1:
                if (data.size() > 1000) {
                    std::size_t from = random() % (data.size() - 500);
                    std::size_t n = std::min<std::size_t>(random() % 3000, data.size() - from);
                    for (std::size_t i = 0; i < n; ++i) data.push_back(data[from + i]);
                }
                break;
            default:
                for (unsigned n = random() % 200; n > 0; --n) {
                    const auto& word = words[random() % std::size(words)];
                    data.insert(data.end(), word.begin(), word.end());
                }
        }
    }
    data.resize(size);
    return data;
}

Bytes incompressible_data(std::size_t size, unsigned seed = 2) {
    std::mt19937 random(seed);
    Bytes data(size);
    for (auto& byte : data) byte = random() & 0xff;
    return data;
}

// Writes `input` in pieces of the given sizes, in turn.
Bytes compress(Compression compression, const Bytes& input, unsigned threads,
               const std::vector<std::size_t>& pieces = {1 << 20}) {
    VectorSink sink;
    auto compressor = make_compressor(compression, sink, threads);
    std::size_t at = 0;
    for (std::size_t i = 0; at < input.size(); ++i) {
        std::size_t n = std::min(pieces[i % pieces.size()], input.size() - at);
        compressor->write(input.data() + at, n);
        at += n;
    }
    compressor->finish();
    return sink.bytes;
}

Bytes decompress(Compression compression, const Bytes& compressed, std::size_t chunk = 1 << 20) {
    VectorSource source(compressed, chunk);
    auto decompressor = make_decompressor(compression, source);
    VectorSink sink;
    copy_stream(*decompressor, sink);
    return sink.bytes;
}

// Runs an independent tool on the bytes (via a temporary file) and returns its stdout.
Bytes run_tool(const std::string& command, const Bytes& input) {
    auto path = std::filesystem::temp_directory_path() /
                ("cairn-compression-test-" + std::to_string(getpid()));
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()),
               static_cast<std::streamsize>(input.size()));
    FILE* pipe = popen((command + " < '" + path.string() + "'").c_str(), "r");
    BOOST_REQUIRE(pipe);
    Bytes output;
    std::uint8_t buffer[65536];
    while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe))
        output.insert(output.end(), buffer, buffer + n);
    int status = pclose(pipe);
    std::filesystem::remove(path);
    BOOST_TEST(status == 0, command << " failed with status " << status);
    return output;
}

// zlib's inflate, told to stop at the first member's end: a second member would be left over.
Bytes inflate_first_member(const Bytes& compressed, std::size_t& left_over) {
    z_stream z{};
    BOOST_REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
    Bytes out(1 << 16);
    Bytes result;
    z.next_in = const_cast<Bytef*>(compressed.data());
    z.avail_in = static_cast<uInt>(compressed.size());
    int status = Z_OK;
    while (status == Z_OK) {
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(out.size());
        status = inflate(&z, Z_NO_FLUSH);
        result.insert(result.end(), out.data(), out.data() + (out.size() - z.avail_out));
    }
    BOOST_TEST(status == Z_STREAM_END);
    left_over = z.avail_in;
    inflateEnd(&z);
    return result;
}

bool throws_error_containing(const std::function<void()>& action, const std::string& text) {
    try {
        action();
    } catch (const Error& e) {
        BOOST_TEST_MESSAGE("error: " << e.what());
        return std::string(e.what()).find(text) != std::string::npos;
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(compression)

BOOST_AUTO_TEST_CASE(names_and_magic) {
    for (auto c : {Compression::none, Compression::gzip, Compression::zstd}) {
        BOOST_TEST((parse_compression(compression_name(c)) == c));
    }
    BOOST_CHECK_THROW(parse_compression("lz4"), UsageError);
    BOOST_CHECK_THROW(parse_compression("GZIP"), UsageError);
    const std::uint8_t gzip[] = {0x1f, 0x8b, 8}, zstd[] = {0x28, 0xb5, 0x2f, 0xfd},
                       tar[] = {'u', 's', 't', 'a'};
    BOOST_TEST((detect_compression(gzip, sizeof gzip) == Compression::gzip));
    BOOST_TEST((detect_compression(zstd, sizeof zstd) == Compression::zstd));
    BOOST_TEST((detect_compression(zstd, 3) == Compression::none));
    BOOST_TEST((detect_compression(gzip, 1) == Compression::none));
    BOOST_TEST((detect_compression(tar, sizeof tar) == Compression::none));
}

BOOST_AUTO_TEST_CASE(round_trips_around_block_boundaries) {
    const Bytes data = mixed_data(3 * block + 10);
    for (std::size_t size :
         {std::size_t{0}, std::size_t{1}, std::size_t{32767}, std::size_t{32769}, block - 1, block,
          block + 1, 2 * block, 2 * block + 1, 3 * block + 10}) {
        Bytes input(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(size));
        for (auto c : {Compression::none, Compression::gzip, Compression::zstd}) {
            for (unsigned threads : {1u, 3u}) {
                auto compressed = compress(c, input, threads, {size / 3 + 1, 7});
                BOOST_TEST((decompress(c, compressed, 4093) == input),
                           compression_name(c) << " size " << size << " threads " << threads);
            }
        }
        std::size_t left_over = 1;
        BOOST_TEST(
            (inflate_first_member(compress(Compression::gzip, input, 2), left_over) == input));
        BOOST_TEST(left_over == 0u, "gzip output of size " << size << " is not a single member");
    }
}

BOOST_AUTO_TEST_CASE(large_input_same_bytes_for_any_thread_count) {
    const Bytes input = mixed_data(20'000'000);
    const std::vector<std::size_t> odd_pieces = {1, 4093, 65537, 7, (1 << 20) + 3, 131071};
    for (auto c : {Compression::gzip, Compression::zstd}) {
        const Bytes one = compress(c, input, 1, odd_pieces);
        BOOST_TEST(one.size() < input.size() / 2, "the test data barely compressed");
        for (unsigned threads : {2u, 3u, 4u}) {
            BOOST_TEST((compress(c, input, threads, odd_pieces) == one),
                       compression_name(c) << " differs with " << threads << " threads");
        }
        // The cut of the input into writes does not matter either.
        BOOST_TEST((compress(c, input, 2, {input.size()}) == one));
        BOOST_TEST((compress(c, input, 0, {123457}) == one), "threads 0 is not taken as 1");
        BOOST_TEST((decompress(c, one, 100'003) == input));
    }
}

BOOST_AUTO_TEST_CASE(independent_decoders_read_the_output) {
    const Bytes input = mixed_data(3'000'000, 7);
    const Bytes gzip = compress(Compression::gzip, input, 3, {99991});
    BOOST_TEST((run_tool("gzip -dc", gzip) == input));
    std::size_t left_over = 1;
    BOOST_TEST((inflate_first_member(gzip, left_over) == input));
    BOOST_TEST(left_over == 0u);
    const Bytes zstd = compress(Compression::zstd, input, 3, {99991});
    BOOST_TEST((run_tool("zstd -dcq", zstd) == input));
    BOOST_TEST(ZSTD_getFrameContentSize(zstd.data(), zstd.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
}

BOOST_AUTO_TEST_CASE(gzip_header_and_trailer_are_fixed) {
    const Bytes input = mixed_data(300'000, 3);
    const Bytes gzip = compress(Compression::gzip, input, 2);
    const Bytes header = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
    BOOST_REQUIRE(gzip.size() > 18u);
    BOOST_TEST((Bytes(gzip.begin(), gzip.begin() + 10) == header));
    auto le32 = [&](std::size_t at) {
        return std::uint32_t{gzip[at]} | std::uint32_t{gzip[at + 1]} << 8 |
               std::uint32_t{gzip[at + 2]} << 16 | std::uint32_t{gzip[at + 3]} << 24;
    };
    BOOST_TEST(le32(gzip.size() - 8) == crc32(0, input.data(), static_cast<uInt>(input.size())));
    BOOST_TEST(le32(gzip.size() - 4) == input.size());
    const Bytes empty = compress(Compression::gzip, {}, 1);
    BOOST_TEST((Bytes(empty.begin(), empty.begin() + 10) == header));
    BOOST_TEST((run_tool("gzip -dc", empty).empty()));
}

BOOST_AUTO_TEST_CASE(gzip_reader_accepts_what_other_tools_write) {
    const Bytes first = mixed_data(100'000, 4), second = mixed_data(50'000, 5);
    Bytes both = run_tool("gzip -c -1", first);
    const Bytes tail = run_tool("gzip -c -9", second);
    both.insert(both.end(), tail.begin(), tail.end());
    Bytes expected = first;
    expected.insert(expected.end(), second.begin(), second.end());
    BOOST_TEST((decompress(Compression::gzip, both, 1000) == expected));
    both.insert(both.end(), 512, 0);  // tape-style padding
    BOOST_TEST((decompress(Compression::gzip, both) == expected));
    both.push_back('x');
    BOOST_TEST(throws_error_containing([&] { decompress(Compression::gzip, both); }, "corrupt"));
}

BOOST_AUTO_TEST_CASE(damaged_streams_are_errors) {
    const Bytes input = mixed_data(1'000'000, 6);
    for (auto c : {Compression::gzip, Compression::zstd}) {
        const Bytes good = compress(c, input, 2);
        const std::string name(compression_name(c));
        Bytes corrupt = good;
        corrupt[corrupt.size() / 2] ^= 0x55;
        BOOST_TEST(
            throws_error_containing([&] { decompress(c, corrupt); }, name + " stream is corrupt"));
        for (std::size_t keep :
             {good.size() - 1, good.size() / 2, std::size_t{5}, std::size_t{0}}) {
            Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(keep));
            BOOST_TEST(throws_error_containing([&] { decompress(c, cut, 777); },
                                               name + " stream is truncated"),
                       name << " cut to " << keep << " bytes");
        }
    }
    Bytes not_gzip = {'h', 'e', 'l', 'l', 'o'};
    BOOST_TEST(
        throws_error_containing([&] { decompress(Compression::gzip, not_gzip); }, "corrupt"));
}

BOOST_AUTO_TEST_CASE(gzip_output_flows_with_bounded_buffering) {
    // Incompressible input: what was written but not yet passed on is what the compressor holds.
    const Bytes input = incompressible_data(8'000'000);
    const unsigned threads = 2;
    VectorSink sink;
    auto compressor = make_compressor(Compression::gzip, sink, threads);
    for (std::size_t at = 0; at < input.size(); at += 10'000) {
        compressor->write(input.data() + at, std::min<std::size_t>(10'000, input.size() - at));
        std::size_t held = at + 10'000 - std::min(sink.bytes.size(), at + 10'000);
        BOOST_TEST_REQUIRE(held <= (2 * threads + 2) * block, "holding " << held << " bytes");
    }
    compressor->finish();
    BOOST_TEST((decompress(Compression::gzip, sink.bytes) == input));
}

BOOST_AUTO_TEST_CASE(sink_errors_propagate_and_destruction_is_clean) {
    const Bytes input = mixed_data(6'000'000, 8);
    for (auto c : {Compression::gzip, Compression::zstd}) {
        const std::size_t full = compress(c, input, 1).size();
        for (std::size_t limit : {std::size_t{0}, full / 3, full - 1}) {
            for (unsigned threads : {1u, 4u}) {
                FailingSink sink(limit);
                auto compressor = make_compressor(c, sink, threads);
                auto run = [&] {
                    for (std::size_t at = 0; at < input.size(); at += 65536) {
                        compressor->write(input.data() + at,
                                          std::min<std::size_t>(65536, input.size() - at));
                    }
                    compressor->finish();
                };
                BOOST_TEST(throws_error_containing(run, "disk full (test)"),
                           compression_name(c) << " limit " << limit << " threads " << threads);
                // Once failed, it refuses further use instead of writing a damaged stream.
                BOOST_CHECK_THROW(compressor->finish(), Error);
            }  // the destructor joins the workers here; a hang or crash fails the test run
        }
    }
}

BOOST_AUTO_TEST_CASE(abandoned_compressor_stops_cleanly) {
    const Bytes input = mixed_data(5'000'000, 9);
    for (auto c : {Compression::gzip, Compression::zstd}) {
        VectorSink sink;
        auto compressor = make_compressor(c, sink, 4);
        compressor->write(input.data(), input.size());
        compressor.reset();  // no finish(): an error elsewhere unwound past it
        BOOST_TEST(sink.bytes.size() < input.size());
    }
}

BOOST_AUTO_TEST_SUITE_END()
