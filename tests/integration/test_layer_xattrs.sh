#!/usr/bin/env bash
# File capabilities (security.capability, what `setcap cap_net_bind_service=+ep` sets so that a
# non-root user may bind :80) survive `cairn layer`, `append` and `build`, as a SCHILY.xattr pax
# record that GNU tar --xattrs and umoci restore; no other xattr goes into a layer (user.* would
# carry host metadata into a reproducible layer), and the bytes stay reproducible.
source "$(dirname "$0")/lib.sh"
require_tool setcap libcap2-bin
require_tool getcap libcap2-bin
require_tool umoci
require_tool jq

SRC=$WORK/src
mkdir -p "$SRC/bin"
cp /bin/true "$SRC/bin/server"
chmod 0755 "$SRC/bin/server"
cp /bin/true "$SRC/bin/plain"
setcap cap_net_bind_service=+ep "$SRC/bin/server" 2>"$WORK/setcap.err" ||
    skip "setcap is refused here: $(cat "$WORK/setcap.err")"
getcap "$SRC/bin/server" | grep -q cap_net_bind_service || skip "the file system keeps no capabilities"
USER_XATTR=0
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.origin", b"https://host.example/download")' \
    "$SRC/bin/plain" 2>/dev/null && USER_XATTR=1

# The pax records of each member: "NAME KEY" lines, read with Python's tarfile (an independent
# reader).
pax_records() {  # TAR (uncompressed)
    python3 -c 'import sys, tarfile
for member in tarfile.open(sys.argv[1]):
    for key in sorted(member.pax_headers):
        print(member.name, key)' "$1"
}

case_layer_keeps_capabilities() {
    cairn_ok layer "$SRC" --to "$WORK/l.tar" --compression none
    local digest=$(layer_field digest)
    pax_records "$WORK/l.tar" >"$WORK/pax.txt"
    grep -qx 'bin/server SCHILY.xattr.security.capability' "$WORK/pax.txt" ||
        fail "no SCHILY.xattr.security.capability record for bin/server: $(cat "$WORK/pax.txt")"
    ! grep -q 'LIBARCHIVE\.' "$WORK/pax.txt" || fail "LIBARCHIVE.* records in the layer: $(cat "$WORK/pax.txt")"
    ! grep -q 'user\.' "$WORK/pax.txt" || fail "a user.* xattr went into the layer"
    ! grep -q '^bin/plain ' "$WORK/pax.txt" || fail "bin/plain has pax records: $(grep '^bin/plain' "$WORK/pax.txt")"
    ((USER_XATTR)) || note "user.* xattrs are not supported here: only capabilities are checked"
    # GNU tar restores the capability.
    mkdir -p "$WORK/gnu"
    tar --xattrs --xattrs-include='*' -xpf "$WORK/l.tar" -C "$WORK/gnu" || fail "GNU tar --xattrs cannot extract the layer"
    assert_match "$(getcap "$WORK/gnu/bin/server")" 'cap_net_bind_service[=+]+ep' "capability after GNU tar"
    assert_eq "" "$(getcap "$WORK/gnu/bin/plain")" "bin/plain has no capability"
    # Reproducible: the same bytes from a copy of the tree made elsewhere.
    cp -a "$SRC" "$WORK/src-copy"
    cairn_ok layer "$WORK/src-copy" --to "$WORK/l2.tar" --compression none
    assert_eq "$digest" "$(layer_field digest)" "the layer of a copy of the tree"
}
run_case layer_keeps_capabilities case_layer_keeps_capabilities

case_umoci_unpacks_capabilities() {
    cairn_ok append scratch --layer "$SRC:/" --to "oci:$WORK/image:v1"
    assert_image_consistent "$WORK/image" v1
    umoci unpack --image "$WORK/image:v1" "$WORK/bundle" >/dev/null 2>"$WORK/umoci.err" ||
        fail "umoci unpack: $(cat "$WORK/umoci.err")"
    assert_match "$(getcap "$WORK/bundle/rootfs/bin/server")" 'cap_net_bind_service[=+]+ep' "capability after umoci unpack"
}
run_case umoci_unpacks_capabilities case_umoci_unpacks_capabilities

finish_cases
