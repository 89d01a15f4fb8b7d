#!/usr/bin/env bash
# Bad input: one line `cairn: error: …` on stderr, exit 1 (2 for a usage error), no crash,
# and nothing half-written.
source "$(dirname "$0")/lib.sh"
require_tool jq

make_busybox_base "$WORK/base" base
BASE=$WORK/base
SRC=$WORK/src
mkdir -p "$SRC"
printf 'a\n' >"$SRC/a.txt"
BASE_MANIFEST=$(blob_path "$BASE" "$(layout_tag_digest "$BASE" base)")
BASE_LAYER=$(jq -r '.layers[0].digest' "$BASE_MANIFEST")
OUTDIR=$WORK/outdir   # where `cairn layer` writes; must stay empty on failure
fresh_outdir() {
    rm -rf "$OUTDIR"
    mkdir -p "$OUTDIR"
}
assert_outdir_empty() {
    assert_eq "" "$(ls -A "$OUTDIR")" "$1: left files behind in the output directory"
}

# A layout's index.json, and every blob in it intact; $2: the tag that must not be there.
assert_no_tag() {  # DIR TAG WHAT
    [[ -e $1 ]] || return 0
    if [[ -f $1/index.json ]]; then
        jq -e . "$1/index.json" >/dev/null || fail "$3: $1/index.json is not JSON"
        assert_eq "" "$(layout_tag_digest "$1" "$2")" "$3: $1 got tag $2"
    fi
    [[ ! -d $1/blobs/sha256 ]] || assert_layout_blobs_intact "$1"
}

# --- layer sources -------------------------------------------------------------------------
# A source that does not exist is a failure (1), as a base that does not exist is.
case_missing_layer_source() {
    fresh_outdir
    expect_error 1 "$WORK/no-such-source" layer "$WORK/no-such-source" --to "$OUTDIR/l.tar.gz"
    assert_outdir_empty "missing layer source"
    expect_error 1 "$WORK/no-such-source" append "oci:$BASE:base" --layer "$WORK/no-such-source:/app" --to "oci:$WORK/t-missing:v1"
    assert_absent "$WORK/t-missing" "a failed append (missing layer source) created its target"
}
run_case missing_layer_source case_missing_layer_source

case_layer_sources() {
    fresh_outdir
    mkdir -p "$WORK/other"
    printf 'b\n' >"$WORK/other/a.txt"
    expect_error 1 'app/a.txt' layer "$SRC:/app" "$WORK/other:/app" --to "$OUTDIR/l.tar.gz"
    assert_outdir_empty "two inputs at one path"
    expect_error 1 '\.\.' layer "$SRC:/../escape" --to "$OUTDIR/l.tar.gz"
    assert_outdir_empty "destination with .."
    expect_error 1 'no-such-dir' layer "$SRC" --to "$WORK/no-such-dir/l.tar.gz"
}
run_case layer_sources case_layer_sources

# Tarball sources: a truncated one, and ones that are not tar archives at all (a layer
# must be a tar: such a "layer" makes an image umoci cannot unpack).
case_truncated_tarball() {
    fresh_outdir
    tar -czf "$WORK/good.tar.gz" -C "$SRC" .
    head -c 40 "$WORK/good.tar.gz" >"$WORK/truncated.tar.gz"
    expect_error 1 'truncated' layer "$WORK/truncated.tar.gz" --to "$OUTDIR/l.tar.gz"
    assert_outdir_empty "truncated tarball"
}
run_case truncated_tarball case_truncated_tarball

case_tarball_not_tar() {
    fresh_outdir
    printf 'this is not a tar archive\n' >"$WORK/garbage.tar"
    expect_error 1 'garbage\.tar' layer "$WORK/garbage.tar" --to "$OUTDIR/l.tar.gz"
    assert_outdir_empty "a .tar that is not a tar archive"
    gzip -c <"$WORK/garbage.tar" >"$WORK/garbage.tar.gz"
    expect_error 1 'garbage\.tar\.gz' append "oci:$BASE:base" --layer "$WORK/garbage.tar.gz" --to "oci:$WORK/t-garbage:v1"
    assert_no_tag "$WORK/t-garbage" v1 "append of a .tar.gz that is not a tar archive"
}
run_case tarball_not_tar case_tarball_not_tar

# --- flags -----------------------------------------------------------------------------------
case_flags() {
    fresh_outdir
    expect_error 2 'lz4' layer "$SRC" --to "$OUTDIR/l.tar.gz" --compression lz4
    assert_outdir_empty "unknown compression"
    expect_error 2 'lz4' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$WORK/t-flags:v1" --compression lz4
    for port in 99999/tcp 0/tcp abc 8080/foo 8080/ -1; do
        expect_error 2 'port' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$WORK/t-flags:v1" --port "$port"
    done
    for env in NOEQUALS =value; do
        expect_error 2 'env' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$WORK/t-flags:v1" --env "$env"
    done
    expect_error 2 'entrypoint' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$WORK/t-flags:v1" --entrypoint '["a",'
    expect_error 2 'entrypoint' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$WORK/t-flags:v1" --entrypoint '["a",1]'
    expect_error 2 '--to' layer "$SRC"
    expect_error 2 '--to' append "oci:$BASE:base" --layer "$SRC:/app"
    expect_error 2 'tag' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$WORK/t-flags:"
    expect_error 2 'bogus' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$WORK/t-flags:v1" --bogus
    assert_absent "$WORK/t-flags" "a usage error created a target"
}
run_case flags case_flags

# --- bases -------------------------------------------------------------------------------------
case_missing_base() {
    expect_error 1 "no-such-layout" append "oci:$WORK/no-such-layout:v1" --layer "$SRC:/app" --to "oci:$WORK/t-base:v1"
    expect_error 1 'nope' append "oci:$BASE:nope" --layer "$SRC:/app" --to "oci:$WORK/t-base:v1"
    assert_absent "$WORK/t-base" "a failed append (bad base) created its target"
}
run_case missing_base case_missing_base

# A base whose layer blob is corrupt (one byte flipped): fail naming the blob, and tag nothing.
case_corrupt_base_blob() {
    CORRUPT=$WORK/corrupt
    cp -a "$BASE" "$CORRUPT"
    blob=$(blob_path "$CORRUPT" "$BASE_LAYER")
    printf '\377' | dd of="$blob" bs=1 seek=1000 conv=notrunc status=none
    cmp -s "$blob" "$(blob_path "$BASE" "$BASE_LAYER")" && fail "the byte flip changed nothing"
    # The cache holds the good copy (the base was built here): whatever cairn does, the
    # corrupt bytes must not reach the target.
    run_cairn append "oci:$CORRUPT:base" --layer "$SRC:/app" --to "oci:$WORK/t-warm:v1"
    if ((RC == 0)); then
        assert_layout_blobs_intact "$WORK/t-warm"
        assert_image_consistent "$WORK/t-warm" v1
    else
        assert_no_tag "$WORK/t-warm" v1 "append onto a corrupt base (warm cache)"
    fi
    # With a cold cache the corrupt blob is the only copy.
    export CAIRN_CACHE=$WORK/cold-cache-corrupt
    expect_error 1 "${BASE_LAYER#sha256:}" append "oci:$CORRUPT:base" --layer "$SRC:/app" --to "oci:$WORK/t-corrupt:v1"
    assert_no_tag "$WORK/t-corrupt" v1 "append onto a corrupt base (new target)"
    # … into an existing layout of another image: it stays as it was.
    EXISTING=$WORK/existing
    cairn_ok append scratch --layer "$SRC:/other" --to "oci:$EXISTING:old"
    cp -a "$EXISTING" "$WORK/existing.before"
    expect_error 1 "${BASE_LAYER#sha256:}" append "oci:$CORRUPT:base" --layer "$SRC:/app" --to "oci:$EXISTING:v1"
    cmp "$EXISTING/index.json" "$WORK/existing.before/index.json" || fail "index.json of the target changed after a failed append"
    assert_layout_blobs_intact "$EXISTING"
}
run_case corrupt_base_blob case_corrupt_base_blob

# A base whose layer blob is missing.
case_missing_base_blob() {
    MISSING=$WORK/missing
    cp -a "$BASE" "$MISSING"
    rm "$(blob_path "$MISSING" "$BASE_LAYER")"
    export CAIRN_CACHE=$WORK/cold-cache-missing   # the cache would have the blob
    expect_error 1 "${BASE_LAYER#sha256:}" append "oci:$MISSING:base" --layer "$SRC:/app" --to "oci:$WORK/t-missing-blob:v1"
    assert_no_tag "$WORK/t-missing-blob" v1 "append onto a base with a missing blob"
}
run_case missing_base_blob case_missing_base_blob

# A truncated index.json.
case_truncated_index() {
    TRUNC=$WORK/truncated-index
    cp -a "$BASE" "$TRUNC"
    head -c 50 "$BASE/index.json" >"$TRUNC/index.json"
    expect_error 1 'index\.json' inspect "oci:$TRUNC:base"
    expect_error 1 'index\.json' append "oci:$TRUNC:base" --layer "$SRC:/app" --to "oci:$WORK/t-trunc:v1"
    assert_absent "$WORK/t-trunc" "append from a layout with a broken index.json created its target"
}
run_case truncated_index case_truncated_index

# JSON nested 100000 levels deep, as a manifest, a config and an index.json: no crash.
case_deep_json() {
    deep_array() { head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; }
    deep_object() { head -c 100000 /dev/zero | sed 's/\x0/{"a":/g'; printf 1; head -c 100000 /dev/zero | tr '\0' '}'; }
    # Replaces what DIR's tag TAG points at with FILE (a new blob).
    point_tag_at() {  # DIR FILE
        local digest
        digest=sha256:$(sha256_of "$2")
        cp "$2" "$(blob_path "$1" "$digest")"
        jq -c --arg d "$digest" --argjson s "$(stat -c %s "$2")" \
            '.manifests[0].digest = $d | .manifests[0].size = $s' "$1/index.json" >"$1/index.json.new"
        mv "$1/index.json.new" "$1/index.json"
    }
    DEEP=$WORK/deep
    cp -a "$BASE" "$DEEP"
    deep_array >"$WORK/deep-array.json"
    point_tag_at "$DEEP" "$WORK/deep-array.json"
    expect_error 1 'manifest' inspect "oci:$DEEP:base"
    expect_error 1 'manifest' append "oci:$DEEP:base" --layer "$SRC:/app" --to "oci:$WORK/t-deep:v1"
    {
        printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":'
        deep_object
        printf ',"layers":[]}'
    } >"$WORK/deep-manifest.json"
    point_tag_at "$DEEP" "$WORK/deep-manifest.json"
    expect_error 1 'manifest' inspect "oci:$DEEP:base"
    # A good manifest whose config is nested deep.
    deep_object >"$WORK/deep-config.json"
    config_digest=sha256:$(sha256_of "$WORK/deep-config.json")
    cp "$WORK/deep-config.json" "$(blob_path "$DEEP" "$config_digest")"
    jq -c --arg d "$config_digest" --argjson s "$(stat -c %s "$WORK/deep-config.json")" \
        '.config.digest = $d | .config.size = $s' "$BASE_MANIFEST" >"$WORK/manifest-deep-config.json"
    point_tag_at "$DEEP" "$WORK/manifest-deep-config.json"
    expect_error 1 'config' inspect "oci:$DEEP:base"
    expect_error 1 'config' append "oci:$DEEP:base" --layer "$SRC:/app" --to "oci:$WORK/t-deep:v1"
    {
        printf '{"schemaVersion":2,"manifests":'
        deep_array
        printf '}'
    } >"$DEEP/index.json"
    expect_error 1 'index\.json' inspect "oci:$DEEP:base"
    deep_object >"$DEEP/index.json"
    expect_error 1 'index\.json' inspect "oci:$DEEP:base"
    assert_no_tag "$WORK/t-deep" v1 "append from deep JSON"
}
run_case deep_json case_deep_json

# --- targets -----------------------------------------------------------------------------------
# A directory that is something else: left alone.
case_targets() {
    NOT_LAYOUT=$WORK/not-a-layout
    mkdir -p "$NOT_LAYOUT"
    printf 'precious\n' >"$NOT_LAYOUT/precious.txt"
    expect_error 1 'not-a-layout' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$NOT_LAYOUT:v1"
    assert_eq precious.txt "$(ls -A "$NOT_LAYOUT")" "a directory that is not a layout got new files"
    assert_eq precious "$(cat "$NOT_LAYOUT/precious.txt")" "a file in a directory that is not a layout"
    # A regular file.
    printf 'file\n' >"$WORK/a-file"
    expect_error 1 'a-file' append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$WORK/a-file:v1"
    assert_eq file "$(cat "$WORK/a-file")" "a file named as target"
    # Transports this build does not write.
    expect_error 2 'containers-storage' append "oci:$BASE:base" --layer "$SRC:/app" --to "containers-storage:x"
    expect_error 2 '"dir"' append "oci:$BASE:base" --layer "$SRC:/app" --to "dir:$WORK/x"
    assert_absent "$WORK/x"
}
run_case targets case_targets

finish_cases
