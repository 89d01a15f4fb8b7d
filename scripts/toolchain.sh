#!/usr/bin/env bash
# Installs the toolchain that `cairn build` runs natively, when it is missing: Debian's cargo and
# rustc when `cargo` or `rustc` is not on PATH, nodejs and npm when `node` or `npm` is not, and the
# packaged crates testdata/sample builds offline from (librust-*-dev, in /usr/share/cargo/registry)
# when not installed. Prints nothing when all is present. Needs root (or sudo) only to install.
# Run it, or source it (it installs, then returns; cairn_install_toolchain stays defined).
set -euo pipefail

# What testdata/sample/Cargo.lock pins; each compiles with Debian 12's rustc 1.63.
CAIRN_SAMPLE_CRATES=(librust-fnv-dev librust-itoa-dev librust-percent-encoding-dev)

cairn_install_toolchain() {
    local missing=()
    local package
    { command -v cargo && command -v rustc; } >/dev/null 2>&1 || missing+=(cargo rustc)
    if ! command -v node >/dev/null 2>&1; then
        missing+=(nodejs npm)
    elif ! command -v npm >/dev/null 2>&1; then
        missing+=(npm)
    fi
    for package in "${CAIRN_SAMPLE_CRATES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    echo "cairn: installing ${missing[*]}" >&2
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
}

cairn_install_toolchain
