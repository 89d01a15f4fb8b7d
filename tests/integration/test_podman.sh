#!/usr/bin/env bash
# `podman load` accepts what cairn writes, as docker-archive and as oci-archive, keeps the
# image's config, and runs the image (podman --runtime runc; crun cannot run here).
source "$(dirname "$0")/lib.sh"
require_tool podman
require_tool runc
require_tool jq
[[ $(id -u) == 0 ]] || skip "podman runs as root here (rootless podman is not set up for tests)"

# Podman of its own: storage, run state and config under $WORK (vfs: no overlay mounts in a
# container); no default ulimits, which this environment may not grant.
mkdir -p "$WORK/podman"
cat >"$WORK/podman/containers.conf" <<'CONF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF=$WORK/podman/containers.conf
podman_() {
    timeout -k 5 120 podman --root "$WORK/podman/root" --runroot "$WORK/podman/run" \
        --storage-driver vfs "$@"
}
on_exit "podman --root '$WORK/podman/root' --runroot '$WORK/podman/run' --storage-driver vfs rm -af"

make_busybox_base "$WORK/base" busybox
mkdir -p "$WORK/app"
printf '#!/bin/sh\necho "hello from $GREETING"\n' >"$WORK/app/hello"
chmod 0755 "$WORK/app/hello"
cairn_ok append "oci:$WORK/base:busybox" --layer "$WORK/app:/app" --to "oci:$WORK/image:v1" \
    --entrypoint '["/app/hello"]' --env GREETING=cairn --label org.example.made-by=cairn
cairn_ok copy "oci:$WORK/image:v1" "docker-archive:$WORK/image-docker.tar:cairn/hello:docker"
cairn_ok copy "oci:$WORK/image:v1" "oci-archive:$WORK/image-oci.tar:oci"
config_digest=$(jq -r .config.digest "$WORK/image/blobs/sha256/$(layout_tag_digest "$WORK/image" v1 | sed 's/sha256://')")

podman_ load -i "$WORK/image-docker.tar" >"$WORK/load-docker.out" 2>&1 ||
    fail "podman load refused the docker-archive: $(tail -3 "$WORK/load-docker.out")"
assert_contains "$(cat "$WORK/load-docker.out")" "cairn/hello:docker" "podman names the loaded image"
podman_ load -i "$WORK/image-oci.tar" >"$WORK/load-oci.out" 2>&1 ||
    fail "podman load refused the oci-archive: $(tail -3 "$WORK/load-oci.out")"

# Both are the same image to podman: the config's digest is the image ID.
assert_eq "$config_digest" "sha256:$(podman_ image inspect --format '{{.Id}}' localhost/cairn/hello:docker)" \
    "podman's image ID is the config cairn wrote"
assert_eq "cairn" "$(podman_ image inspect --format '{{index .Labels "org.example.made-by"}}' localhost/cairn/hello:docker)" \
    "the label survives the load"
assert_eq "hello from cairn" "$(podman_ run --rm --network none localhost/cairn/hello:docker)" \
    "the image runs under podman with its entrypoint and env"
