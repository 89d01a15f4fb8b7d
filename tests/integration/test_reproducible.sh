#!/usr/bin/env bash
# The same inputs give the same digests: whatever the path, mtimes, umask, order of
# creation, cache directory and number of jobs. SOURCE_DATE_EPOCH sets every time stamp.
source "$(dirname "$0")/lib.sh"
require_tool jq
require_tool tar

# Two copies of one tree: other paths (one given relative), other mtimes, other umask,
# created in another order (the hardlink pair made the other way round).
TREE_A=$WORK/a/src
TREE_B=$WORK/elsewhere/much/deeper/path/src
(umask 022 && make_test_tree "$TREE_A" forward)
(umask 077 && make_test_tree "$TREE_B" reverse)
find "$TREE_A" -exec touch -h -d '2001-02-03 04:05:06' {} +
find "$TREE_B" -exec touch -h -d '2020-06-15 12:00:00' {} +
assert_eq "$(tree_listing "$TREE_A")" "$(tree_listing "$TREE_B")" "the two source trees"
[[ $(stat -c %Y "$TREE_A/plain.txt") != $(stat -c %Y "$TREE_B/plain.txt") ]] || fail "mtimes should differ"

# Each side: its own cache, its own base (built by cairn from its own copy of busybox).
side() {  # a|b COMMAND… (runs cairn with that side's cache and job count)
    local name=$1
    shift
    local jobs=1
    [[ $name == a ]] || jobs=2
    CAIRN_CACHE=$WORK/cache-$name cairn_ok "$@" --jobs "$jobs"
}

# Layers.
for compression in gzip zstd; do
    side a layer "$TREE_A:/app" --to "$WORK/a.layer" --compression "$compression"
    digest_a=$(layer_field digest)
    (cd "$WORK/elsewhere/much/deeper/path" && side b layer "src:/app" --to "$WORK/b.layer" --compression "$compression")
    digest_b=$(layer_field digest)
    assert_eq "$digest_a" "$digest_b" "$compression layer digest of two copies of the tree"
    cmp "$WORK/a.layer" "$WORK/b.layer" || fail "$compression layers of two copies differ"
    rm -f "$WORK/a.layer" "$WORK/b.layer"
done

# Images.
CAIRN_CACHE=$WORK/cache-a make_busybox_base "$WORK/base-a" base
base_a=$BASE_DIGEST
(umask 077 && CAIRN_CACHE=$WORK/cache-b make_busybox_base "$WORK/base-b" base)
base_b=$(layout_tag_digest "$WORK/base-b" base)
assert_eq "$base_a" "$base_b" "busybox base built twice"

append() {  # a|b TAG
    local name=$1 tree=$TREE_A
    [[ $name == a ]] || tree=$TREE_B
    side "$name" append "oci:$WORK/base-$name:base" --layer "$tree:/app" --to "oci:$WORK/out-$name:$2" \
        --entrypoint '["/app/run.sh"]' --env K=V --label L=1
    tr -d '\n' <"$OUT"
}
image_a=$(append a plain)
image_b=$(append b plain)
assert_match "$image_a" '^sha256:[0-9a-f]{64}$' "manifest digest"
assert_eq "$image_a" "$image_b" "manifest digest of the same image built twice"

# SOURCE_DATE_EPOCH: another digest, the same on both sides, every time stamp from it.
export SOURCE_DATE_EPOCH=1700000000
epoch_a=$(append a epoch)
epoch_b=$(append b epoch)
assert_ne "$image_a" "$epoch_a" "digests with and without SOURCE_DATE_EPOCH"
assert_eq "$epoch_a" "$epoch_b" "manifest digest with the same SOURCE_DATE_EPOCH"
manifest=$(blob_path "$WORK/out-a" "$epoch_a")
config=$(blob_path "$WORK/out-a" "$(jq -r .config.digest "$manifest")")
assert_eq 2023-11-14T22:13:20Z "$(jq -r .created "$config")" "config created"
assert_eq 2023-11-14T22:13:20Z "$(jq -r '.history[-1].created' "$config")" "created of the new history entry"
layer=$(blob_path "$WORK/out-a" "$(jq -r '.layers[-1].digest' "$manifest")")
tar -tvzf "$layer" --full-time --quoting-style=literal |
    awk '$4 " " $5 != "2023-11-14 22:13:20" { print; bad = 1 } END { exit bad }' >&2 ||
    fail "an mtime in the layer is not SOURCE_DATE_EPOCH"
unset SOURCE_DATE_EPOCH

# And without it again, the first digest comes back (nothing of the epoch run stuck).
assert_eq "$image_a" "$(append a again)" "digest without SOURCE_DATE_EPOCH, after a run with it"
