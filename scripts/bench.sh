#!/usr/bin/env bash
# Builds cairn (optimised) and runs every benchmark in bench/, each beside its reference tools.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/deps.sh"
cairn_install_packages "${CAIRN_BUILD_PACKAGES[@]}" "${CAIRN_BENCH_PACKAGES[@]}" bc tar skopeo docker-registry curl python3 jq \
    busybox-static git "${CAIRN_REALISTIC_CRATES[@]}"
source "$top/scripts/toolchain.sh"
CAIRN_BUILD_TARGET=cairn cairn_build "$top/build-release" -DCMAKE_BUILD_TYPE=Release
export CAIRN="$top/build-release/bin/cairn"
export CAIRN_CACHE
CAIRN_CACHE=$(mktemp -d)
trap 'rm -rf "$CAIRN_CACHE"' EXIT
for bench in "$top"/bench/*.sh; do
    [[ $(basename "$bench") == lib.sh || $(basename "$bench") == make_builder.sh ]] && continue
    bash "$bench"
    echo
done
