#!/usr/bin/env bash
# Installs the toolchain that `cairn build` runs natively, when it is missing: Debian's cargo and
# rustc when `cargo` or `rustc` is not on PATH, nodejs and npm when `node` or `npm` is not, and the
# packaged crates testdata/sample builds offline from (librust-*-dev, in /usr/share/cargo/registry)
# when not installed. Prints nothing when all is present. Needs root (or sudo) only to install.
# Run it, or source it (it installs, then returns; cairn_install_toolchain stays defined).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

# What testdata/sample/Cargo.lock pins, and libc (a crate with a build script), which
# tests/integration/test_base_paths.sh vendors; each compiles with Debian 12's rustc 1.63.
CAIRN_SAMPLE_CRATES=(librust-fnv-dev librust-itoa-dev librust-percent-encoding-dev librust-libc-dev)

cairn_install_toolchain() {
    # Tools found on PATH (rustup's cargo, a newer node) are used as they are; only what is
    # absent comes from Debian.
    local wanted=("${CAIRN_SAMPLE_CRATES[@]}")
    { command -v cargo && command -v rustc; } >/dev/null 2>&1 || wanted+=(cargo rustc)
    if ! command -v node >/dev/null 2>&1; then
        wanted+=(nodejs npm)
    elif ! command -v npm >/dev/null 2>&1; then
        wanted+=(npm)
    fi
    cairn_install_packages "${wanted[@]}"
}

cairn_install_toolchain
