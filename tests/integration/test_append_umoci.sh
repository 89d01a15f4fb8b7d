#!/usr/bin/env bash
# `cairn append oci:BASE:tag --layer DIR:/app --to oci:OUT:v1` makes an image that
# oci-image-tool, skopeo and umoci accept, with the tree, the config and the digests right.
source "$(dirname "$0")/lib.sh"
require_tool jq
require_tool skopeo
require_tool umoci
require_tool oci-image-tool
require_tool gzip
require_tool zstd

BASE=$WORK/base
OUT_DIR=$WORK/out   # the layout cairn writes ($OUT is cairn's stdout, from lib.sh)
SRC=$WORK/src

make_busybox_base "$BASE" base
base_manifest=$(blob_path "$BASE" "$BASE_DIGEST")
base_layers=$(jq '.layers | length' "$base_manifest")
base_layer0=$(jq -r '.layers[0].digest' "$base_manifest")
base_diff_id0=$(jq -r '.rootfs.diff_ids[0]' "$(blob_path "$BASE" "$(jq -r .config.digest "$base_manifest")")")

make_test_tree "$SRC"
entrypoint='["/bin/sh","-c","exec \"$@\"","entry"]'
cairn_ok append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$OUT_DIR:v1" \
    --entrypoint "$entrypoint" --cmd '["echo","hello world"]' \
    --env GREETING=hello --env 'SPACED=a b' --workdir /app --user 1000:1001 \
    --label org.example.key=value --annotation org.example.note=noted \
    --port 8080/tcp --port 53/udp
digest=$(tr -d '\n' <"$OUT")
assert_match "$digest" '^sha256:[0-9a-f]{64}$' "cairn append prints the manifest digest"

# The layout, by hand.
assert_eq '{"imageLayoutVersion":"1.0.0"}' "$(jq -c . "$OUT_DIR/oci-layout")" "oci-layout file"
assert_eq "$digest" "$(layout_tag_digest "$OUT_DIR" v1)" "index.json tag v1"
assert_layout_blobs_intact "$OUT_DIR"
assert_image_consistent "$OUT_DIR" v1
manifest=$(blob_path "$OUT_DIR" "$digest")
assert_eq noted "$(jq -r '.annotations["org.example.note"]' "$manifest")" "manifest annotation"
assert_eq application/vnd.oci.image.manifest.v1+json "$(jq -r .mediaType "$manifest")" "manifest mediaType"

# oci-image-tool: valid; and it does look (a flipped byte in the app layer is caught).
oci-image-tool validate --type image --ref name=v1 "$OUT_DIR" >"$WORK/oit.log" 2>&1 ||
    fail "oci-image-tool rejects the image: $(cat "$WORK/oit.log")"
cp -a "$OUT_DIR" "$WORK/corrupt"
app_blob=$(blob_path "$WORK/corrupt" "$(jq -r '.layers[-1].digest' "$manifest")")
printf '\377' | dd of="$app_blob" bs=1 seek=100 conv=notrunc status=none
if oci-image-tool validate --type image --ref name=v1 "$WORK/corrupt" >/dev/null 2>&1; then
    fail "oci-image-tool accepts a corrupted layer: it cannot judge this image"
fi
rm -rf "$WORK/corrupt"

# skopeo: same digest, one layer more than the base, base layers kept by digest.
skopeo inspect "oci:$OUT_DIR:v1" >"$WORK/skopeo.json" || fail "skopeo inspect failed"
assert_eq "$digest" "$(jq -r .Digest "$WORK/skopeo.json")" "skopeo's digest"
assert_eq $((base_layers + 1)) "$(jq '.Layers | length' "$WORK/skopeo.json")" "layers: base + 1"
assert_eq "$base_layer0" "$(jq -r '.Layers[0]' "$WORK/skopeo.json")" "base layer kept by digest"
assert_eq linux "$(jq -r .Os "$WORK/skopeo.json")" "skopeo Os"
skopeo inspect --raw "oci:$OUT_DIR:v1" >"$WORK/raw.json"
assert_eq "$digest" "sha256:$(sha256_of "$WORK/raw.json")" "sha256 of skopeo inspect --raw"
skopeo inspect --config "oci:$OUT_DIR:v1" >"$WORK/config.json" || fail "skopeo inspect --config failed"
cfg() { jq -c "$1" "$WORK/config.json"; }
assert_eq "$entrypoint" "$(cfg .config.Entrypoint)" "config Entrypoint"
assert_eq '["echo","hello world"]' "$(cfg .config.Cmd)" "config Cmd"
assert_eq '["PATH=/bin","GREETING=hello","SPACED=a b"]' "$(cfg .config.Env)" "config Env (base's PATH kept)"
assert_eq '"/app"' "$(cfg .config.WorkingDir)" "config WorkingDir"
assert_eq '"1000:1001"' "$(cfg .config.User)" "config User"
assert_eq '{"org.example.key":"value"}' "$(cfg .config.Labels)" "config Labels"
assert_eq '["53/udp","8080/tcp"]' "$(cfg '.config.ExposedPorts | keys')" "config ExposedPorts"
assert_eq "\"$base_diff_id0\"" "$(cfg '.rootfs.diff_ids[0]')" "base diff_id kept"
assert_eq '"1970-01-01T00:00:00Z"' "$(cfg .created)" "config created without SOURCE_DATE_EPOCH"

# umoci: the rootfs is the base plus the tree, the runtime config is what we set.
umoci_flags=()
[[ $(id -u) == 0 ]] || umoci_flags=(--rootless)
umoci unpack "${umoci_flags[@]}" --image "$OUT_DIR:v1" "$WORK/bundle" >"$WORK/umoci.log" 2>&1 ||
    fail "umoci unpack failed: $(cat "$WORK/umoci.log")"
ROOTFS=$WORK/bundle/rootfs
assert_same_tree "$SRC" "$ROOTFS/app" "umoci's rootfs/app"
cmp /bin/busybox "$ROOTFS/bin/busybox" || fail "rootfs/bin/busybox is not Debian's busybox"
assert_eq busybox "$(readlink "$ROOTFS/bin/sh")" "rootfs/bin/sh symlink"
assert_eq 1777 "$(stat -c %a "$ROOTFS/tmp")" "rootfs/tmp mode"
process() { jq -c "$1" "$WORK/bundle/config.json"; }
assert_eq '["/bin/sh","-c","exec \"$@\"","entry","echo","hello world"]' "$(process .process.args)" "runtime args"
assert_eq '"/app"' "$(process .process.cwd)" "runtime cwd"
assert_eq '1000 1001' "$(jq -r '"\(.process.user.uid) \(.process.user.gid)"' "$WORK/bundle/config.json")" "runtime user"
assert_contains "$(process .process.env)" '"GREETING=hello"' "runtime env"
assert_contains "$(process .process.env)" '"SPACED=a b"' "runtime env"
rm -rf "$WORK/bundle"

# skopeo copy reads every blob and keeps the digest.
skopeo copy --quiet --preserve-digests "oci:$OUT_DIR:v1" "oci:$WORK/copy:v1" >"$WORK/copy.log" 2>&1 ||
    fail "skopeo copy failed: $(cat "$WORK/copy.log")"
assert_eq "$digest" "$(skopeo inspect "oci:$WORK/copy:v1" | jq -r .Digest)" "digest after skopeo copy"

# The same tree as a zstd layer, tagged into the same layout.
cairn_ok append "oci:$BASE:base" --layer "$SRC:/app" --to "oci:$OUT_DIR:zstd" --compression zstd
zdigest=$(tr -d '\n' <"$OUT")
assert_ne "$digest" "$zdigest" "gzip and zstd images"
assert_eq "$digest" "$(layout_tag_digest "$OUT_DIR" v1)" "tag v1 after adding tag zstd"
assert_eq "$zdigest" "$(layout_tag_digest "$OUT_DIR" zstd)" "tag zstd"
assert_layout_blobs_intact "$OUT_DIR"
assert_image_consistent "$OUT_DIR" zstd
zmanifest=$(blob_path "$OUT_DIR" "$zdigest")
assert_eq application/vnd.oci.image.layer.v1.tar+zstd "$(jq -r '.layers[-1].mediaType' "$zmanifest")" "zstd layer media type"
assert_eq "$base_layer0" "$(jq -r '.layers[0].digest' "$zmanifest")" "base layer untouched by --compression zstd"
assert_eq "$(jq -r '.rootfs.diff_ids[-1]' "$WORK/config.json")" \
    "$(jq -r '.rootfs.diff_ids[-1]' "$(blob_path "$OUT_DIR" "$(jq -r .config.digest "$zmanifest")")")" \
    "the same tar inside gzip and zstd"
skopeo inspect "oci:$OUT_DIR:zstd" >"$WORK/skopeo-z.json" || fail "skopeo inspect of the zstd image failed"
assert_eq "$zdigest" "$(jq -r .Digest "$WORK/skopeo-z.json")" "skopeo's digest of the zstd image"
# This umoci predates zstd: skopeo decompresses the zstd layer and writes it as gzip, for umoci.
skopeo copy --quiet --dest-compress --dest-compress-format gzip "oci:$OUT_DIR:zstd" "oci:$WORK/conv:z" \
    >"$WORK/copy.log" 2>&1 || fail "skopeo copy of the zstd image failed: $(cat "$WORK/copy.log")"
umoci unpack "${umoci_flags[@]}" --image "$WORK/conv:z" "$WORK/bundle-z" >"$WORK/umoci.log" 2>&1 ||
    fail "umoci unpack of the recompressed zstd image failed: $(cat "$WORK/umoci.log")"
assert_same_tree "$SRC" "$WORK/bundle-z/rootfs/app" "zstd image's rootfs/app, through skopeo and umoci"
