#!/usr/bin/env bash
# Reading an archive takes no room in $TMPDIR: with TMPDIR on a 20 MiB tmpfs, a 30 MB
# oci-archive and docker-archive (plain and gzip-compressed) are inspected and copied, and
# nothing is created there. Where cairn does need $TMPDIR (an archive written to /dev/stdout
# is gathered there first), running out of room says so, naming $TMPDIR.
source "$(dirname "$0")/lib.sh"
require_tool jq
require_tool skopeo

TINY=$WORK/tiny
mkdir -p "$TINY"
if mount -t tmpfs -o size=20m tmpfs "$TINY" 2>/dev/null; then
    on_exit "umount $TINY"
    MOUNTED=1
else
    # No mount here: an empty directory, which must stay empty, stands for it.
    note "mount -t tmpfs is refused here: checking only that nothing is written to \$TMPDIR"
    MOUNTED=0
fi

mkdir -p "$WORK/app"
head -c 30000000 /dev/urandom >"$WORK/app/noise.bin"
cairn_ok append scratch --layer "$WORK/app:/app" --to "oci:$WORK/image:v1"
DIGEST=$(tr -d '\n' <"$OUT")
cairn_ok copy "oci:$WORK/image:v1" "oci-archive:$WORK/image.tar:v1"
cairn_ok copy "oci:$WORK/image:v1" "docker-archive:$WORK/image.docker.tar:example.com/app:v1"
gzip -1 -c "$WORK/image.tar" >"$WORK/image.tar.gz"
gzip -1 -c "$WORK/image.docker.tar" >"$WORK/image.docker.tar.gz"
(($(stat -c %s "$WORK/image.tar") > 25000000)) || fail "the archive is smaller than the test needs"

assert_tiny_empty() {  # WHAT
    assert_eq "" "$(ls -A "$TINY")" "$1 left files in \$TMPDIR"
}

case_read_archives() {
    local archive n=0
    for archive in "oci-archive:$WORK/image.tar" "oci-archive:$WORK/image.tar.gz" \
        "docker-archive:$WORK/image.docker.tar" "docker-archive:$WORK/image.docker.tar.gz"; do
        n=$((n + 1))
        TMPDIR=$TINY cairn_ok inspect --json "$archive"
        assert_eq 1 "$(jq '.layers | length' "$OUT")" "inspect $archive"
        assert_tiny_empty "inspect $archive"
        TMPDIR=$TINY cairn_ok copy "$archive" "oci:$WORK/copy$n:v1"
        assert_tiny_empty "copy $archive"
        assert_image_consistent "$WORK/copy$n" v1
        skopeo inspect "oci:$WORK/copy$n:v1" >/dev/null || fail "skopeo cannot read the copy of $archive"
    done
    # The oci-archive's manifest is the image's own: the same digest after the round trip.
    TMPDIR=$TINY cairn_ok copy "oci-archive:$WORK/image.tar:v1" "oci:$WORK/same:v1"
    assert_eq "$DIGEST" "$(tr -d '\n' <"$OUT")" "digest through the oci-archive"
}
run_case read_archives case_read_archives

# Safety of reading in place: a member that climbs out is refused, a truncated archive is an
# error naming it, and neither leaves anything anywhere.
case_hostile_archives() {
    python3 -c 'import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    info = tarfile.TarInfo("../evil")
    info.size = 2
    t.addfile(info, io.BytesIO(b"x\n"))' "$WORK/evil.tar"
    TMPDIR=$TINY expect_error 1 'outside the archive' inspect "oci-archive:$WORK/evil.tar"
    head -c 20000000 "$WORK/image.tar" >"$WORK/truncated.tar"
    TMPDIR=$TINY expect_error 1 'truncated.tar' copy "oci-archive:$WORK/truncated.tar" "oci:$WORK/from-truncated:v1"
    assert_absent "$WORK/from-truncated" "a failed copy from a truncated archive"
    assert_tiny_empty "hostile archives"
}
run_case hostile_archives case_hostile_archives

case_staging_in_tmpdir_names_it() {
    ((MOUNTED)) || { note "no tmpfs: the out-of-room case is skipped"; return 0; }
    TMPDIR=$TINY run_cairn copy "oci:$WORK/image:v1" "oci-archive:/dev/stdout"
    assert_eq 1 "$RC" "exit status when \$TMPDIR is full"
    assert_match "$(tail -n 1 "$ERR")" "^cairn: error: .*TMPDIR.*$TINY" "the error names \$TMPDIR"
    assert_tiny_empty "a copy that ran out of room"
}
run_case staging_in_tmpdir_names_it case_staging_in_tmpdir_names_it

finish_cases
