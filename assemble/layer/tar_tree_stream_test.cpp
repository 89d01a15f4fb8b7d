// Reproducibility of write_tar's bytes, GNU tar as an independent judge, and stream failures.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <clocale>
#include <cstdio>
#include <map>

#include "assemble/layer/tar_tree.hpp"
#include "oci/error.hpp"
#include "tree_test_support.hpp"

using namespace cairn::assemble;
using namespace cairn::assemble::testing;

namespace {

const std::string kLongName = "\xc3\xbc/" + std::string(150, 'l') + "/" + std::string(150, 'n');

// The same tree whatever the creation order, umask and timestamps: only those may differ.
void build_sample(const fs::path& root, bool reverse, mode_t mask, std::int64_t seconds) {
    mode_t previous = ::umask(mask);
    std::vector<std::function<void()>> steps = {
        [&] { make_dir(root / "bin", 0755); },
        [&] { write_file(root / "bin/tool", "tool", 0755); },
        [&] { make_dir(root / "etc", 0755); },
        [&] { write_file(root / "etc/conf", "key = value\n", 0644); },
        [&] { make_dir(root / "var/empty", 0700); },
        [&] { make_dir(root / "var", 0755); },
        [&] { write_file(root / kLongName, "long", 0600); },
        [&] { make_dir(root / "\xc3\xbc", 0755); },
        [&] { make_dir(root / ("\xc3\xbc/" + std::string(150, 'l')), 0755); },
        [&] { write_file(root / "data/one", "same inode"); },
        [&] { make_dir(root / "data", 0755); },
        [&] { write_file(root / "data/with space", "s", 0640); },
    };
    if (reverse) std::reverse(steps.begin(), steps.end());
    for (auto& step : steps) step();
    fs::create_hard_link(root / "data/one", root / "data/two");
    fs::create_symlink("../bin/tool", root / "etc/tool-link");
    ::umask(previous);
    for (const auto& item : fs::recursive_directory_iterator(root)) {
        timespec times[2] = {{seconds, 1234}, {seconds + 7, 5678}};
        ::utimensat(AT_FDCWD, item.path().c_str(), times, AT_SYMLINK_NOFOLLOW);
    }
}

std::string tar_of(const fs::path& root, std::int64_t mtime = 0) {
    MemorySink sink;
    TarOptions options;
    options.mtime = mtime;
    write_tar({{root, "/"}}, options, sink);
    return sink.bytes;
}

// Runs a shell command; returns its output (stdout and stderr) and sets its exit status.
std::string run_command(const std::string& command, int& status) {
    std::string output;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed");
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    status = ::pclose(pipe);
    return output;
}

// Type, permissions and content or target of every path below `root`.
std::map<std::string, std::string> snapshot(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (const auto& item : fs::recursive_directory_iterator(root)) {
        auto status = fs::symlink_status(item.path());
        std::string text = std::to_string(static_cast<int>(status.type())) + " " +
                           std::to_string(static_cast<unsigned>(status.permissions())) + " ";
        if (fs::is_symlink(status)) text += fs::read_symlink(item.path()).string();
        if (fs::is_regular_file(status)) text += read_file(item.path());
        out[item.path().lexically_relative(root).string()] = text;
    }
    return out;
}

// Calls `action` once, when more than `trigger` bytes have arrived.
class TriggerSink : public MemorySink {
  public:
    TriggerSink(std::size_t trigger, std::function<void()> action)
        : trigger_(trigger), action_(std::move(action)) {}
    void write(const std::uint8_t* data, std::size_t size) override {
        MemorySink::write(data, size);
        largest_write = std::max(largest_write, size);
        if (action_ && bytes.size() > trigger_) std::exchange(action_, nullptr)();
    }
    using MemorySink::write;
    std::size_t largest_write = 0;

  private:
    std::size_t trigger_;
    std::function<void()> action_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tar_tree)

BOOST_AUTO_TEST_CASE(same_tree_gives_identical_bytes) {
    ScratchDir first;
    ScratchDir second;
    build_sample(first.path(), false, 022, 1000000000);
    build_sample(second.path(), true, 077, 1600000000);

    std::string a = tar_of(first.path(), 1700000000);
    std::string b = tar_of(second.path(), 1700000000);
    BOOST_TEST(read_tar(a).size() == 14u);
    BOOST_TEST((a == b));
    BOOST_TEST((tar_of(first.path(), 1700000001) != a));
}

BOOST_AUTO_TEST_CASE(ends_with_tar_trailer_without_block_padding) {
    ScratchDir dir;
    write_file(dir / "small", "x");
    std::string bytes = tar_of(dir.path());
    // header + one data block + two zero blocks; libarchive would pad to 10240 by default.
    BOOST_TEST(bytes.size() == 4u * 512);
    BOOST_TEST(bytes.substr(bytes.size() - 1024) == std::string(1024, '\0'));
}

// libarchive names pax extended headers "dir/PaxHeader/name"; the SUSv3 form would carry the
// process id ("PaxHeader.<pid>"). Its conversion of names to UTF-8 follows the locale, which
// write_tar pins. Two processes in two locales must write the same bytes.
BOOST_AUTO_TEST_CASE(pax_headers_independent_of_process_and_locale) {
    ScratchDir tree;
    ScratchDir outputs;
    build_sample(tree.path(), false, 022, 0);
    auto write_in_child = [&](const char* locale, const fs::path& output) {
        return run_in_child([&] {
            if (std::setlocale(LC_ALL, locale) == nullptr) return 3;
            std::ofstream(output, std::ios::binary) << tar_of(tree.path());
            return 0;
        });
    };
    BOOST_TEST_REQUIRE(write_in_child("C", outputs / "c.tar") == 0);
    BOOST_TEST_REQUIRE(write_in_child("C.UTF-8", outputs / "utf8.tar") == 0);
    std::string in_c = read_file(outputs / "c.tar");
    std::string in_utf8 = read_file(outputs / "utf8.tar");

    BOOST_TEST((in_c == in_utf8));
    BOOST_TEST((in_c == tar_of(tree.path())));
    BOOST_TEST(in_c.find("PaxHeader/") != std::string::npos);
    BOOST_TEST(in_c.find("PaxHeader.") == std::string::npos);
    BOOST_TEST(in_c.find("hdrcharset") == std::string::npos);
    BOOST_TEST(find_entry(read_tar(in_c), kLongName) != nullptr);
}

BOOST_AUTO_TEST_CASE(gnu_tar_lists_and_extracts_the_same_tree) {
    ScratchDir source;
    ScratchDir work;
    build_sample(source.path(), false, 022, 0);
    fs::path layer = work / "layer.tar";
    std::ofstream(layer, std::ios::binary) << tar_of(source.path(), 1700000000);

    int status = -1;
    std::string listing =
        run_command("tar --quoting-style=literal -tvf '" + layer.string() + "'", status);
    BOOST_TEST(status == 0);
    BOOST_TEST_MESSAGE(listing);
    for (std::string expected :
         {" bin/\n", " bin/tool\n", " data/two link to data/one\n",
          " etc/tool-link -> ../bin/tool\n", " var/empty/\n", " data/with space\n"}) {
        BOOST_TEST(listing.find(expected) != std::string::npos, "listing lacks" << expected);
    }
    BOOST_TEST(listing.find(" " + kLongName + "\n") != std::string::npos);
    std::istringstream lines(listing);
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
        BOOST_TEST(line.find(" 0/0 ") != std::string::npos, line);
    }
    BOOST_TEST(count == 14);

    fs::create_directory(work / "out");
    std::string output = run_command(
        "tar -xf '" + layer.string() + "' -C '" + (work / "out").string() + "'", status);
    BOOST_TEST(status == 0);
    BOOST_TEST(output == "");
    BOOST_TEST(snapshot(work / "out") == snapshot(source.path()));
    BOOST_TEST(fs::equivalent(work / "out/data/one", work / "out/data/two"));
}

BOOST_AUTO_TEST_CASE(content_streamed_in_bounded_chunks) {
    ScratchDir dir;
    std::string big(3 * 1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
    write_file(dir / "big.bin", big);
    TriggerSink sink(0, nullptr);
    write_tar({{dir.path(), "/"}}, {}, sink);
    auto entries = read_tar(sink.bytes);
    BOOST_TEST_REQUIRE(entries.size() == 1u);
    BOOST_TEST((entries[0].data == big));
    BOOST_TEST(sink.largest_write <= 64u * 1024);
}

BOOST_AUTO_TEST_CASE(file_changing_size_while_read_is_an_error) {
    ScratchDir dir;
    fs::path file = dir / "growing.bin";
    auto has = [](const std::string& part) {
        return [part](const cairn::Error& e) {
            return std::string(e.what()).find(part) != std::string::npos;
        };
    };
    write_file(file, std::string(1 << 20, 'g'));
    TriggerSink grow(64 * 1024, [&] { std::ofstream(file, std::ios::app) << "more"; });
    BOOST_CHECK_EXCEPTION(write_tar({{dir.path(), "/"}}, {}, grow), cairn::Error,
                          has(file.string() + " grew while being archived"));
    // libarchive, freed after the error, would pad the entry and add the trailer: a
    // truncated layer that looks whole. None of that may reach the sink.
    BOOST_TEST(grow.bytes.size() > 64u * 1024);
    BOOST_TEST(grow.bytes.find(std::string(1024, '\0')) == std::string::npos);

    write_file(file, std::string(1 << 20, 's'));
    TriggerSink shrink(64 * 1024, [&] { fs::resize_file(file, 100 * 1024); });
    BOOST_CHECK_EXCEPTION(write_tar({{dir.path(), "/"}}, {}, shrink), cairn::Error,
                          has(file.string() + " shrank while being archived"));
}

BOOST_AUTO_TEST_CASE(sink_exception_passes_through_libarchive) {
    ScratchDir dir;
    write_file(dir / "file", "x");
    struct FullSink : cairn::ByteSink {
        void write(const std::uint8_t*, std::size_t) override {
            ++calls;
            throw cairn::Error("sink is full");
        }
        using ByteSink::write;
        int calls = 0;
    } sink;
    BOOST_CHECK_EXCEPTION(
        write_tar({{dir.path(), "/"}}, {}, sink), cairn::Error,
        [](const cairn::Error& e) { return std::string(e.what()) == "sink is full"; });
    // Nothing more is forced on a sink once it failed.
    BOOST_TEST(sink.calls == 1);
}

BOOST_AUTO_TEST_SUITE_END()
