#!/usr/bin/env bash
# The realistic sample (testdata/realistic: a tokio/hyper/clap workspace on Debian's crates and a
# Next.js static-export UI) built the ways a user would compare, in one run:
#   native     cargo build --release + npm ci && npm run build from clean, then cargo's own
#              incremental and no-op builds after the same one-line edit cairn gets
#   cairn      first build, a one-line Rust change, nothing changed, a fresh agent (another
#              checkout path, another CARGO_HOME, empty cache: the base comes from the registry)
#   reference  beside that fresh agent, the base pulled with skopeo and unpacked with tar
#   bump       one dependency bumped (itoa 1.0.1 -> 1.0.2, under http, hyper and serde_json):
#              cargo's own incremental rebuild against cairn on the same agent and on a fresh one
#              (which starts from the nearest earlier base in the registry)
#   seed       the Docker-style flow cairn replaces (Dockerfile.base + Dockerfile.app) built and
#              pushed daemonless with buildah: first build, the same change, a fresh agent
# Bytes pushed are the registry's own growth on disk, not what cairn says it sent.
# The seed flow needs a builder image (Debian 12 with the toolchain): BENCH_BUILDER=OCI-LAYOUT-DIR
# (tag `bookworm`, as bench/make_builder.sh writes it) names one; otherwise it is made once with debootstrap under $CAIRN_BENCH_CACHE (about 11 min)
# when BENCH_SEED=1, and the seed rows are skipped when BENCH_SEED=0 (the default).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
cairn=${CAIRN:?set CAIRN to the cairn binary}
sample=$here/../testdata/realistic
work=$(mktemp -d)
cleanup() {
    bench_registry_stop
    rm -rf "$work"
}
trap cleanup EXIT

for tool in cargo npm git jq zstd; do
    command -v "$tool" >/dev/null || { echo "realistic bench: skipped, $tool is missing" >&2; exit 0; }
done

bench_registry_start "$work/registry"
host=$bench_registry_host
registry_bytes() { du -sb "$work/registry/storage" 2>/dev/null | cut -f1 || echo 0; }

# A runtime base: busybox alone (the bench times building and shipping, not running).
rootfs=$work/rootfs
mkdir -p "$rootfs/bin"
cp /bin/busybox "$rootfs/bin/busybox"
"$cairn" append scratch --layer "$rootfs:/" --to "oci:$work/base:busybox" >/dev/null

# Debian packages one version of each crate: the builds read them through a directory source of
# links to Debian's, so that the bump can add a crate's next version beside them.
crates=$work/crates
mkdir -p "$crates"
for crate in /usr/share/cargo/registry/*/; do ln -s "${crate%/}" "$crates/"; done
copy_sample() {  # DEST
    mkdir -p "$1"
    (cd "$sample" && tar --exclude=./target --exclude=./ui/node_modules --exclude=./ui/out \
        --exclude=./ui/.next --exclude=./cairn-out -cf - .) | tar -xf - -C "$1"
    sed -i "s|^directory = .*|directory = \"$crates\"|" "$1/.cargo/config.toml"
}
# itoa 1.0.2 in the directory source: 1.0.1's code under the next version (another checksum).
bump_source() {
    [[ -e $crates/itoa-1.0.2 ]] && return
    cp -r /usr/share/cargo/registry/itoa-1.0.1 "$crates/itoa-1.0.2"
    sed -i '0,/^version = "1.0.1"/s//version = "1.0.2"/' "$crates/itoa-1.0.2/Cargo.toml"
    printf '{"package":"%s","files":{}}' "$(echo itoa-1.0.2 | sha256sum | cut -d' ' -f1)" \
        >"$crates/itoa-1.0.2/.cargo-checksum.json"
}
bump() {  # DIR
    bump_source
    (cd "$1" && cargo update -q -p itoa --precise 1.0.2)
    grep -q 'name = "itoa"' "$1/Cargo.lock" && grep -A1 'name = "itoa"' "$1/Cargo.lock" | grep -q '1.0.2' ||
        { echo "realistic bench: the bump of itoa did not reach $1/Cargo.lock" >&2; exit 1; }
}
edit_version() {  # DIR VERSION
    sed -i "s/^pub const VERSION: &str = \"realistic [0-9.]*\";/pub const VERSION: \&str = \"realistic $2\";/" \
        "$1/crates/core/src/lib.rs"
}
# With BENCH_LOG_DIR set, each timed command's output is kept there too (01.log, 02.log, …),
# to see where a run's time went.
seconds() {  # COMMAND... : runs it, prints its wall time; its output goes to $work/last.log
    local start end
    start=$(date +%s.%N)
    "$@" >"$work/last.log" 2>&1 || { echo "realistic bench: failed: $*" >&2; tail -20 "$work/last.log" >&2; exit 1; }
    end=$(date +%s.%N)
    if [[ -n ${BENCH_LOG_DIR:-} ]]; then
        mkdir -p "$BENCH_LOG_DIR"
        local kept  # seconds runs in a subshell: the count is the files already there
        kept=$(find "$BENCH_LOG_DIR" -maxdepth 1 -name '*.log' | wc -l)
        { echo "# $*"; cat "$work/last.log"; } >"$BENCH_LOG_DIR/$(printf '%02d' $((kept + 1))).log"
    fi
    printf '%.1f' "$(echo "$end - $start" | bc -l)"
}
rows=()
row() { rows+=("$(printf '%-64s %8s s %12s' "$1" "$2" "${3:--}")"); }

echo "realistic bench: $(nproc) cores, $(cargo -V), node $(node -v)"

# Native, from clean.
native=$work/native
copy_sample "$native"
t=$(seconds sh -c "cd '$native' && cargo build --release --locked && cd ui && npm ci --no-audit --no-fund && npm run build")
row "native: cargo build + npm ci + build, clean" "$t"
edit_version "$native" 1.1
t_native_change=$(seconds sh -c "cd '$native' && cargo build --release --locked")
row "native: cargo build after a one-line edit" "$t_native_change"
t_native_noop=$(seconds sh -c "cd '$native' && cargo build --release --locked")
row "native: cargo build, nothing changed" "$t_native_noop"
# The bump, natively: cargo's own incremental rebuild, and the size of what it rewrote of the
# third-party output (zstd -3), the least a base change must move.
bump "$native"
touch "$work/bump-stamp"
t_native_bump=$(seconds sh -c "cd '$native' && cargo build --release --locked")
row "native: cargo build after itoa bumped" "$t_native_bump"
members=$(cd "$native" && cargo metadata -q --no-deps --format-version 1 --offline |
    jq -r '.packages[] | .name, (.targets[].name | gsub("-"; "_"))' | sort -u | paste -sd'|')
changed_artifacts=$(cd "$native/target/release" &&
    find deps .fingerprint build -maxdepth 1 -mindepth 1 -newer "$work/bump-stamp" |
    grep -Ev "^[^/]+/(lib)?($members)-[0-9a-f]{16}" | tar -cf - -T - | zstd -3 -q -c | wc -c)
echo "realistic bench: the bump rewrote $changed_artifacts bytes (zstd -3) of third-party output" >&2
# The binaries the image ships, relinked by the bump, are changed artifacts too (zstd -3).
bins=$(grep -E '^bins = ' "$sample/cairn.toml" | grep -oE '"[^"]+"' | tr -d '"')
changed_bins=$(cd "$native/target/release" && find $bins -newer "$work/bump-stamp" | tar -cf - -T - |
    zstd -3 -q -c | wc -c)
echo "realistic bench: the bump relinked $changed_bins bytes (zstd -3) of the image's binaries" >&2

# cairn, on one agent, then on a fresh one.
project=$work/agent-a/checkout/realistic
copy_sample "$project"
sed -i -e "s|^base = .*|base = \"oci:$work/base:busybox\"|" \
    -e "s|^registry = \"127.0.0.1:5000\"|registry = \"$host\"|" -e 's|^deploy = .*|deploy = "true"|' \
    "$project/cairn.toml"
git -C "$project" init -q
commit() { git -C "$1" add -A && git -C "$1" -c user.name=b -c user.email=b@example.invalid commit -qm "$2"; }
commit "$project" realistic
cairn_build() {  # DIR CACHE CARGO_HOME
    CAIRN_CACHE=$2 CARGO_HOME=$3 "$cairn" build dev -C "$1" --json --no-deploy >"$work/last.json"
}
# Whether the last build skipped its npm step (docs/steps.md).
npm_skipped() { jq -r '.steps[] | select(.name | startswith("npm")) | .skipped' "$work/last.json" 2>/dev/null || echo "?"; }
cargo_skipped() { jq -r '.steps[] | select(.name == "cargo build") | .skipped' "$work/last.json" 2>/dev/null || echo "?"; }
# Where the last build's time went, as cairn reports it.
phases() {
    jq -r '.seconds | "base \(.base * 10 | round / 10), app \(.app_build * 10 | round / 10), layers \(.layers * 10 | round / 10), push \(.push * 10 | round / 10)"' \
        "$work/last.json" 2>/dev/null || echo "?"
}
before=$(registry_bytes)
t_first=$(seconds cairn_build "$project" "$work/cache-a" "$work/cargo-a")
row "cairn: first build (base built and pushed)" "$t_first" "$(($(registry_bytes) - before))"
base_key=$(jq -r .base_key "$work/last.json")
base_manifest=$(curl -s -H "Accept: application/vnd.oci.image.manifest.v1+json" \
    "http://$host/v2/realistic-base/manifests/$base_key")
echo "realistic bench: base $base_key in $(jq '.layers | length' <<<"$base_manifest") layers, largest $(jq '[.layers[].size] | max' <<<"$base_manifest") bytes" >&2
edit_version "$project" 1.1
commit "$project" "version 1.1"
before=$(registry_bytes)
t_change=$(seconds cairn_build "$project" "$work/cache-a" "$work/cargo-a")
row "cairn: one-line Rust change (npm skipped=$(npm_skipped))" "$t_change" "$(($(registry_bytes) - before))"
echo "realistic bench: code change's phases: $(phases)" >&2
t_noop=$(seconds cairn_build "$project" "$work/cache-a" "$work/cargo-a")
row "cairn: nothing changed (npm skipped=$(npm_skipped))" "$t_noop"
fresh=$work/agent-b/elsewhere/deeper/realistic
git clone -q "$project" "$fresh"
sed -i "s|^base = .*|base = \"oci:$work/base:busybox\"|" "$fresh/cairn.toml"
before=$(registry_bytes)
t_fresh=$(seconds cairn_build "$fresh" "$work/cache-b" "$work/cargo-b")
fresh_base_built=$(jq -r .base_built "$work/last.json" 2>/dev/null || echo "?")
row "cairn: fresh agent, same commit (base_built=$fresh_base_built, npm skipped=$(npm_skipped), cargo skipped=$(cargo_skipped))" "$t_fresh" "$(($(registry_bytes) - before))"
echo "realistic bench: fresh agent's phases: $(phases)" >&2
# The reference for that row: what a pull and unpack of the base costs with the ecosystem's
# tools (skopeo copy from the registry, then zstd -d | tar -x of its layers, one per core at once,
# as cairn restores them; the layers are those of the manifest read above), into directories as
# fresh as the agent's.
t_pull_unpack=
if command -v skopeo >/dev/null; then
    pull_unpack() {  # DIR
        mkdir -p "$1" &&
            skopeo copy -q --src-tls-verify=false "docker://$host/realistic-base:$base_key" "oci:$1/layout:base" &&
            mkdir -p "$1/tree" &&
            jq -r '.layers[].digest | sub("sha256:"; "")' <<<"$base_manifest" |
            xargs -P "$(nproc)" -I{} sh -c "zstd -dc '$1/layout/blobs/sha256/{}' | tar -xf - -C '$1/tree'"
    }
    t_pull_unpack=$(seconds pull_unpack "$work/reference-pull")
    rm -rf "$work/reference-pull"
    row "reference: skopeo copy of the base + zstd -d | tar -x of its layers" "$t_pull_unpack"
fi
# A fresh agent of a commit no agent built: cargo compiles the workspace's crates over the base.
edit_version "$project" 1.2
commit "$project" "version 1.2"
unbuilt=$work/agent-e/yet/another/realistic
git clone -q "$project" "$unbuilt"
sed -i "s|^base = .*|base = \"oci:$work/base:busybox\"|" "$unbuilt/cairn.toml"
before=$(registry_bytes)
t_fresh_new=$(seconds cairn_build "$unbuilt" "$work/cache-e" "$work/cargo-e")
row "cairn: fresh agent, a commit not built before (cargo skipped=$(cargo_skipped))" "$t_fresh_new" "$(($(registry_bytes) - before))"
echo "realistic bench: fresh agent's phases (new commit): $(phases)" >&2

# One dependency bumped: on agent A (warm build directories), and on a fresh agent, whose new
# key has no base: it starts from the nearest earlier one, agent A's first, in the registry.
bump "$project"
commit "$project" "itoa 1.0.2"
bumped=$work/agent-c/other/realistic
git clone -q "$project" "$bumped"
sed -i "s|^base = .*|base = \"oci:$work/base:busybox\"|" "$bumped/cairn.toml"
before=$(registry_bytes)
t_bump_fresh=$(seconds cairn_build "$bumped" "$work/cache-c" "$work/cargo-c")
bytes_bump_fresh=$(($(registry_bytes) - before))
# Of what the registry grew by, the base's new layers (the rest is the image: its binary layer).
base_bytes_bump=$(jq .base_bytes_written "$work/last.json")
row "cairn: itoa bumped, fresh agent (nearest=$(jq -r .base_nearest "$work/last.json"), $(jq '.dependencies_compiled | length' "$work/last.json") crates compiled)" \
    "$t_bump_fresh" "$bytes_bump_fresh"
echo "realistic bench: bumped fresh agent's phases: $(phases)" >&2
echo "realistic bench: bumped fresh agent's new base: $(jq .base_layers_kept "$work/last.json") layers kept unread from the restore" >&2
before=$(registry_bytes)
t_bump_warm=$(seconds cairn_build "$project" "$work/cache-a" "$work/cargo-a")
row "cairn: itoa bumped, agent A (its base is already in the registry)" "$t_bump_warm" "$(($(registry_bytes) - before))"

# The seed flow with buildah.
builder=${BENCH_BUILDER:-}
if [[ -z $builder && ${BENCH_SEED:-0} == 1 ]]; then
    builder=${CAIRN_BENCH_CACHE:-/var/cache/cairn-bench}/oci-builder
    if [[ ! -f $builder/index.json ]]; then
        echo "realistic bench: making the seed flow's builder image with debootstrap (once)" >&2
        bash "$here/make_builder.sh" "$builder"
    fi
fi
if [[ -n $builder ]] && ! command -v buildah >/dev/null; then
    echo "realistic bench: seed flow skipped, buildah is missing" >&2
    builder=
fi
if [[ -n $builder ]]; then
    export BUILDAH_ISOLATION=chroot
    bh() { buildah --root "$work/bh-$agent/root" --runroot "$work/bh-$agent/run" --storage-driver vfs "$@"; }
    # npm ci inside the builder must trust what this machine trusts (a proxy's own CA, say): the
    # host's bundle is mounted over the builder's for RUN steps only; it is not in any image.
    ca_bundle=${BENCH_CA_BUNDLE:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
    run_mounts=()
    [[ -f $ca_bundle ]] && run_mounts=(-v "$ca_bundle:/etc/ssl/certs/ca-certificates.crt:ro")
    seed_build() {  # DIR PULL_BASE(0/1)
        local dir=$1
        if [[ $2 == 0 ]]; then
            bh bud --layers "${run_mounts[@]}" --build-arg "BUILDER=oci:$builder:bookworm" -f "$dir/Dockerfile.base" \
                -t "$host/realistic-base:seed" "$dir"
            bh push --tls-verify=false "$host/realistic-base:seed"
        else
            bh pull --tls-verify=false "$host/realistic-base:seed"
        fi
        seed_app "$dir"
    }
    seed_app() {  # DIR
        bh bud --layers "${run_mounts[@]}" --tls-verify=false --build-arg "BASE=$host/realistic-base:seed" \
            -f "$1/Dockerfile.app" -t "$host/realistic:seed" "$1"
        bh push --tls-verify=false "$host/realistic:seed"
    }
    # The seed builds inside the builder image, which has Debian's crates where the sample's own
    # .cargo/config.toml says (the bench's directory of links exists only out here).
    seed_copy() {  # DEST
        copy_sample "$1"
        cp "$sample/.cargo/config.toml" "$1/.cargo/config.toml"
    }
    # The three seed rows; a failure (printed by `seconds`) leaves them out, not the cairn rows.
    seed_rows() {
        seed=$work/seed-a/realistic
        seed_copy "$seed"
        agent=a
        before=$(registry_bytes)
        t_seed_first=$(seconds seed_build "$seed" 0) || return 1
        row "seed (buildah): first build, base + app" "$t_seed_first" "$(($(registry_bytes) - before))"
        edit_version "$seed" 1.1
        before=$(registry_bytes)
        t_seed_change=$(seconds seed_app "$seed") || return 1
        row "seed (buildah): one-line Rust change" "$t_seed_change" "$(($(registry_bytes) - before))"
        agent=b
        seed_fresh=$work/seed-b/realistic
        seed_copy "$seed_fresh"
        edit_version "$seed_fresh" 1.1
        before=$(registry_bytes)
        t_seed_fresh=$(seconds seed_build "$seed_fresh" 1) || return 1
        row "seed (buildah): fresh agent (base pulled)" "$t_seed_fresh" "$(($(registry_bytes) - before))"
    }
    if ! seed_rows; then
        echo "realistic bench: the seed flow failed (see above): its rows and ratios are left out" >&2
        row "seed (buildah): failed, see stderr" "-" "-"
        builder=
    fi
else
    echo "realistic bench: seed flow skipped (BENCH_BUILDER unset and BENCH_SEED=0)" >&2
fi

printf '%-64s %10s %12s\n' "run" "seconds" "bytes pushed"
printf '%s\n' "${rows[@]}"
echo "ratios:"
echo "  cairn code change / native incremental cargo build:  $(ratio "$t_change" "$t_native_change")"
echo "  cairn fresh agent, same commit / native incremental cargo build:  $(ratio "$t_fresh" "$t_native_change")"
echo "  cairn fresh agent, new commit / native incremental cargo build:   $(ratio "$t_fresh_new" "$t_native_change")"
if [[ -n $t_pull_unpack ]]; then
    echo "  cairn fresh agent, same commit / skopeo copy + tar -x of the base:  $(ratio "$t_fresh" "$t_pull_unpack")"
fi
echo "  cairn nothing changed - native no-op cargo build:    $(difference "$t_noop" "$t_native_noop") s"
if [[ -n $builder ]]; then
    echo "  cairn first build / seed first build:                $(ratio "$t_first" "$t_seed_first")"
    echo "  cairn code change / seed code change:                $(ratio "$t_change" "$t_seed_change")"
    echo "  cairn fresh agent / seed fresh agent:                $(ratio "$t_fresh" "$t_seed_fresh")"
fi
echo "  itoa bumped, fresh agent / native incremental cargo build after the bump: $(ratio "$t_bump_fresh" "$t_native_bump")"
echo "  itoa bumped, fresh agent / cairn first build (every dependency compiled): $(ratio "$t_bump_fresh" "$t_first")"
echo "  itoa bumped, base bytes pushed / third-party output the bump rewrote (zstd -3): $(ratio "$base_bytes_bump" "$changed_artifacts") ($base_bytes_bump / $changed_artifacts)"
echo "  itoa bumped, registry growth (base and image) / the same:                 $(ratio "$bytes_bump_fresh" "$changed_artifacts")"
echo "  itoa bumped, registry growth / all it rewrote, third-party and binaries:  $(ratio "$bytes_bump_fresh" "$((changed_artifacts + changed_bins))") ($bytes_bump_fresh / $((changed_artifacts + changed_bins)))"
