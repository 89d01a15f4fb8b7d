// `cairn man`: the manual page cairn(1) in roff, made from the parser that --help reads (the
// build writes it to build/share/man/man1/cairn.1 and installs it).
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/command_tree.hpp"
#include "cli/commands.hpp"

namespace cairn::cli {

namespace {

// Text as roff reads it: backslashes and minus signs escaped, a line never starting a request,
// and every non-ASCII character as \[uXXXX] (groff reads its input as Latin-1 unless told).
std::string roff(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            out += "\\-";
        } else if (c >= 0xC0 && c < 0xF8) {
            int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
            char32_t code = c & (0x3F >> extra);
            for (int k = 0; k < extra && i + 1 < text.size(); ++k)
                code = (code << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F);
            char name[16];
            std::snprintf(name, sizeof name, "\\[u%04X]", static_cast<unsigned>(code));
            out += name;
        } else if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        }
    }
    if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out = "\\&" + out;
    return out;
}

void write_options(std::ostream& out, const std::vector<OptionInfo>& options) {
    for (const auto& option : options) {
        if (option.positional) continue;
        out << ".TP\n";
        for (std::size_t i = 0; i < option.names.size(); ++i)
            out << (i ? ", " : "") << "\\fB" << roff(option.names[i]) << "\\fR";
        if (!option.value.empty()) out << " \\fI" << roff(option.value) << "\\fR";
        out << '\n' << roff(option.description) << '\n';
    }
}

void write_command(std::ostream& out, const CommandInfo& command) {
    out << ".SS \"" << roff(command.usage()) << "\"\n" << roff(command.description) << ".\n";
    for (const auto& option : command.options) {
        if (!option.positional || option.description.empty()) continue;
        out << ".br\n\\fI" << roff(option.names.front()) << "\\fR: " << roff(option.description)
            << '\n';
    }
    write_options(out, command.options);
    for (const auto& sub : command.commands) write_command(out, sub);
}

}  // namespace

std::string man_page(const CLI::App& app) {
    auto tree = describe_program(app);
    std::ostringstream out;
    out << ".TH CAIRN 1 \"\" \"cairn " CAIRN_VERSION "\" \"User Commands\"\n"
        << ".SH NAME\ncairn \\- build and ship container images without a Docker daemon\n"
        << ".SH SYNOPSIS\n.B cairn\n[\\fIglobal flags\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
        << ".SH DESCRIPTION\n"
        << roff("cairn runs a project's cargo and npm builds natively, writes OCI layers and "
                "manifests itself, stacks them onto a cached base, and pushes to any OCI "
                "registry. Images are named as skopeo names them: REGISTRY/REPO[:TAG][@DIGEST] "
                "(or docker://...), oci:DIR[:TAG], oci-archive:FILE[:TAG], "
                "docker-archive:FILE[:REF].")
        << "\n.SH \"GLOBAL FLAGS\"\nThese go before or after the command.\n";
    write_options(out, tree.options);
    out << ".SH COMMANDS\n";
    std::string group;
    for (const auto& command : tree.commands) {
        if (command.group != group) {
            group = command.group;
            out << ".PP\n\\fB" << roff(group) << "\\fR\n";
        }
        write_command(out, command);
    }
    out << ".SH \"EXIT STATUS\"\n0 on success, 1 on failure, 2 for a usage error; an error is one "
           "line on standard error starting \"cairn: error:\".\n"
        << ".SH ENVIRONMENT\n.TP\n\\fBCAIRN_CACHE\\fR\n"
        << roff("the cache directory (default $XDG_CACHE_HOME/cairn)") << "\n.TP\n"
        << "\\fBCAIRN_AAD_ACCESS_TOKEN\\fR\n"
        << roff("an Entra ID access token, exchanged at an Azure registry's /oauth2/exchange")
        << "\n.TP\n\\fBREGISTRY_AUTH_FILE\\fR, \\fBDOCKER_CONFIG\\fR\n"
        << roff("where credentials are looked for (see --authfile)") << "\n.TP\n"
        << "\\fBSOURCE_DATE_EPOCH\\fR\n"
        << roff("the mtime of every layer entry and the config's created date (default 0)")
        << "\n.TP\n\\fBLOCAL_ONLY\\fR=true, \\fBREBUILD_BASE\\fR=true\n"
        << roff("as cairn build --local-only and --rebuild-base") << "\n"
        << ".SH \"SEE ALSO\"\n"
        << roff("docs/commands.md, docs/config.md (cairn.toml), docs/cache.md and docs/ci.md in "
                "cairn's source; skopeo(1), crane.")
        << '\n';
    return out.str();
}

Runner add_man_command(CLI::App& app) {
    app.add_subcommand("man", "Print the manual page cairn(1) (roff; view with man -l -)");
    return [] {
        std::cout << man_page(program());
        return 0;
    };
}

}  // namespace cairn::cli
