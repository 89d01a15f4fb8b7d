#!/usr/bin/env bash
# The main job on an embedded default: a base image, an app layer stacked onto it, the result
# checked by independent tools and run; then a code change that moves only the app layer.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/deps.sh"
cairn_install_packages "${CAIRN_BUILD_PACKAGES[@]}" "${CAIRN_TEST_PACKAGES[@]}"
cairn_build "$top/build"
cairn="$top/build/bin/cairn"

work=$(mktemp -d)
container=""
cleanup() {
    [[ -n $container ]] && runc delete -f "$container" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export CAIRN_CACHE="$work/cache"
step() { printf '\n== %s\n' "$*"; }

step "1. A runtime base from Debian's busybox-static, written by cairn as an OCI layout"
mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for tool in sh echo cat ls; do ln -s busybox "$work/rootfs/bin/$tool"; done
"$cairn" append scratch --layer "$work/rootfs:/" --to "oci:$work/base:busybox" \
    --entrypoint '["/bin/sh"]' --env PATH=/bin

step "2. The app (testdata/hello-app) stacked onto the base"
cp -a "$top/testdata/hello-app" "$work/app"
append_app() {
    "$cairn" append "oci:$work/base:busybox" --layer "$work/app/app:/app" \
        --to "oci:$work/out:$1" --entrypoint '["/bin/sh","/app/hello.sh"]' --workdir /app \
        --user 0:0 --port 8080/tcp --label org.opencontainers.image.title=hello-app
}
first=$(append_app v1)
"$cairn" inspect "oci:$work/out:v1"

step "3. Independent judges: skopeo, oci-image-tool, umoci"
skopeo inspect "oci:$work/out:v1" | jq -c '{Digest, Layers}'
oci-image-tool validate --type image "$work/out" 2>&1 | tail -1
umoci unpack --image "$work/out:v1" "$work/bundle" >/dev/null && echo "umoci: unpacked"

step "4. Run it with runc"
jq '.process.terminal = false | .process.rlimits = [.process.rlimits[]? | select(.type != "RLIMIT_NOFILE")]' \
    "$work/bundle/config.json" >"$work/config.json" && mv "$work/config.json" "$work/bundle/config.json"
container="cairn-demo-$$"
runc run -b "$work/bundle" "$container" || echo "(runc could not run the image on this machine)"
container=""

step "5. A code change: only the app layer moves"
echo "v2" >"$work/app/app/static/version.txt"
second=$(append_app v2)
diff <("$cairn" inspect --json "oci:$work/out:v1" | jq -r '.layers[].digest') \
    <("$cairn" inspect --json "oci:$work/out:v2" | jq -r '.layers[].digest') || true
echo "v1 $first"
echo "v2 $second"

step "6. Reproducible: the same inputs elsewhere give the same digest"
cp -a "$top/testdata/hello-app" "$work/elsewhere"
touch -d '2001-02-03' "$work/elsewhere/app/hello.sh"
again=$("$cairn" append "oci:$work/base:busybox" --layer "$work/elsewhere/app:/app" \
    --to "oci:$work/again:v1" --entrypoint '["/bin/sh","/app/hello.sh"]' --workdir /app \
    --user 0:0 --port 8080/tcp --label org.opencontainers.image.title=hello-app)
[[ $again == "$first" ]] && echo "same digest: $again"
