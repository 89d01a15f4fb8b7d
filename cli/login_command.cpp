// `cairn login REGISTRY [-u USER] [--password-stdin | -p PASSWORD]`: checks credentials, then
// stores them where Docker's config.json (or --authfile) says: a credential helper, or "auths".
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/registry_flags.hpp"
#include "oci/error.hpp"
#include "registry/keychain.hpp"
#include "registry/reference.hpp"
#include "registry/registry_session.hpp"

namespace cairn::cli {

namespace {

struct LoginArgs {
    std::string registry;
    std::string username;
    std::string password;  // -p: accepted as docker accepts it, with its warning
    bool password_stdin = false;
    RegistryFlags registry_flags;
};

// The one credential being tried, so the check uses it and nothing from the keychain.
class CandidateKeychain : public registry::Keychain {
  public:
    explicit CandidateKeychain(registry::Credential credential)
        : credential_(std::move(credential)) {}
    std::optional<registry::Credential> find(const std::string&, std::string* tried) override {
        if (tried) *tried = "the credentials given to cairn login";
        return credential_;
    }

  private:
    registry::Credential credential_;
};

std::string read_password(bool from_stdin) {
    if (from_stdin) {
        std::string password(std::istreambuf_iterator<char>(std::cin), {});
        while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
            password.pop_back();
        return password;
    }
    if (::isatty(STDIN_FILENO) != 1) {
        throw UsageError("no terminal to ask for a password: pass it with --password-stdin");
    }
    termios saved{};
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    std::cerr << "Password: " << std::flush;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::string password;
    std::getline(std::cin, password);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << '\n';
    return password;
}

int run_login(const LoginArgs& args) {
    if (args.username.empty()) throw UsageError("cairn login needs a user name (-u USER)");
    // A bare host: any path or tag is a mistake worth pointing out.
    auto host = args.registry;
    if (host.starts_with("https://")) host = host.substr(8);
    if (host.find('/') != std::string::npos) {
        throw UsageError("cairn login takes a registry host, not \"" + args.registry + "\"");
    }
    auto reference = registry::Reference::parse(host + "/cairn-login-check");
    if (!args.password.empty() && args.password_stdin)
        throw UsageError("--password and --password-stdin exclude each other");
    std::string password = args.password;
    if (!password.empty()) {
        // Blanked from here on (the flag's value is in this process's argv, and may be echoed
        // by a registry's error body), and the user told why the flag is a bad habit.
        registry::remember_secret_forms(password);
        status("warning: a password on the command line is visible to other users of this "
               "machine and stays in shell history; use --password-stdin");
    } else {
        password = read_password(args.password_stdin);
    }
    registry::Credential credential{.username = args.username,
                                    .password = std::move(password),
                                    .source = "cairn login"};
    if (credential.password.empty()) throw UsageError("empty password");
    registry::remember_credential(credential);

    CandidateKeychain candidate(credential);
    auto transport = args.registry_flags.transport_options();
    if (!transport.tls_verify) transport.insecure_registries.push_back(reference.registry());
    registry::RegistrySession session({.insecure_registries = transport.insecure_registries,
                                       .ca_file = transport.ca_file,
                                       .keychain = &candidate,
                                       .user_agent = "cairn/" CAIRN_VERSION,
                                       .request_timeout = transport.request_timeout,
                                       .low_speed_limit = transport.low_speed_limit,
                                       .low_speed_time = transport.low_speed_time});
    auto client = session.client(reference);
    auto response = client->send({.url = client->url("/v2/")});
    if (response->status() != 200) client->fail(*response, "logging in to " + reference.registry());

    registry::DefaultKeychain keychain({.auth_file = transport.auth_file});
    auto where = keychain.store_credential(reference.registry(), credential);
    status("login to " + reference.registry() + " succeeded; the credential is stored in " +
           where);
    std::cout << "Login Succeeded\n";
    return 0;
}

}  // namespace

Runner add_login_command(CLI::App& app) {
    auto args = std::make_shared<LoginArgs>();
    auto* command = app.add_subcommand("login", "Check and store credentials for a registry");
    command->add_option("REGISTRY", args->registry, "the registry, HOST[:PORT]")->required();
    command->add_option("-u,--username", args->username, "user name")->option_text(" USER");
    command
        ->add_option("-p,--password", args->password,
                     "the password (prefer --password-stdin: argv is visible to others)")
        ->option_text(" PASSWORD");
    command->add_flag("--password-stdin", args->password_stdin,
                      "read the password from standard input");
    add_registry_flags(*command, args->registry_flags, Transfers::no);
    return [args] { return run_login(*args); };
}

}  // namespace cairn::cli
