#!/usr/bin/env bash
# Builds cairn and runs every test (Boost.Test units, then integration tests against real tools).
# Exit 0 only when all pass. Works on a fresh Debian 12 as root: installs what is missing first.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/deps.sh"

cairn_install_packages "${CAIRN_BUILD_PACKAGES[@]}" "${CAIRN_TEST_PACKAGES[@]}"
# cargo, rustc, node, npm and the Debian crates testdata/sample builds with, when missing.
bash "$top/scripts/toolchain.sh"
cairn_build "$top/build"
cd "$top/build"
ctest --output-on-failure -j"$(nproc)" "$@"
