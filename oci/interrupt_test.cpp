// The interrupt handler: registered files and trees removed, children's hook called, one line
// said, and the process ended by the signal itself.
#include "oci/interrupt.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace oci = cairn::oci;
using cairn::test::TempDir;
using cairn::test::write_text;

namespace {

int hook_pipe = -1;
void hook() {
    char byte = 'h';
    [[maybe_unused]] auto n = ::write(hook_pipe, &byte, 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(interrupt)

BOOST_AUTO_TEST_CASE(trees_are_removed_without_following_links) {
    TempDir dir;
    fs::create_directories(dir / "tree/a/b/c");
    write_text(dir / "tree/a/b/c/deep", "x");
    for (int i = 0; i < 300; ++i) write_text(dir / "tree/a" / ("f" + std::to_string(i)), "y");
    fs::create_directories(dir / "outside");
    write_text(dir / "outside/precious", "keep");
    fs::create_directory_symlink(dir / "outside", dir / "tree/link");
    oci::remove_tree_signal_safe((dir / "tree").c_str());
    BOOST_TEST(!fs::exists(dir / "tree"));
    BOOST_TEST(fs::exists(dir / "outside/precious"));
    write_text(dir / "file", "z");
    oci::remove_tree_signal_safe((dir / "file").c_str());
    BOOST_TEST(!fs::exists(dir / "file"));
}

// In a child process (the handler ends the process it runs in): SIGTERM removes what is
// registered and nothing released, calls the hook, says one line, and ends the child by SIGTERM.
BOOST_AUTO_TEST_CASE(a_signal_removes_what_is_registered_and_ends_by_the_signal) {
    TempDir dir;
    fs::create_directories(dir / "tree/sub");
    write_text(dir / "tree/sub/part", "partial");
    write_text(dir / "temp", "partial");
    write_text(dir / "committed", "whole");
    auto tree = dir / "tree";
    auto temp = dir / "temp";
    auto committed = dir / "committed";
    int err[2], hooks[2];
    BOOST_REQUIRE(::pipe(err) == 0);
    BOOST_REQUIRE(::pipe(hooks) == 0);
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(err[1], 2);
        hook_pipe = hooks[1];
        oci::add_interrupt_hook(hook);
        oci::RemoveOnInterrupt a(tree, oci::RemoveOnInterrupt::Kind::tree);
        oci::RemoveOnInterrupt b(temp, oci::RemoveOnInterrupt::Kind::file);
        oci::RemoveOnInterrupt c(committed, oci::RemoveOnInterrupt::Kind::file);
        c.release();
        oci::set_interrupt_activity("cairn test");
        ::raise(SIGTERM);
        ::_exit(0);  // not reached
    }
    ::close(err[1]);
    ::close(hooks[1]);
    int status = 0;
    BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    BOOST_TEST(WIFSIGNALED(status));
    BOOST_TEST(WTERMSIG(status) == SIGTERM);
    std::string said;
    char buffer[512];
    for (ssize_t n; (n = ::read(err[0], buffer, sizeof buffer)) > 0;) said.append(buffer, n);
    BOOST_TEST(said ==
               "cairn: error: cairn test was interrupted by SIGTERM; its temporary files are "
               "removed\n");
    char byte = 0;
    BOOST_TEST(::read(hooks[0], &byte, 1) == 1);
    BOOST_TEST(byte == 'h');
    ::close(err[0]);
    ::close(hooks[0]);
    BOOST_TEST(!fs::exists(tree));
    BOOST_TEST(!fs::exists(temp));
    BOOST_TEST(fs::exists(committed));
}

BOOST_AUTO_TEST_SUITE_END()
