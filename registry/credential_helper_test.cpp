#include "registry/credential_helper.hpp"

#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "error_test_support.hpp"
#include "registry/child_process.hpp"
#include "registry/keychain_test_support.hpp"

namespace fs = std::filesystem;
namespace registry = cairn::registry;
using cairn::test::KeychainSandbox;
using namespace std::chrono_literals;
using cairn::test::error_of;

namespace {

// Gone, or a zombie waiting for an init that may not reap it in a container.
bool process_ended(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    return close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z';
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keychain)

BOOST_AUTO_TEST_CASE(helper_answers_not_found_and_tokens) {
    KeychainSandbox sandbox;
    registry::CredentialHelper helper("fake", 5s);
    BOOST_TEST(helper.program() == "docker-credential-fake");
    BOOST_TEST(!helper.get("registry.example"));
    sandbox.helper_knows("registry.example",
                         R"({"ServerURL":"registry.example","Username":"u","Secret":"p"})");
    auto credential = helper.get("registry.example");
    BOOST_TEST(credential->username == "u");
    BOOST_TEST(credential->password == "p");
    BOOST_TEST(credential->source == "docker-credential-fake");
    BOOST_TEST(KeychainSandbox::read(sandbox.helper_state() / "asked") ==
               "registry.example\nregistry.example\n");
    helper.erase("not-there.example");
}

BOOST_AUTO_TEST_CASE(helper_that_is_not_installed) {
    KeychainSandbox sandbox;
    BOOST_CHECK_THROW(registry::CredentialHelper("absent", 5s).get("registry.example"),
                      registry::CredentialHelperMissing);
}

BOOST_AUTO_TEST_CASE(helper_that_hangs_is_killed_with_what_it_started) {
    KeychainSandbox sandbox;
    sandbox.install_helper(
        "sleepy", "#!/bin/sh\nsleep 1000 &\necho $! > \"$FAKE_HELPER_DIR/sleeper\"\nwait\n");
    fs::create_directories(sandbox.helper_state());
    auto start = std::chrono::steady_clock::now();
    auto message =
        error_of([] { registry::CredentialHelper("sleepy", 300ms).get("registry.example"); });
    auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST(message ==
               "docker-credential-sleepy get for registry.example did not answer within 300 ms and "
               "was stopped");
    BOOST_TEST(elapsed < 5s);
    std::ifstream pid_file(sandbox.helper_state() / "sleeper");
    pid_t sleeper = 0;
    pid_file >> sleeper;
    BOOST_REQUIRE(sleeper > 0);
    for (int i = 0; i < 100 && !process_ended(sleeper); ++i) std::this_thread::sleep_for(10ms);
    BOOST_TEST(process_ended(sleeper));
}

BOOST_AUTO_TEST_CASE(helper_failures_do_not_echo_secrets) {
    KeychainSandbox sandbox;
    // A helper that repeats its input in its complaint.
    sandbox.install_helper("echoing",
                           "#!/bin/sh\ninput=$(cat)\necho \"cannot store $input\"\nexit 4\n");
    auto message = error_of([] {
        registry::CredentialHelper("echoing", 5s)
            .store("registry.example", {.username = "u", .password = "hunter2-secret"});
    });
    BOOST_TEST(message.find(
                   "docker-credential-echoing store for registry.example failed (exit status 4)") ==
               0u);
    BOOST_CHECK_MESSAGE(message.find("hunter2-secret") == std::string::npos, message);

    sandbox.install_helper("garbage", "#!/bin/sh\ncat >/dev/null\necho 'this is not json'\n");
    message = error_of([] { registry::CredentialHelper("garbage", 5s).get("registry.example"); });
    BOOST_CHECK_MESSAGE(
        message.find("docker-credential-garbage get for registry.example") != std::string::npos,
        message);
    BOOST_CHECK_MESSAGE(message.find("not valid JSON") != std::string::npos, message);

    sandbox.install_helper("json-on-failure",
                           "#!/bin/sh\necho '{\"Secret\":\"leaked\"}'\nexit 1\n");
    message =
        error_of([] { registry::CredentialHelper("json-on-failure", 5s).get("registry.example"); });
    BOOST_CHECK_MESSAGE(message.find("leaked") == std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(helper_that_ignores_its_input) {
    KeychainSandbox sandbox;
    // Exits before reading: writing to it must not raise SIGPIPE in cairn.
    sandbox.install_helper("deaf", "#!/bin/sh\nexit 0\n");
    std::string big(300000, 'x');
    BOOST_TEST(!registry::CredentialHelper("deaf", 5s).get(big));
}

BOOST_AUTO_TEST_SUITE_END()
