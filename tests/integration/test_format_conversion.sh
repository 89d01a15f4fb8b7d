#!/usr/bin/env bash
# An OCI layout holds OCI types only: copies into oci: and oci-archive: (and appends and builds
# onto a Docker base written there) convert Docker schema 2 manifests to OCI ones, as skopeo
# does, with the layers' bytes and digests unchanged (gzip -> tar+gzip, rootfs.diff.tar -> tar);
# skopeo, umoci and oci-image-tool read the result. --format docker converts the other way for
# targets that take it, --preserve-digests refuses any conversion.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_tool skopeo
require_tool umoci
require_tool oci-image-tool
require_tool jq

mkdir -p "$WORK/src"
printf 'hello\n' >"$WORK/src/hello.txt"
cairn_ok append scratch --layer "$WORK/src:/app" --to "oci:$WORK/oci:v1"
OCI_DIGEST=$(tr -d '\n' <"$OUT")
# Docker schema 2 sources: cairn's docker-archive (gzip layers) and skopeo's (uncompressed).
cairn_ok copy "oci:$WORK/oci:v1" "docker-archive:$WORK/cairn.docker.tar:example.com/app:v1"
skopeo copy --quiet "oci:$WORK/oci:v1" "docker-archive:$WORK/skopeo.docker.tar:example.com/app:v1" ||
    fail "skopeo copy to docker-archive"

manifest_of() { blob_path "$1" "$(layout_tag_digest "$1" "$2")"; }

# An OCI layout's image, judged by the independent tools: every type OCI, layers as given.
assert_oci_layout() {  # DIR TAG LAYER_TYPE WHAT
    local manifest
    manifest=$(manifest_of "$1" "$2")
    assert_eq application/vnd.oci.image.manifest.v1+json "$(jq -r .mediaType "$manifest")" "$4: manifest type"
    assert_eq application/vnd.oci.image.config.v1+json "$(jq -r .config.mediaType "$manifest")" "$4: config type"
    assert_eq "$3" "$(jq -r '.layers[].mediaType' "$manifest" | sort -u)" "$4: layer type"
    assert_eq application/vnd.oci.image.manifest.v1+json \
        "$(jq -r --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .mediaType' "$1/index.json")" \
        "$4: index.json entry type"
    assert_image_consistent "$1" "$2"
    skopeo inspect "oci:$1:$2" >/dev/null 2>"$WORK/skopeo.err" || fail "$4: skopeo cannot read it: $(cat "$WORK/skopeo.err")"
    oci-image-tool validate --type image --ref "name=$2" "$1" >"$WORK/validate.out" 2>&1 ||
        fail "$4: oci-image-tool rejects it: $(cat "$WORK/validate.out")"
    rm -rf "$WORK/bundle"
    umoci unpack --rootless --image "$1:$2" "$WORK/bundle" >/dev/null 2>&1 || fail "$4: umoci cannot unpack it"
    assert_eq hello "$(cat "$WORK/bundle/rootfs/app/hello.txt")" "$4: the file in the unpacked image"
}

case_docker_sources_become_oci() {
    cairn_ok copy "docker-archive:$WORK/cairn.docker.tar" "oci:$WORK/from-cairn:v1"
    assert_oci_layout "$WORK/from-cairn" v1 application/vnd.oci.image.layer.v1.tar+gzip "cairn's docker-archive in oci:"
    # Layers and config keep their bytes: the digests of the OCI image cairn made first.
    assert_eq "$(jq -c '[.layers[].digest, .config.digest]' "$(manifest_of "$WORK/oci" v1)")" \
        "$(jq -c '[.layers[].digest, .config.digest]' "$(manifest_of "$WORK/from-cairn" v1)")" "digests of layers and config"
    cairn_ok copy "docker-archive:$WORK/skopeo.docker.tar" "oci:$WORK/from-skopeo:v1"
    assert_oci_layout "$WORK/from-skopeo" v1 application/vnd.oci.image.layer.v1.tar "skopeo's docker-archive (uncompressed layers) in oci:"
    # oci-archive: the same conversion, read back through skopeo.
    cairn_ok copy "docker-archive:$WORK/cairn.docker.tar" "oci-archive:$WORK/from-docker.oci.tar:v1"
    mkdir -p "$WORK/unpacked-archive"
    tar -xf "$WORK/from-docker.oci.tar" -C "$WORK/unpacked-archive"
    assert_oci_layout "$WORK/unpacked-archive" v1 application/vnd.oci.image.layer.v1.tar+gzip "docker-archive in oci-archive:"
}
run_case docker_sources_become_oci case_docker_sources_become_oci

case_preserve_digests_and_usage() {
    expect_error 1 'Docker schema 2.*preserve-digests' copy --preserve-digests \
        "docker-archive:$WORK/cairn.docker.tar" "oci:$WORK/preserved:v1"
    assert_eq "" "$([[ -f $WORK/preserved/index.json ]] && layout_tag_digest "$WORK/preserved" v1)" "tag after a refused conversion"
    cairn_ok copy --preserve-digests "oci:$WORK/oci:v1" "oci:$WORK/preserved:v1"
    assert_eq "$OCI_DIGEST" "$(tr -d '\n' <"$OUT")" "an OCI image kept as it is under --preserve-digests"
    expect_error 2 'OCI manifests only' copy --format docker "oci:$WORK/oci:v1" "oci:$WORK/as-docker:v1"
    expect_error 2 'OCI manifests only' copy --format docker "oci:$WORK/oci:v1" "oci-archive:$WORK/as-docker.tar"
    expect_error 2 'formats are "oci" and "docker"' copy --format v2s1 "oci:$WORK/oci:v1" "oci:$WORK/x:v1"
    assert_absent "$WORK/as-docker"
    assert_absent "$WORK/as-docker.tar"
}
run_case preserve_digests_and_usage case_preserve_digests_and_usage

# A registry takes both: as they are by default, either way with --format.
case_registry_formats() {
    registry_start formats open
    local raw
    cairn_ok copy --format docker "oci:$WORK/oci:v1" "$REGISTRY_HOST/app:docker"
    raw=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY_HOST/app:docker")
    assert_eq application/vnd.docker.distribution.manifest.v2+json "$(jq -r .mediaType <<<"$raw")" "--format docker manifest type"
    assert_eq application/vnd.docker.container.image.v1+json "$(jq -r .config.mediaType <<<"$raw")" "--format docker config type"
    assert_eq application/vnd.docker.image.rootfs.diff.tar.gzip "$(jq -r '.layers[].mediaType' <<<"$raw")" "--format docker layer type"
    skopeo copy --quiet --src-tls-verify=false "docker://$REGISTRY_HOST/app:docker" "oci:$WORK/skopeo-pulled:v1" ||
        fail "skopeo cannot pull the --format docker image"
    cairn_ok copy --preserve-digests "oci:$WORK/oci:v1" "$REGISTRY_HOST/app:kept"
    assert_eq "$OCI_DIGEST" "$(skopeo_digest "$REGISTRY_HOST/app:kept")" "--preserve-digests to a registry"
    cairn_ok copy "docker-archive:$WORK/cairn.docker.tar" "$REGISTRY_HOST/app:as-is"
    raw=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY_HOST/app:as-is")
    assert_eq application/vnd.docker.distribution.manifest.v2+json "$(jq -r .mediaType <<<"$raw")" "a registry keeps Docker types by default"
    cairn_ok copy "$REGISTRY_HOST/app:as-is" "oci:$WORK/from-registry:v1"
    assert_oci_layout "$WORK/from-registry" v1 application/vnd.oci.image.layer.v1.tar+gzip "a Docker image from a registry into oci:"
    # zstd layers have no Docker type.
    cairn_ok append scratch --layer "$WORK/src:/app" --compression zstd --to "oci:$WORK/zstd:v1"
    expect_error 1 'zstd' copy --format docker "oci:$WORK/zstd:v1" "$REGISTRY_HOST/app:zstd"
}
run_case registry_formats case_registry_formats

# append onto a Docker base, into an OCI layout: OCI types (into a registry they stay Docker).
case_append_onto_docker_base() {
    printf 'more\n' >"$WORK/more.txt"
    cairn_ok append "docker-archive:$WORK/cairn.docker.tar" --layer "$WORK/more.txt:/more.txt" --to "oci:$WORK/appended:v1"
    local manifest
    manifest=$(manifest_of "$WORK/appended" v1)
    assert_eq application/vnd.oci.image.manifest.v1+json "$(jq -r .mediaType "$manifest")" "append onto a Docker base, into oci:"
    assert_eq application/vnd.oci.image.layer.v1.tar+gzip "$(jq -r '.layers[].mediaType' "$manifest" | sort -u)" "layer types after append"
    skopeo inspect "oci:$WORK/appended:v1" >/dev/null || fail "skopeo cannot read the appended image"
    oci-image-tool validate --type image --ref name=v1 "$WORK/appended" >/dev/null 2>&1 || fail "oci-image-tool rejects the appended image"
}
run_case append_onto_docker_base case_append_onto_docker_base

finish_cases
