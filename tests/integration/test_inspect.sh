#!/usr/bin/env bash
# `cairn inspect`: human, --raw, --config and --json output of an appended image, platform
# selection in an index, and go-containerregistry's test layouts (odd and broken ones).
source "$(dirname "$0")/lib.sh"
require_tool jq

make_busybox_base "$WORK/base" base
mkdir -p "$WORK/src"
printf 'hello\n' >"$WORK/src/hello.txt"
IMG=$WORK/img
cairn_ok append "oci:$WORK/base:base" --layer "$WORK/src:/app" --to "oci:$IMG:v1" \
    --entrypoint '["/bin/sh","-c","echo hi"]' --cmd '["x"]' --env E=1 --user 7:8 --workdir /w \
    --port 8080/tcp --label k=v --annotation a=b
digest=$(tr -d '\n' <"$OUT")
manifest=$(blob_path "$IMG" "$digest")
config_digest=$(jq -r .config.digest "$manifest")
config=$(blob_path "$IMG" "$config_digest")

# Human output: digest, layers, config.
cairn_ok inspect "oci:$IMG:v1"
human=$(cat "$OUT")
grep -qE "^Digest: +$digest\$" <<<"$human" || fail "human output does not give the digest: $human"
grep -qE '^Layers: +2$' <<<"$human" || fail "human output does not count 2 layers: $human"
for layer in $(jq -r '.layers[].digest' "$manifest"); do
    assert_contains "$human" "$layer" "human output lists layer"
done
grep -qF 'Entrypoint:  ["/bin/sh","-c","echo hi"]' <<<"$human" || fail "human output lacks the entrypoint: $human"
for text in "$config_digest" E=1 PATH=/bin 7:8 /w 8080/tcp k=v a=b linux/; do
    assert_contains "$human" "$text" "human output"
done

# --raw: the manifest bytes as stored.
cairn_ok inspect --raw "oci:$IMG:v1"
assert_eq "$digest" "sha256:$(sha256_of "$OUT")" "sha256 of inspect --raw"
cmp "$OUT" "$manifest" || fail "inspect --raw differs from the manifest blob"

# --config: the config (as JSON, the same document as the blob).
cairn_ok inspect --config "oci:$IMG:v1"
jq -e . "$OUT" >/dev/null || fail "inspect --config is not JSON: $(cat "$OUT")"
assert_eq "$(jq -S . "$config")" "$(jq -S . "$OUT")" "inspect --config vs the config blob"

# --json: everything, for scripts.
cairn_ok inspect --json "oci:$IMG:v1"
J=$WORK/inspect.json
cp "$OUT" "$J"
jq -e . "$J" >/dev/null || fail "inspect --json is not JSON: $(cat "$J")"
j() { jq -c "$1" "$J"; }
assert_eq "\"$digest\"" "$(j .digest)" "--json .digest"
assert_eq 2 "$(j '.layers | length')" "--json .layers | length"
assert_eq "$(jq -c '[.layers[].digest]' "$manifest")" "$(j '[.layers[].digest]')" "--json layer digests"
assert_eq "$(jq -c '[.layers[].size]' "$manifest")" "$(j '[.layers[].size]')" "--json layer sizes"
assert_eq "$(jq -c '[.layers[].mediaType]' "$manifest")" "$(j '[.layers[].mediaType]')" "--json layer media types"
assert_eq "$(jq -c .rootfs.diff_ids "$config")" "$(j '[.layers[].diffID]')" "--json diffIDs"
assert_eq '["/bin/sh","-c","echo hi"]' "$(j .config.entrypoint)" "--json .config.entrypoint"
assert_eq '["x"]' "$(j .config.cmd)" "--json .config.cmd"
assert_eq '["PATH=/bin","E=1"]' "$(j .config.env)" "--json .config.env"
assert_eq '"7:8"' "$(j .config.user)" "--json .config.user"
assert_eq '"/w"' "$(j .config.workdir)" "--json .config.workdir"
assert_eq '["8080/tcp"]' "$(j .config.ports)" "--json .config.ports"
assert_eq '{"k":"v"}' "$(j .config.labels)" "--json .config.labels"
assert_eq "\"$config_digest\"" "$(j .config.digest)" "--json .config.digest"
assert_eq '{"a":"b"}' "$(j .annotations)" "--json .annotations"

# A layout of one image needs no tag.
cairn_ok inspect --json "oci:$IMG"
assert_eq "$digest" "$(jq -r .digest "$OUT")" "inspect of a one-image layout without a tag"

expect_error 2 'exclude|--raw|--json' inspect --raw --json "oci:$IMG:v1"
expect_error 1 'nope' inspect "oci:$IMG:nope"
expect_error 1 'no-such-layout' inspect "oci:$WORK/no-such-layout:v1"

# A multi-platform index, put together here with jq: --platform picks the image.
printf 'arch\n' >"$WORK/arch.txt"
MULTI=$WORK/multi
declare -A image_for
for platform in linux/amd64 linux/arm64; do
    cairn_ok append scratch --layer "$WORK/arch.txt:/arch.txt" --platform "$platform" --to "oci:$MULTI:${platform#linux/}"
    image_for[$platform]=$(tr -d '\n' <"$OUT")
done
jq -cn --arg amd "${image_for[linux/amd64]}" --arg arm "${image_for[linux/arm64]}" \
    --argjson amd_size "$(stat -c %s "$(blob_path "$MULTI" "${image_for[linux/amd64]}")")" \
    --argjson arm_size "$(stat -c %s "$(blob_path "$MULTI" "${image_for[linux/arm64]}")")" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
        {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $amd, size: $amd_size,
         platform: {os: "linux", architecture: "amd64"}},
        {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $arm, size: $arm_size,
         platform: {os: "linux", architecture: "arm64"}}]}' | tr -d '\n' >"$WORK/index.blob"
index_digest=sha256:$(sha256_of "$WORK/index.blob")
cp "$WORK/index.blob" "$(blob_path "$MULTI" "$index_digest")"
jq -c --arg d "$index_digest" --argjson size "$(stat -c %s "$WORK/index.blob")" \
    '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $size,
                     annotations: {"org.opencontainers.image.ref.name": "multi"}}]' \
    "$MULTI/index.json" >"$WORK/index.json.new"
mv "$WORK/index.json.new" "$MULTI/index.json"
for platform in linux/amd64 linux/arm64; do
    cairn_ok inspect --json --platform "$platform" "oci:$MULTI:multi"
    assert_eq "${image_for[$platform]}" "$(jq -r .digest "$OUT")" "--platform $platform picks its image"
    assert_eq "$platform" "$(jq -r .platform "$OUT")" "--platform $platform: the image's platform"
    assert_eq "$index_digest" "$(jq -r .indexDigest "$OUT")" "--platform $platform: the index digest"
done
host_platform=linux/$(dpkg --print-architecture 2>/dev/null || echo unknown)
if [[ -n ${image_for[$host_platform]:-} ]]; then
    cairn_ok inspect --json "oci:$MULTI:multi"
    assert_eq "${image_for[$host_platform]}" "$(jq -r .digest "$OUT")" "default platform is the host's ($host_platform)"
fi
cairn_ok inspect --raw "oci:$MULTI:multi"
assert_eq "$index_digest" "sha256:$(sha256_of "$OUT")" "inspect --raw of an index gives the index bytes"
expect_error 1 'linux/s390x' inspect --platform linux/s390x "oci:$MULTI:multi"

# go-containerregistry's test layouts (read-only: inspected in a copy).
PEER_SRC=${CAIRN_PEER_TESTDATA:-/work/shared/peer-testdata}/go-containerregistry/layout
if [[ ! -d $PEER_SRC ]]; then
    note "skipping go-containerregistry layouts: $PEER_SRC is absent"
    exit 0
fi
P=$WORK/peer
cp -r "$PEER_SRC" "$P"
chmod -R u+w "$P"
snapshot() { (cd "$P" && find . -printf '%P %y %s\n' | LC_ALL=C sort && find . -type f -exec sha256sum {} + | LC_ALL=C sort); }
before=$(snapshot)

# One image, no tag: an OCI manifest with an OCI config.
cairn_ok inspect --json "oci:$P/test_index_one_image"
assert_eq sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46 "$(jq -r .digest "$OUT")" "test_index_one_image digest"
assert_eq '["sha256:59cd31f50f7442a662d7c31b7a12079ade16892bfb465b33da49918e7d13e747"]' \
    "$(jq -c '[.layers[].diffID]' "$OUT")" "test_index_one_image diff_ids"
assert_eq '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' "$(jq -c .config.env "$OUT")" \
    "test_index_one_image env"
cairn_ok inspect --config "oci:$P/test_index_one_image"
assert_eq "$(jq -S . "$P/test_index_one_image/blobs/sha256/381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810")" \
    "$(jq -S . "$OUT")" "test_index_one_image --config"

# Four tagged entries and no tag asked for: say which tags there are.
expect_error 1 'tag' inspect "oci:$P/test_index"
# 1: a Docker schema-2 manifest.
cairn_ok inspect --json "oci:$P/test_index:1"
assert_eq sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650 "$(jq -r .digest "$OUT")" "test_index:1 digest"
assert_eq '["application/vnd.docker.image.rootfs.diff.tar.gzip"]' "$(jq -c '[.layers[].mediaType]' "$OUT")" "test_index:1 layer media type"
assert_eq '["sha256:8897395fd26dc44ad0e2a834335b33198cb41ac4d98dfddf58eced3853fa7b17"]' \
    "$(jq -c '[.layers[].diffID]' "$OUT")" "test_index:1 diff_ids"
# 3: an OCI index, 4: a Docker manifest list, each of that one image (without platform).
for tag_index in 3:sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5 \
    4:sha256:2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb; do
    tag=${tag_index%%:*}
    cairn_ok inspect --json "oci:$P/test_index:$tag"
    assert_eq sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650 "$(jq -r .digest "$OUT")" "test_index:$tag image"
    assert_eq "${tag_index#*:}" "$(jq -r .indexDigest "$OUT")" "test_index:$tag index digest"
    cairn_ok inspect --raw "oci:$P/test_index:$tag"
    assert_eq "${tag_index#*:}" "sha256:$(sha256_of "$OUT")" "test_index:$tag --raw"
done
# 2: a descriptor of an unknown media type.
expect_error 1 '325899857025' inspect "oci:$P/test_index:2"
# The same descriptor, and no blobs at all.
expect_error 1 '325899857025' inspect "oci:$P/test_gc_image_unknown_mediatype"
expect_error 1 '325899857025' inspect --raw "oci:$P/test_gc_image_unknown_mediatype"
expect_error 1 '325899857025' inspect --json "oci:$P/test_gc_image_unknown_mediatype"
# A Helm chart: a manifest whose config is not an image config.
expect_error 1 'test_index_media_type' inspect "oci:$P/test_index_media_type"

# Missing blobs are named.
missing=$WORK/missing
cp -r "$P/test_index_one_image" "$missing"
rm "$missing/blobs/sha256/381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810"
expect_error 1 '381d958b5558.*missing|missing.*381d958b5558' inspect "oci:$missing"
rm "$missing/blobs/sha256/98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46"
expect_error 1 '98ceaf93e482.*missing|missing.*98ceaf93e482' inspect "oci:$missing"
expect_error 1 '98ceaf93e482.*missing|missing.*98ceaf93e482' inspect --raw "oci:$missing"

# inspect wrote nothing.
assert_eq "$before" "$(snapshot)" "the peer layouts after inspect"
