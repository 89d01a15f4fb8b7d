#!/usr/bin/env bash
# `cairn copy` between oci:, oci-archive: and docker-archive:, judged by skopeo, umoci,
# oci-image-tool, GNU tar and jq: round trips keep digests, diff_ids and the tree; archives are
# reproducible and either complete or absent; damaged archives fail with one error line; what
# skopeo and `docker save` (go-containerregistry's tarballs) write is read.
source "$(dirname "$0")/lib.sh"
require_tool jq
require_tool skopeo
require_tool umoci
require_tool tar

SRC=$WORK/src
L=$WORK/L
make_test_tree "$SRC"
cairn_ok append scratch --layer "$SRC:/app" --to "oci:$L:v1" --entrypoint '["/app/run.sh"]' --env A=1
DIGEST=$(tr -d '\n' <"$OUT")
assert_image_consistent "$L" v1
manifest=$(blob_path "$L" "$DIGEST")
CONFIG_DIGEST=$(jq -r .config.digest "$manifest")
DIFF_IDS=$(jq -c .rootfs.diff_ids "$(blob_path "$L" "$CONFIG_DIGEST")")
LAYERS=$(jq -c '[.layers[].digest]' "$manifest")

umoci_flags=()
[[ $(id -u) == 0 ]] || umoci_flags=(--rootless)
unpack_equals_src() {  # LAYOUT:TAG BUNDLE WHAT
    umoci unpack "${umoci_flags[@]}" --image "$1" "$2" >"$WORK/umoci.log" 2>&1 ||
        fail "$3: umoci unpack failed: $(cat "$WORK/umoci.log")"
    assert_same_tree "$SRC" "$2/rootfs/app" "$3: umoci's rootfs/app"
}

# Members of a tar as GNU tar lists them: "mode owner/group date time name".
tar_listing() { tar --numeric-owner --full-time -tvf "$1" | awk '{print $1, $2, $4, $5, $6}'; }

# No working directories or temporary files left next to the archives.
assert_no_leftovers() {  # DIR
    local leftovers
    leftovers=$(find "$1" -maxdepth 1 -name '.*' ! -name . -printf '%f\n')
    [[ -z $leftovers ]] || fail "left behind in $1: $leftovers"
}

# --- oci -> oci-archive ------------------------------------------------------------------
OA=$WORK/img.oci.tar
case_oci_archive() {
    cairn_ok copy "oci:$L:v1" "oci-archive:$OA:v1"
    assert_eq "$DIGEST" "$(tr -d '\n' <"$OUT")" "copy prints the manifest digest"
    assert_no_leftovers "$WORK"
    skopeo inspect "oci-archive:$OA:v1" >"$WORK/skopeo-oa.json" || fail "skopeo inspect oci-archive failed"
    assert_eq "$DIGEST" "$(jq -r .Digest "$WORK/skopeo-oa.json")" "skopeo's digest of the oci-archive"
    assert_eq "$LAYERS" "$(jq -c .Layers "$WORK/skopeo-oa.json")" "skopeo's layers of the oci-archive"
    # Reproducible: sorted members, owner 0/0, mtime 0; no names.
    local listing names
    listing=$(tar_listing "$OA")
    names=$(tar -tf "$OA")
    assert_eq "$(LC_ALL=C sort <<<"$names")" "$names" "oci-archive members are sorted"
    assert_contains "$names" "oci-layout" "oci-archive members"
    assert_contains "$names" "index.json" "oci-archive members"
    [[ $(awk '{print $2}' <<<"$listing" | sort -u) == 0/0 ]] || fail "oci-archive owners: $listing"
    [[ $(awk '{print $3}' <<<"$listing" | sort -u) == 1970-01-01 ]] || fail "oci-archive mtimes: $listing"
    # Again: the same bytes; with SOURCE_DATE_EPOCH, that mtime.
    cairn_ok copy "oci:$L:v1" "oci-archive:$WORK/again.oci.tar:v1"
    cmp "$OA" "$WORK/again.oci.tar" || fail "two copies to oci-archive differ"
    SOURCE_DATE_EPOCH=1700000000 cairn_ok copy "oci:$L:v1" "oci-archive:$WORK/dated.oci.tar:v1"
    [[ $(tar_listing "$WORK/dated.oci.tar" | awk '{print $3}' | sort -u) == 2023-11-14 ]] ||
        fail "SOURCE_DATE_EPOCH is not the members' mtime: $(tar_listing "$WORK/dated.oci.tar")"
    # Writing an existing archive replaces it (as skopeo does): the old tag is gone.
    cairn_ok copy "oci:$L:v1" "oci-archive:$WORK/again.oci.tar:v2"
    expect_error 1 'v1.*(tags: v2)|no image tagged "v1"' copy "oci-archive:$WORK/again.oci.tar:v1" "oci:$WORK/none"
    assert_absent "$WORK/none" "a failed copy left its new target layout"
}
run_case oci_archive case_oci_archive

# --- oci-archive -> oci: the same image, digest for digest ---------------------------------
case_oci_archive_round_trip() {
    cairn_ok copy "oci-archive:$OA:v1" "oci:$WORK/R:v1"
    assert_eq "$DIGEST" "$(layout_tag_digest "$WORK/R" v1)" "digest after oci -> oci-archive -> oci"
    assert_image_consistent "$WORK/R" v1
    assert_eq "$(cd "$L/blobs/sha256" && ls | sort)" "$(cd "$WORK/R/blobs/sha256" && ls | sort)" "blobs of the round trip"
    unpack_equals_src "$WORK/R:v1" "$WORK/bundle-R" "oci -> oci-archive -> oci"
    # skopeo reads the archive into a layout too.
    skopeo copy --quiet "oci-archive:$OA:v1" "oci:$WORK/RS:v1" || fail "skopeo copy oci-archive -> oci failed"
    assert_eq "$DIGEST" "$(layout_tag_digest "$WORK/RS" v1)" "skopeo's digest of cairn's oci-archive"
}
run_case oci_archive_round_trip case_oci_archive_round_trip

# --- oci-archive -> docker-archive -> oci ----------------------------------------------------
DA=$WORK/img.docker.tar
case_docker_archive() {
    cairn_ok copy "oci-archive:$OA:v1" "docker-archive:$DA:example.com/app:v1"
    assert_no_leftovers "$WORK"
    tar -xOf "$DA" manifest.json >"$WORK/da-manifest.json" || fail "no manifest.json in the docker-archive"
    assert_eq '["example.com/app:v1"]' "$(jq -c '.[0].RepoTags' "$WORK/da-manifest.json")" "RepoTags"
    assert_eq "${CONFIG_DIGEST#sha256:}.json" "$(jq -r '.[0].Config' "$WORK/da-manifest.json")" "Config member"
    assert_eq "$(jq -c '[.[] | sub("sha256:"; "") + ".tar.gz"]' <<<"$LAYERS")" \
        "$(jq -c '.[0].Layers' "$WORK/da-manifest.json")" "Layers members"
    [[ $(tar_listing "$DA" | awk '{print $2}' | sort -u) == 0/0 ]] || fail "docker-archive owners"
    # skopeo reads it: the layers it presents are the uncompressed ones, i.e. the diff_ids.
    skopeo inspect "docker-archive:$DA" >"$WORK/skopeo-da.json" || fail "skopeo inspect docker-archive failed"
    assert_eq "$DIFF_IDS" "$(jq -c .Layers "$WORK/skopeo-da.json")" "skopeo's layers of the docker-archive"
    skopeo inspect --config "docker-archive:$DA" >"$WORK/skopeo-da-config.json" ||
        fail "skopeo inspect --config docker-archive failed"
    assert_eq "$DIFF_IDS" "$(jq -c .rootfs.diff_ids "$WORK/skopeo-da-config.json")" "diff_ids in the docker-archive"
    skopeo copy --quiet "docker-archive:$DA" "oci:$WORK/X:t" || fail "skopeo copy docker-archive -> oci failed"
    unpack_equals_src "$WORK/X:t" "$WORK/bundle-X" "oci-archive -> docker-archive (cairn) -> oci (skopeo)"
    # Reproducible too.
    cairn_ok copy "oci:$L:v1" "docker-archive:$WORK/again.docker.tar:example.com/app:v1"
    cmp "$DA" "$WORK/again.docker.tar" || fail "two copies to docker-archive differ"
    # And back with cairn: config and layers keep their digests; --format oci for umoci.
    cairn_ok copy "docker-archive:$DA:example.com/app:v1" "oci:$WORK/D:v1"
    assert_image_consistent "$WORK/D" v1
    local d_manifest
    d_manifest=$(blob_path "$WORK/D" "$(layout_tag_digest "$WORK/D" v1)")
    assert_eq "$CONFIG_DIGEST" "$(jq -r .config.digest "$d_manifest")" "config digest after the docker-archive"
    assert_eq "$LAYERS" "$(jq -c '[.layers[].digest]' "$d_manifest")" "layer digests after the docker-archive"
    cairn_ok copy --format oci "docker-archive:$DA" "oci:$WORK/DO:v1"
    assert_eq application/vnd.oci.image.manifest.v1+json \
        "$(jq -r .mediaType "$(blob_path "$WORK/DO" "$(layout_tag_digest "$WORK/DO" v1)")")" "--format oci manifest type"
    unpack_equals_src "$WORK/DO:v1" "$WORK/bundle-DO" "oci -> oci-archive -> docker-archive -> oci (cairn)"
    expect_error 1 'no image tagged "other:1".*example.com/app:v1' copy "docker-archive:$DA:other:1" "oci:$WORK/none"
    expect_error 2 'NAME:TAG' copy "oci:$L:v1" "docker-archive:$WORK/bad.tar:UPPER"
    assert_absent "$WORK/bad.tar"
}
run_case docker_archive case_docker_archive

# --- skopeo's docker-archive, read by cairn ------------------------------------------------
case_skopeo_docker_archive() {
    local sk=$WORK/skopeo.docker.tar
    skopeo copy --quiet "oci:$L:v1" "docker-archive:$sk:skopeo/app:1" || fail "skopeo copy oci -> docker-archive failed"
    cairn_ok copy "docker-archive:$sk" "oci:$WORK/K:v1"
    cairn_ok inspect --json "oci:$WORK/K:v1"
    assert_eq "$DIFF_IDS" "$(jq -c '[.layers[].diffID]' "$OUT")" "diff_ids of skopeo's docker-archive, through cairn"
    # skopeo stores layers uncompressed: each one's digest is its diff_id.
    assert_eq "$DIFF_IDS" "$(jq -c '[.layers[].digest]' "$OUT")" "layer digests of skopeo's docker-archive"
    assert_eq '["/app/run.sh"]' "$(jq -c .config.entrypoint "$OUT")" "entrypoint through skopeo's docker-archive"
    assert_image_consistent "$WORK/K" v1
    cairn_ok copy "docker-archive:$sk:skopeo/app:1" "oci:$WORK/K2:v1"   # its tag, Docker Hub-normalised
    cairn_ok copy --format oci "docker-archive:$sk" "oci:$WORK/KO:v1"
    unpack_equals_src "$WORK/KO:v1" "$WORK/bundle-KO" "oci -> docker-archive (skopeo) -> oci (cairn)"
}
run_case skopeo_docker_archive case_skopeo_docker_archive

# --- damaged archives: one error line, exit 1, no target ----------------------------------
# Flips a byte in the middle of MEMBER's data inside the tar FILE (found with GNU tar -R).
damage_member() {  # FILE MEMBER
    local block size
    block=$(tar -tvRf "$1" | awk -v m="$2" '$NF == m { sub(":", "", $2); print $2 }')
    size=$(tar -tvf "$1" | awk -v m="$2" '$NF == m { print $3 }')
    [[ -n $block && -n $size ]] || fail "no member $2 in $1"
    local offset=$(((block + 1) * 512 + size / 2))
    local byte
    byte=$(dd if="$1" bs=1 skip="$offset" count=1 status=none | od -An -tu1 | tr -d ' ')
    printf "\\$(printf '%03o' $(((byte + 1) % 256)))" | dd of="$1" bs=1 seek="$offset" conv=notrunc status=none
}
case_damaged() {
    local app_layer
    app_layer=$(jq -r '.[0].Layers[0]' "$WORK/da-manifest.json")
    cp "$DA" "$WORK/bad.docker.tar"
    damage_member "$WORK/bad.docker.tar" "$app_layer"
    for target in "oci:$WORK/bad-out" "oci-archive:$WORK/bad-out.tar" "docker-archive:$WORK/bad-out.docker.tar"; do
        expect_error 1 'bad.docker.tar' copy "docker-archive:$WORK/bad.docker.tar" "$target"
        assert_absent "$WORK/bad-out" "a failed copy to $target wrote a layout"
        assert_absent "$WORK/bad-out.tar" "a failed copy to $target wrote an archive"
        assert_absent "$WORK/bad-out.docker.tar" "a failed copy to $target wrote an archive"
    done
    cp "$OA" "$WORK/bad.oci.tar"
    damage_member "$WORK/bad.oci.tar" "blobs/sha256/$(jq -r '.[0]' <<<"$LAYERS" | cut -d: -f2)"
    expect_error 1 'bad.oci.tar.*corrupt|corrupt.*bad.oci.tar' copy "oci-archive:$WORK/bad.oci.tar:v1" "oci:$WORK/bad-out"
    assert_absent "$WORK/bad-out"
    # An existing archive survives a failed copy onto it.
    cp "$OA" "$WORK/keep.tar"
    expect_error 1 'corrupt' copy "oci-archive:$WORK/bad.oci.tar:v1" "oci-archive:$WORK/keep.tar:v1"
    cmp "$OA" "$WORK/keep.tar" || fail "a failed copy changed the existing archive"
    # A truncated archive.
    head -c 3000 "$OA" >"$WORK/short.tar"
    expect_error 1 'short.tar' copy "oci-archive:$WORK/short.tar:v1" "oci:$WORK/bad-out"
    expect_error 1 'does not exist' copy "docker-archive:$WORK/missing.tar" "oci:$WORK/bad-out"
    assert_absent "$WORK/bad-out"
    assert_no_leftovers "$WORK"
}
run_case damaged case_damaged

# --- go-containerregistry's docker-archive tarballs ----------------------------------------
PEER=${CAIRN_PEER_TESTDATA:-/work/shared/peer-testdata}/go-containerregistry/tarball
case_peer_tarballs() {
    if [[ ! -d $PEER ]]; then
        note "skipping go-containerregistry tarballs: $PEER is absent"
        return 0
    fi
    # Classic `docker save` output: uncompressed layer.tar files.
    cairn_ok copy "docker-archive:$PEER/test_image_1.tar" "oci:$WORK/P1:v1"
    cairn_ok inspect --json "oci:$WORK/P1:v1"
    assert_eq '["sha256:8897395fd26dc44ad0e2a834335b33198cb41ac4d98dfddf58eced3853fa7b17"]' \
        "$(jq -c '[.layers[].digest]' "$OUT")" "test_image_1 layer digest (its diff_id)"
    # An oci: layout holds OCI types only: the Docker layer type becomes its OCI twin.
    assert_eq '["application/vnd.oci.image.layer.v1.tar"]' "$(jq -c '[.layers[].mediaType]' "$OUT")" \
        "test_image_1 layer media type"
    if command -v oci-image-tool >/dev/null 2>&1; then
        cairn_ok copy --format oci "docker-archive:$PEER/test_image_1.tar" "oci:$WORK/P1O:v1"
        oci-image-tool validate --type image --ref name=v1 "$WORK/P1O" >"$WORK/oit.log" 2>&1 ||
            fail "oci-image-tool rejects test_image_1 copied to oci: $(cat "$WORK/oit.log")"
        cairn_ok copy --format oci "docker-archive:$PEER/test_link.tar:bazel/v1/tarball:test_image_3" "oci:$WORK/P3:v1"
        oci-image-tool validate --type image --ref name=v1 "$WORK/P3" >"$WORK/oit.log" 2>&1 ||
            fail "oci-image-tool rejects test_image_3 (symlinked layer) copied to oci: $(cat "$WORK/oit.log")"
    else
        note "oci-image-tool is not installed: OCI validation of the peer tarballs skipped"
    fi
    # Docker 25's OCI-style save; a bundle of two images; broken ones.
    cairn_ok copy --platform linux/arm64 "docker-archive:$PEER/hello-world-v25.tar" "oci:$WORK/P25:v1"
    assert_image_consistent "$WORK/P25" v1
    expect_error 1 'test_bundle.tar.*2 images' copy "docker-archive:$PEER/test_bundle.tar" "oci:$WORK/none"
    cairn_ok copy "docker-archive:$PEER/test_bundle.tar:test_image_2" "oci:$WORK/PB:v1"
    cairn_ok copy "docker-archive:$PEER/test_bundle.tar:@1" "oci:$WORK/PB:v2"
    expect_error 1 'no_manifest.tar.*manifest.json' copy "docker-archive:$PEER/no_manifest.tar" "oci:$WORK/none"
    expect_error 1 'null_manifest.tar.*null' copy "docker-archive:$PEER/null_manifest.tar" "oci:$WORK/none"
    assert_absent "$WORK/none"
    # A docker-archive read by cairn and written again is one skopeo reads.
    cairn_ok copy "docker-archive:$PEER/test_image_1.tar" "docker-archive:$WORK/peer-again.tar:peer/image:1"
    skopeo inspect "docker-archive:$WORK/peer-again.tar" >/dev/null || fail "skopeo rejects a rewritten peer tarball"
}
run_case peer_tarballs case_peer_tarballs

finish_cases
