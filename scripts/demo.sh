#!/usr/bin/env bash
# The main job on an embedded default: a base image, an app layer stacked onto it, the result
# checked by independent tools and run; then a code change that moves only the app layer.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/deps.sh"
cairn_install_packages "${CAIRN_BUILD_PACKAGES[@]}" "${CAIRN_TEST_PACKAGES[@]}"
bash "$top/scripts/toolchain.sh"
# The demo runs the program alone: its tests are scripts/test.sh's to build.
CAIRN_BUILD_TARGET=cairn cairn_build "$top/build"
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
for lib in libc.so.6 libm.so.6 libgcc_s.so.1; do
    cp "$(readlink -f "/lib/x86_64-linux-gnu/$lib")" "$work/runtime/lib/x86_64-linux-gnu/$lib"
done
"$cairn" append scratch --layer "$work/runtime:/" --to "$registry/runtime:bookworm-ish" >/dev/null

# A checkout of testdata/NAME at DIR, pointed at this demo's registry and runtime base.
checkout() {  # NAME DIR
    mkdir -p "$2"
    (cd "$top/testdata/$1" && tar --exclude=./target --exclude=./ui/node_modules --exclude=./ui/out \
        --exclude=./ui/.next --exclude=./cairn-out -cf - .) | tar -xf - -C "$2"
    sed -i -e "s|^base = .*|base = \"$registry/runtime:bookworm-ish\"|" \
        -e "s|^registry = \"127.0.0.1:5000\"|registry = \"$registry\"|" "$2/cairn.toml"
    git -C "$2" init -q
    commit_all "$2" "testdata/$1"
}
commit_all() { git -C "$1" add -A && git -C "$1" -c user.name=demo -c user.email=demo@example.invalid commit -qm "$2"; }
rows=()
# Builds DIR with cache CACHE; adds a row to the table: what, wall time, bytes pushed, base.
timed_build() {  # WHAT DIR CACHE
    local start end
    start=$(date +%s.%N)
    CAIRN_CACHE=$3 "$cairn" build dev -C "$2" --no-deploy --metrics "$work/metrics.json" >/dev/null 2>"$work/build.log" ||
        { tail -5 "$work/build.log"; return 1; }
    end=$(date +%s.%N)
    grep -E 'base cargo-|built |step ' "$work/build.log" | sed 's/^[0-9TZ:-]* //; s/^/   /'
    rows+=("$(jq -r --arg what "$1" --arg s "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" \
        '"\($what)|\($s)|\(.bytes_written)|\(if .base_built then "built" elif .base_restored then "restored" else "reused (warm)" end)"' \
        "$work/metrics.json")")
}
# First build, a one-line Rust change, and a fresh agent (another path, an empty cache: the base
# comes from the registry).
story() {  # NAME VERSION_FILE OLD_VERSION NEW_VERSION
    local project=$work/agent-a/$1 fresh=$work/agent-b/elsewhere/deeper/$1
    checkout "$1" "$project"
    echo "-- first build of testdata/$1: dependencies compiled, the base pushed, then the app"
    timed_build "first build" "$project" "$work/cache-a" || return 1
    echo "-- a one-line Rust change"
    sed -i "s/\"$3\"/\"$4\"/" "$project/$2"
    grep -q "\"$4\"" "$project/$2" || { echo "could not edit $2"; return 1; }
    commit_all "$project" "$4"
    timed_build "code change" "$project" "$work/cache-a" || return 1
    echo "-- a fresh agent: another checkout path, an empty cache"
    git clone -q "$project" "$fresh"
    timed_build "fresh agent" "$fresh" "$work/cache-b" || return 1
    printf '\n%-20s %9s %14s  %s\n' "testdata/$1" "seconds" "bytes pushed" "base"
    local row
    for row in "${rows[@]}"; do
        IFS='|' read -r what secs bytes base <<<"$row"
        printf '%-20s %9s %14s  %s\n' "$what" "$secs" "$bytes" "$base"
    done
}
# The realistic workspace (tokio, hyper, clap and a Next.js UI) when its Debian crates can be
# installed and npm reaches its registry; else the small sample.
if (cairn_install_packages "${CAIRN_REALISTIC_CRATES[@]}") >/dev/null 2>&1 &&
    story realistic crates/core/src/lib.rs "realistic 1.0" "realistic 1.1"; then
    :
else
    echo "(the realistic sample could not be built here: the small sample instead)"
    rows=()
    story sample src/main.rs "sample 1.0" "sample 1.1"
fi
project=$work/agent-a/sample
[[ -d $project ]] || checkout sample "$project"

echo
echo "-- LOCAL_ONLY=true: an OCI layout, no registry touched"
LOCAL_ONLY=true CAIRN_CACHE=$work/cache-a "$cairn" build dev -C "$project" --output "oci:$work/sample-out:local" 2>&1 | tail -1
umoci unpack --image "$work/sample-out:local" "$work/sample-bundle" >/dev/null
jq '.process.terminal = false | .process.args = ["/app/sample-server", "--version"]
    | .process.rlimits = [.process.rlimits[]? | select(.type != "RLIMIT_NOFILE")]' \
    "$work/sample-bundle/config.json" >"$work/config.json" && mv "$work/config.json" "$work/sample-bundle/config.json"
container="cairn-demo-sample-$$"
echo -n "the built image answers: "
runc run -b "$work/sample-bundle" "$container" || echo "(runc could not run the image on this machine)"
container=""
