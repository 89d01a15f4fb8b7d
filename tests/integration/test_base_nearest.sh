#!/usr/bin/env bash
# A Cargo.lock change compiles only what changed. A project depends on `mid` (which depends on
# `leaf`, a crate with a build script) and on `solo`, all vendored. Agent A builds and pushes
# the base; then leaf is bumped 0.1.0 -> 0.1.1. A fresh agent (another path, another CARGO_HOME,
# an empty cache) finds no base for the new key, starts from agent A's base (the nearest in the
# registry, found by its labels), and compiles leaf and mid only, not solo. The new base holds
# no artifact of leaf 0.1.0 and keeps solo's layer. Agent A, bumping too with --local-only and
# no target directory, finds the nearest base in its own cache the same way.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
for tool in cargo rustc git jq skopeo tar; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/toolchain.sh installs the build tools)"
done
CAIRN_TIMEOUT=600
unset SOURCE_DATE_EPOCH LOCAL_ONLY REBUILD_BASE RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
registry_start builds open
make_busybox_base "$WORK/base" busybox

PROJECT_A=$WORK/agent-a/app
mkdir -p "$PROJECT_A/src" "$PROJECT_A/.cargo"

# vendor/<dir>: a crate of the directory source, its checksum file naming the package's digest.
vendor_crate() {  # DIR NAME VERSION DEPENDENCIES LIB_RS [BUILD_RS]
    local dir=$PROJECT_A/vendor/$1
    mkdir -p "$dir/src"
    printf '[package]\nname = "%s"\nversion = "%s"\nedition = "2021"\n%s\n[dependencies]\n%s\n' \
        "$2" "$3" "${6:+build = \"build.rs\"}" "$4" >"$dir/Cargo.toml"
    printf '%s\n' "$5" >"$dir/src/lib.rs"
    [[ -z ${6:-} ]] || printf '%s\n' "$6" >"$dir/build.rs"
    printf '{"files":{},"package":"%s"}' "$(printf '%s %s' "$2" "$3" | sha256sum | cut -d' ' -f1)" \
        >"$dir/.cargo-checksum.json"
}
leaf_build='fn main() { println!("cargo:rustc-env=LEAF_BUILT=yes"); }'
vendor_crate leaf-0.1.0 leaf 0.1.0 "" 'pub fn leaf() -> &'"'"'static str { concat!("leaf 0.1.0 ", env!("LEAF_BUILT")) }' "$leaf_build"
vendor_crate mid-0.1.0 mid 0.1.0 'leaf = "0.1"' 'pub fn mid() -> String { format!("mid over {}", leaf::leaf()) }'
vendor_crate solo-1.0.0 solo 1.0.0 "" 'pub fn solo() -> u32 { 7 }'

cat >"$PROJECT_A/Cargo.toml" <<'EOF'
[package]
name = "app"
version = "0.1.0"
edition = "2021"

[dependencies]
mid = "0.1"
solo = "1"
EOF
printf 'fn main() {\n    println!("{} {}", mid::mid(), solo::solo());\n}\n' >"$PROJECT_A/src/main.rs"
cat >"$PROJECT_A/.cargo/config.toml" <<'EOF'
[source.crates-io]
replace-with = "vendored"

[source.vendored]
directory = "vendor"

[net]
offline = true
EOF
cat >"$PROJECT_A/cairn.toml" <<EOF
[image]
name = "nearest"
base = "oci:$WORK/base:busybox"
entrypoint = ["/app/app"]

[cargo]
dir = "."
profile = "release"
bins = ["app"]

[profiles.dev]
registry = "$REGISTRY_HOST"
tag = "dev-{git_short}"
EOF
printf 'target/\ncairn-out/\n' >"$PROJECT_A/.gitignore"
(cd "$PROJECT_A" && CARGO_HOME=$WORK/home-lock cargo generate-lockfile -q) ||
    fail "cargo generate-lockfile failed in $PROJECT_A"
grep -q '^version = "0.1.0"' <(grep -A1 '^name = "leaf"' "$PROJECT_A/Cargo.lock") ||
    fail "Cargo.lock does not hold leaf 0.1.0"
git_commit() { git -C "$1" add -A && git -C "$1" -c user.name=t -c user.email=t@example.invalid commit -qm "$2"; }
git -C "$PROJECT_A" init -q && git_commit "$PROJECT_A" "leaf 0.1.0"

agent_a() { CARGO_HOME=$WORK/home-a CAIRN_CACHE=$WORK/cache-a "$@"; }
agent_b() { CARGO_HOME=$WORK/home-b CAIRN_CACHE=$WORK/cache-b "$@"; }
compiled() { jq -r '[.dependencies_compiled[] | split(" ")[0]] | sort | join(",")' "$1"; }

agent_a cairn_ok build dev -C "$PROJECT_A" --json
cp "$OUT" "$WORK/a.json"
assert_eq true "$(jq -r .base_built "$WORK/a.json")" "agent A builds the base"
assert_eq "" "$(jq -r .base_nearest "$WORK/a.json")" "agent A has no earlier base to start from"
assert_eq "leaf,mid,solo" "$(compiled "$WORK/a.json")" "agent A compiles every dependency"
base_a=$(jq -r .base_key "$WORK/a.json")

# The bump (leaf 0.1.1 vendored, `cargo update -p leaf`), committed, and a fresh agent's clone.
vendor_crate leaf-0.1.1 leaf 0.1.1 "" 'pub fn leaf() -> &'"'"'static str { concat!("leaf 0.1.1 ", env!("LEAF_BUILT")) }' "$leaf_build"
(cd "$PROJECT_A" && CARGO_HOME=$WORK/home-lock cargo update -q -p leaf) ||
    fail "cargo could not bump leaf to 0.1.1"
grep -q '^version = "0.1.1"' <(grep -A1 '^name = "leaf"' "$PROJECT_A/Cargo.lock") ||
    fail "Cargo.lock does not hold leaf 0.1.1 after the bump"
git_commit "$PROJECT_A" "leaf 0.1.1"
PROJECT_B=$WORK/agent-b/elsewhere/app
mkdir -p "$(dirname "$PROJECT_B")"
git clone -q "$PROJECT_A" "$PROJECT_B"

agent_b cairn_ok build dev -C "$PROJECT_B" --json
cp "$OUT" "$WORK/b.json"
base_b=$(jq -r .base_key "$WORK/b.json")
assert_ne "$base_a" "$base_b" "the bump changes the base key"
assert_eq "$base_a" "$(jq -r .base_nearest "$WORK/b.json")" "the fresh agent starts from agent A's base, found in the registry"
assert_contains "$(cat "$ERR")" "starting from the nearest earlier base $base_a (2 of 3 crates at the same version)" "the progress says which base and how near"
assert_eq "leaf,mid" "$(compiled "$WORK/b.json")" "after the bump only leaf (its build script run again) and mid are compiled, not solo"
assert_eq true "$(jq -r .base_built "$WORK/b.json")" "the fresh agent stores and pushes the new base"
# solo's files are as the restore wrote them: its layer is kept, not read again; leaf's is not.
kept_b=$(jq -r .base_layers_kept "$WORK/b.json")
[[ $kept_b -ge 1 ]] || fail "the fresh agent kept no layer of the restored base unread ($kept_b)"
assert_contains "$(cat "$ERR")" "$kept_b unchanged since the restore, kept unread" "the progress says how many base layers were kept"

# The image answers with the bumped leaf.
tag_b=$(jq -r .tag "$WORK/b.json")
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY_HOST/nearest:$tag_b" "oci:$WORK/image:b" ||
    fail "skopeo could not copy agent B's image"
assert_image_consistent "$WORK/image" b
mkdir -p "$WORK/files"
for blob in $(jq -r '.layers[].digest' "$(blob_path "$WORK/image" "$(layout_tag_digest "$WORK/image" b)")"); do
    decompress "$(blob_path "$WORK/image" "$blob")" | tar -xf - -C "$WORK/files"
done
grep -qaF "leaf 0.1.1 yes" "$WORK/files/app/app" || fail "the image's binary is not linked with leaf 0.1.1"

# The two bases, as skopeo copies them from the registry: the new one holds no unit of leaf
# 0.1.0 (pruned: as many leaf fingerprints as the old one, not twice as many), and solo's layer
# is the old one's.
base_entries() {  # KEY DIR
    skopeo copy -q --src-tls-verify=false "docker://$REGISTRY_HOST/nearest-base:$1" "oci:$2:base" ||
        fail "skopeo could not copy the base $1"
    local manifest
    manifest=$(blob_path "$2" "$(layout_tag_digest "$2" base)")
    for blob in $(jq -r '.layers[].digest' "$manifest"); do
        decompress "$(blob_path "$2" "$blob")" | tar -tf -
    done | sort
}
base_entries "$base_a" "$WORK/base-a" >"$WORK/base-a.list"
base_entries "$base_b" "$WORK/base-b" >"$WORK/base-b.list"
# Kept layers come with the diff_ids the restore read: each must still be its blob's.
assert_image_consistent "$WORK/base-b" base
[[ $kept_b -lt $(jq '.layers | length' "$(blob_path "$WORK/base-b" "$(layout_tag_digest "$WORK/base-b" base)")") ]] ||
    fail "every layer of the bumped base was kept: leaf's changed and must be packed again"
leaf_a=$(grep -c '^cargo/.fingerprint/leaf-[0-9a-f]*/$' "$WORK/base-a.list" || true)
leaf_b=$(grep -c '^cargo/.fingerprint/leaf-[0-9a-f]*/$' "$WORK/base-b.list" || true)
[[ $leaf_a -ge 2 ]] || fail "agent A's base holds $leaf_a fingerprints of leaf (its lib and build script: 2 or more)"
assert_eq "$leaf_a" "$leaf_b" "the new base holds leaf 0.1.1's units only (leaf 0.1.0's pruned)"
grep -q '^cargo/deps/libsolo-' "$WORK/base-b.list" || fail "the new base lost solo"
layers_a=$(jq -r '.layers[].digest' "$(blob_path "$WORK/base-a" "$(layout_tag_digest "$WORK/base-a" base)")" | sort)
layers_b=$(jq -r '.layers[].digest' "$(blob_path "$WORK/base-b" "$(layout_tag_digest "$WORK/base-b" base)")" | sort)
shared=$(comm -12 <(echo "$layers_a") <(echo "$layers_b") | wc -l)
[[ $shared -ge 1 ]] || fail "the new base shares no layer with the old one (solo's should be the same)"
config_b=$(blob_path "$WORK/base-b" "$(jq -r '.config.digest' "$(blob_path "$WORK/base-b" "$(layout_tag_digest "$WORK/base-b" base)")")")
assert_match "$(jq -r '.config.Labels["dev.cairn.base.cargo-packages"]' "$config_b")" \
    '^leaf@0\.1\.1/[0-9a-f]{8} mid@0\.1\.0/[0-9a-f]{8} solo@1\.0\.0/[0-9a-f]{8}$' "the new base records its crates"

# A second fresh agent of the bumped commit restores the new base whole: nothing compiled.
PROJECT_C=$WORK/agent-c/app
mkdir -p "$(dirname "$PROJECT_C")"
git clone -q "$PROJECT_A" "$PROJECT_C"
# (--no-skip: cargo runs, rather than taking B's binaries from their record, docs/steps.md.)
CARGO_HOME=$WORK/home-c CAIRN_CACHE=$WORK/cache-c cairn_ok build dev -C "$PROJECT_C" --json --no-skip
assert_eq true "$(jq -r .base_restored "$OUT")" "a later agent restores the new base"
assert_exists "$PROJECT_C/target/release/app" "cargo ran over the new base"
assert_eq "" "$(compiled "$OUT")" "over the new base nothing is compiled: it was complete"
assert_eq "$(jq -r .digest "$WORK/b.json")" "$(jq -r .digest "$OUT")" "the later agent makes the same image"

# Agent A, offline: the bumped checkout without its target directory finds the nearest base in
# its own cache.
rm -rf "$PROJECT_A/target"
agent_a cairn_ok build dev -C "$PROJECT_A" --json --local-only
assert_eq "$base_a" "$(jq -r .base_nearest "$OUT")" "with --local-only, the nearest base comes from the local cache"
assert_eq "leaf,mid" "$(compiled "$OUT")" "from the cached base, only leaf and mid are compiled"
note "bases: $base_a -> $base_b; leaf fingerprints $leaf_a / $leaf_b; layers shared $shared"
