#!/usr/bin/env bash
# Installs the Debian packages cairn's build, tests and demo need, when they are missing.
# Sourced or run by demo.sh, test.sh and bench.sh; needs root (or sudo) only when something is missing.
set -euo pipefail

CAIRN_BUILD_PACKAGES=(cmake g++ make ninja-build pkg-config libarchive-dev libzstd-dev libssl-dev
    libcurl4-openssl-dev rapidjson-dev libboost-test-dev libtomlplusplus-dev libcli11-dev
    libisal-dev libdeflate-dev zlib1g-dev)
# Independent judges and peers for the tests, and what the demo runs images with.
CAIRN_TEST_PACKAGES=(skopeo umoci oci-image-tool runc busybox-static jq zstd gzip tar
    coreutils procps docker-registry apache2-utils openssl curl python3 python3-jwt
    python3-cryptography file git podman libcap2-bin)
CAIRN_BENCH_PACKAGES=(pigz zstd buildah)
# What testdata/realistic's Cargo.lock pins (Debian's packaged crates, built offline).
CAIRN_REALISTIC_CRATES=(librust-tokio-dev librust-hyper-dev librust-serde-dev
    librust-serde-derive-dev librust-serde-json-dev librust-clap-dev librust-tracing-dev
    librust-tracing-subscriber-dev librust-percent-encoding-dev)

cairn_install_packages() {
    local missing=()
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    echo "cairn: installing ${missing[*]}" >&2
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# Configures and builds into $1 (default build/); extra arguments go to cmake. With
# CAIRN_BUILD_TARGET set, builds that target alone (the bench needs only the program).
cairn_build() {
    local top build
    top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    build=${1:-$top/build}
    shift || true
    # Ninja starts a room's sources while the room below still links (make waits for it); a
    # build directory made earlier keeps the generator it was made with.
    local generator=()
    [[ -f $build/CMakeCache.txt ]] || generator=(-G Ninja)
    cmake -S "$top" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$build" -j"$(nproc)" ${CAIRN_BUILD_TARGET:+--target "$CAIRN_BUILD_TARGET"}
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    cairn_install_packages "${CAIRN_BUILD_PACKAGES[@]}" "${CAIRN_TEST_PACKAGES[@]}"
fi
