#!/usr/bin/env bash
# History is optional in an image config: appending onto a base without it (or with fewer
# entries than layers, empty_layer entries aside) still gives one non-empty history entry per
# layer, the new layers' entries last. Judged with jq (assert_image_consistent) and umoci.
source "$(dirname "$0")/lib.sh"
require_tool jq
require_tool umoci

mkdir -p "$WORK/one" "$WORK/two" "$WORK/new"
printf 'one\n' >"$WORK/one/1.txt"
printf 'two\n' >"$WORK/two/2.txt"
printf 'new\n' >"$WORK/new/new.txt"
cairn_ok append scratch --layer "$WORK/one:/one" --layer "$WORK/two:/two" --to "oci:$WORK/base:two"
cairn_ok append scratch --layer "$WORK/one:/one" --to "oci:$WORK/base:one"

# Rewrites the config of DIR:TAG with the jq FILTER, as a new image tagged NEW in DIR.
rewrite_config() {  # DIR TAG NEW FILTER
    local dir=$1 manifest config new_config new_manifest
    manifest=$(blob_path "$dir" "$(layout_tag_digest "$dir" "$2")")
    config=$(blob_path "$dir" "$(jq -r .config.digest "$manifest")")
    jq -c "$4" "$config" >"$WORK/config.json"
    new_config=sha256:$(sha256_of "$WORK/config.json")
    cp "$WORK/config.json" "$(blob_path "$dir" "$new_config")"
    jq -c --arg d "$new_config" --argjson s "$(stat -c %s "$WORK/config.json")" \
        '.config.digest = $d | .config.size = $s' "$manifest" >"$WORK/manifest.json"
    new_manifest=sha256:$(sha256_of "$WORK/manifest.json")
    cp "$WORK/manifest.json" "$(blob_path "$dir" "$new_manifest")"
    jq -c --arg d "$new_manifest" --argjson s "$(stat -c %s "$WORK/manifest.json")" --arg t "$3" \
        '.manifests += [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": $d, "size": $s,
                         "annotations": {"org.opencontainers.image.ref.name": $t}}]' \
        "$dir/index.json" >"$WORK/index.json"
    cp "$WORK/index.json" "$dir/index.json"
}
rewrite_config "$WORK/base" one no-history 'del(.history)'
rewrite_config "$WORK/base" two no-history-2 'del(.history)'
rewrite_config "$WORK/base" two short-history '.history = [.history[0]]'
rewrite_config "$WORK/base" two empty-entries '.history = [{"created_by": "ENV A=1", "empty_layer": true}, .history[0]]'

case_bases_with_missing_history() {
    local tag count
    for tag in no-history no-history-2 short-history empty-entries; do
        cairn_ok append "oci:$WORK/base:$tag" --layer "$WORK/new:/new" --to "oci:$WORK/out:$tag"
        assert_image_consistent "$WORK/out" "$tag"
        local config
        config=$(blob_path "$WORK/out" "$(jq -r .config.digest "$(blob_path "$WORK/out" "$(layout_tag_digest "$WORK/out" "$tag")")")")
        assert_eq "cairn: layer /new" "$(jq -r '.history[-1].created_by' "$config")" "$tag: the last entry is the new layer's"
        rm -rf "$WORK/bundle"
        umoci unpack --rootless --image "$WORK/out:$tag" "$WORK/bundle" >/dev/null 2>&1 || fail "$tag: umoci unpack"
        assert_eq new "$(cat "$WORK/bundle/rootfs/new/new.txt")" "$tag: the new layer unpacked"
    done
}
run_case bases_with_missing_history case_bases_with_missing_history

# go-containerregistry's test images: one with an empty_layer entry before its layer's.
case_peer_images() {
    local peer=${CAIRN_SOURCE_DIR:-.}/../shared/peer-testdata/go-containerregistry/mutate
    if [[ ! -d $peer ]]; then
        note "peer test data (../shared/peer-testdata) is absent: the peer case is skipped"
        return 0
    fi
    local image n=0
    for image in source_image.tar source_image_with_empty_layer_history.tar; do
        n=$((n + 1))
        cairn_ok append "docker-archive:$peer/$image" --layer "$WORK/new:/new" --to "oci:$WORK/peer:$n"
        assert_image_consistent "$WORK/peer" "$n"
    done
}
run_case peer_images case_peer_images

finish_cases
