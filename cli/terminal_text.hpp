// Text from outside (image configs, registries, error bodies) made safe to show on a terminal.
#pragma once

#include <string>
#include <string_view>

namespace cairn::cli {

// `text` with every control character written out instead of sent: C0 (with \n, \r, \t as
// such), DEL and C1 (as \xNN or \u0085), the Unicode line separators and bidirectional
// overrides that reorder what a reader sees (\u202e), and bytes that are not UTF-8 (\xff).
// An image's Env value "A=1\r\e[2KB=2" shows as A=1\r\x1b[2KB=2, not as a different line.
std::string escape_controls(std::string_view text);

// For documents printed whole (a manifest, a config): on a terminal, escaped as above but with
// their line breaks and tabs kept; elsewhere (a pipe, a file) byte for byte, so that digests of
// the output hold.
std::string document_for_stdout(std::string_view bytes);

// What every human-readable line of cairn goes through: credentials cairn holds blanked
// (oci::blank_secrets), then controls escaped.
std::string for_display(std::string_view text);

}  // namespace cairn::cli
