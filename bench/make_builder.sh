#!/usr/bin/env bash
# Makes the seed flow's builder image for bench/realistic.sh: Debian 12 (debootstrap) with cargo,
# rustc, the realistic sample's packaged crates, nodejs and npm, written by cairn as an OCI
# layout DIR tagged `bookworm`. Needs root and Debian's mirror; about 11 minutes on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../scripts/deps.sh"
dest=${1:?usage: make_builder.sh OCI-LAYOUT-DIR}
cairn=${CAIRN:?set CAIRN to the cairn binary}
cairn_install_packages debootstrap
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
chroot "$rootfs" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y -qq --no-install-recommends \
    ca-certificates cargo rustc nodejs npm "${CAIRN_REALISTIC_CRATES[@]}" >/dev/null
chroot "$rootfs" apt-get clean
rm -rf "$rootfs/var/lib/apt/lists"/* "$rootfs/etc/resolv.conf"
mkdir -p "$(dirname "$dest")"
"$cairn" append scratch --layer "$rootfs:/" --to "oci:$dest:bookworm" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin >/dev/null
