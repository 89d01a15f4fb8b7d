#!/usr/bin/env bash
# The main job on an embedded default: a base image, an app layer stacked onto it, the result
# checked by independent tools and run; then a code change that moves only the app layer.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/deps.sh"
cairn_install_packages "${CAIRN_BUILD_PACKAGES[@]}" "${CAIRN_TEST_PACKAGES[@]}"
bash "$top/scripts/toolchain.sh"
cairn_build "$top/build"
cairn="$top/build/bin/cairn"

work=$(mktemp -d)
container=""
registry_pid=""
cleanup() {
    [[ -n $container ]] && runc delete -f "$container" >/dev/null 2>&1 || true
    if [[ -n $registry_pid ]]; then
        kill "$registry_pid" 2>/dev/null || true
        wait "$registry_pid" 2>/dev/null || true
    fi
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

step "6. A registry on 127.0.0.1: the base pushed once, the app stacked onto it there"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/registry\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$work" "$port" >"$work/registry.yml"
env -u REGISTRY_AUTH_FILE docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for ((i = 0; i < 100; i++)); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
registry=127.0.0.1:$port
"$cairn" copy "oci:$work/base:busybox" "$registry/hello-base:busybox"
"$cairn" append "$registry/hello-base:busybox" --layer "$work/app/app:/app" --to "$registry/hello:v2" \
    --entrypoint '["/bin/sh","/app/hello.sh"]' --workdir /app --user 0:0 --port 8080/tcp \
    --label org.opencontainers.image.title=hello-app
echo "blobs uploaded for hello:v2 (the app layer and the config; the base layer was mounted):"
grep -oE '"PUT /v2/hello/blobs/uploads/[^ ]*digest=sha256%3A[0-9a-f]{12}' "$work/registry.log" |
    sed 's/.*digest=sha256%3A/  sha256:/' || true
skopeo inspect --tls-verify=false "docker://$registry/hello:v2" | jq -c '{Digest, Layers}'

step "7. Reproducible: the same inputs elsewhere give the same digest"
cp -a "$top/testdata/hello-app" "$work/elsewhere"
touch -d '2001-02-03' "$work/elsewhere/app/hello.sh"
# An empty cache, as on another machine: the layer is made anew, not found.
again=$(CAIRN_CACHE="$work/elsewhere-cache" "$cairn" append "oci:$work/base:busybox" \
    --layer "$work/elsewhere/app:/app" \
    --to "oci:$work/again:v1" --entrypoint '["/bin/sh","/app/hello.sh"]' --workdir /app \
    --user 0:0 --port 8080/tcp --label org.opencontainers.image.title=hello-app)
[[ $again == "$first" ]] && echo "same digest: $again"

step "8. cairn build: testdata/sample (Rust + npm UI) on a busybox+glibc runtime base"
mkdir -p "$work/runtime/bin" "$work/runtime/lib64" "$work/runtime/lib/x86_64-linux-gnu" "$work/runtime/tmp"
cp /bin/busybox "$work/runtime/bin/busybox"
ln -s busybox "$work/runtime/bin/sh"
cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$work/runtime/lib64/ld-linux-x86-64.so.2"
for lib in libc.so.6 libgcc_s.so.1; do
    cp "$(readlink -f "/lib/x86_64-linux-gnu/$lib")" "$work/runtime/lib/x86_64-linux-gnu/$lib"
done
"$cairn" append scratch --layer "$work/runtime:/" --to "$registry/runtime:bookworm-ish" >/dev/null
mkdir -p "$work/sample"
(cd "$top/testdata/sample" && tar --exclude=./target --exclude=./ui/node_modules --exclude=./ui/out -cf - .) |
    tar -xf - -C "$work/sample"
sed -i -e "s|^base = .*|base = \"$registry/runtime:bookworm-ish\"|" \
    -e "s|^registry = \"127.0.0.1:5000\"|registry = \"$registry\"|" "$work/sample/cairn.toml"
git -C "$work/sample" init -q
sample_commit() { git -C "$work/sample" add -A && git -C "$work/sample" -c user.name=demo -c user.email=demo@example.invalid commit -qm "$1"; }
sample_commit "the sample"
echo "-- first build: dependencies compiled, the base pushed as sample-base:cargo-<hash>, then the app"
"$cairn" build dev -C "$work/sample" --metrics "$work/build1.json" 2>&1 | grep -v -e 'cargo|' -e 'npm|' || true
jq -c '{base_key, base_built, seconds, bytes_written, bytes_skipped}' "$work/build1.json" 2>/dev/null || cat "$work/build1.json"

echo "-- a Rust-only change: the base is reused, only the binary layer moves"
sed -i 's/^const VERSION: &str = "sample 1.0";/const VERSION: \&str = "sample 1.1";/' "$work/sample/src/main.rs"
sample_commit "version 1.1"
"$cairn" build dev -C "$work/sample" --metrics "$work/build2.json" 2>&1 | grep -v -e 'cargo|' -e 'npm|' || true
jq -c '{base_key, base_built, seconds, bytes_written, bytes_skipped}' "$work/build2.json" 2>/dev/null || cat "$work/build2.json"

echo "-- LOCAL_ONLY=true: an OCI layout, no registry touched"
LOCAL_ONLY=true "$cairn" build dev -C "$work/sample" --output "oci:$work/sample-out:local" 2>&1 | tail -1
umoci unpack --image "$work/sample-out:local" "$work/sample-bundle" >/dev/null
jq '.process.terminal = false | .process.args = ["/app/sample-server", "--version"]
    | .process.rlimits = [.process.rlimits[]? | select(.type != "RLIMIT_NOFILE")]' \
    "$work/sample-bundle/config.json" >"$work/config.json" && mv "$work/config.json" "$work/sample-bundle/config.json"
container="cairn-demo-sample-$$"
echo -n "the built image answers: "
runc run -b "$work/sample-bundle" "$container" || echo "(runc could not run the image on this machine)"
container=""
