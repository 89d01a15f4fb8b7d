#!/usr/bin/env bash
# The base works at any checkout path with any CARGO_HOME. A project whose dependencies are
# vendored in the checkout (a directory source, one crate with a build script) and one that is a
# git dependency with a build script (checked out under CARGO_HOME) is built at one path and its
# base pushed; a fresh agent (another, deeper checkout path, another CARGO_HOME, an empty cache)
# restores the base, compiles none of the dependencies and makes the same image. No checkout, CARGO_HOME or temp
# path is left in the image's files, and the user's checkout and CARGO_HOME are left as they were.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
SAMPLE=${CAIRN_SOURCE_DIR:-$(dirname "$0")/../..}/testdata/sample
[[ -f $SAMPLE/cairn.toml ]] || skip "testdata/sample is missing"
for tool in cargo rustc git jq skopeo tar; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/toolchain.sh installs the build tools)"
done
DEBIAN=/usr/share/cargo/registry
for crate in fnv-1.0.7 itoa-1.0.1 percent-encoding-2.2.0 libc-0.2.139; do
    [[ -d $DEBIAN/$crate ]] || skip "$DEBIAN/$crate is missing (scripts/toolchain.sh installs Debian's crates)"
done
CAIRN_TIMEOUT=600
unset SOURCE_DATE_EPOCH LOCAL_ONLY REBUILD_BASE RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
registry_start builds open
make_busybox_base "$WORK/base" busybox

# A git dependency, as a file:// repository (the same URL on every agent, as a real one is).
GIT_CRATE=$WORK/git/greeting
mkdir -p "$GIT_CRATE/src"
cat >"$GIT_CRATE/Cargo.toml" <<'EOF'
[package]
name = "greeting"
version = "0.1.0"
edition = "2021"

[dependencies]
EOF
printf 'pub fn greeting() -> &%sstatic str { "hello from git" }\n' "'" >"$GIT_CRATE/src/lib.rs"
# With a build script that watches its files: on a fresh agent cargo checks the crate out anew,
# and it must still not run again over a restored base.
printf 'fn main() {\n    println!("cargo:rerun-if-changed=build.rs");\n    println!("cargo:rerun-if-changed=src/lib.rs");\n}\n' >"$GIT_CRATE/build.rs"
git -C "$GIT_CRATE" init -q && git -C "$GIT_CRATE" add -A &&
    git -C "$GIT_CRATE" -c user.name=t -c user.email=t@example.invalid commit -qm greeting

# The sample, without its UI (this test is about cargo), its crates vendored in the checkout,
# libc (which has a build script) added, and the git dependency.
PROJECT_A=$WORK/agent-a/sample
mkdir -p "$PROJECT_A/vendor"
(cd "$SAMPLE" && tar --exclude=./target --exclude=./ui --exclude=./cairn-out -cf - .) |
    tar -xf - -C "$PROJECT_A"
for crate in fnv-1.0.7 itoa-1.0.1 percent-encoding-2.2.0 libc-0.2.139; do
    cp -r "$DEBIAN/$crate" "$PROJECT_A/vendor/"
done
cat >"$PROJECT_A/.cargo/config.toml" <<'EOF'
[source.crates-io]
replace-with = "vendored"

[source.vendored]
directory = "vendor"

# The user's own rustflags, as a string: cairn's remapping is joined to them (a `--config
# build.rustflags=[…]` array would make cargo fail to merge the two).
[build]
rustflags = "-C debuginfo=1"
EOF
sed -i -e '/^\[npm\]/,/^$/d' -e "s|^base = .*|base = \"oci:$WORK/base:busybox\"|" -e 's|^registry = "127.0.0.1:5000"|registry = "'"$REGISTRY_HOST"'"|' \
    -e '/^deploy = /d' "$PROJECT_A/cairn.toml"
sed -i -e 's|^itoa = .*|&\nlibc = "0.2"\ngreeting = { git = "file://'"$GIT_CRATE"'" }|' "$PROJECT_A/Cargo.toml"
# The git crate and libc are really linked in: the server logs the greeting and its pid at start.
sed -i '0,/^fn main() {/s||fn main() {\n    eprintln!("{} (pid {})", greeting::greeting(), unsafe { libc::getpid() });|' \
    "$PROJECT_A/src/main.rs"
grep -q 'greeting::greeting()' "$PROJECT_A/src/main.rs" || fail "could not add the greeting to main.rs"
(cd "$PROJECT_A" && CARGO_HOME=$WORK/home-lock cargo generate-lockfile -q) ||
    fail "cargo generate-lockfile failed in $PROJECT_A"
grep -q 'name = "greeting"' "$PROJECT_A/Cargo.lock" || fail "the git dependency is not in Cargo.lock"
git -C "$PROJECT_A" init -q && git -C "$PROJECT_A" add -A &&
    git -C "$PROJECT_A" -c user.name=t -c user.email=t@example.invalid commit -qm sample

# The fresh agent's checkout: a clone at another, deeper path (new mtimes, as CI's clones have).
PROJECT_B=$WORK/agent-b/builds/much/deeper/sample
mkdir -p "$(dirname "$PROJECT_B")"
git clone -q "$PROJECT_A" "$PROJECT_B"

agent_a() { CARGO_HOME=$WORK/home-a CAIRN_CACHE=$WORK/cache-a "$@"; }
agent_b() { CARGO_HOME=$WORK/home-b CAIRN_CACHE=$WORK/cache-b "$@"; }

checkout_listing() { (cd "$1" && find . -mindepth 1 -path ./target -prune -o -path ./.git -prune -o -printf '%p %y %s %T@\n' | sort); }
checkout_listing "$PROJECT_A" >"$WORK/listing-before"

agent_a cairn_ok build dev -C "$PROJECT_A" --json --no-deploy
cp "$OUT" "$WORK/a.json"
assert_eq true "$(jq -r .base_built "$WORK/a.json")" "agent A builds the base"
compiled_a=$(jq -r '.dependencies_compiled | join(",")' "$WORK/a.json")
for crate in fnv itoa percent-encoding libc greeting; do
    assert_contains "$compiled_a" "$crate v" "agent A compiles $crate into the base"
done
checkout_listing "$PROJECT_A" >"$WORK/listing-after"
diff "$WORK/listing-before" "$WORK/listing-after" >"$WORK/listing-diff" ||
    fail "the build changed the checkout (but for target/): $(head -5 "$WORK/listing-diff" | tr '\n' ' ')"
[[ -d $WORK/home-a/git/checkouts ]] || fail "the git dependency was not checked out under agent A's CARGO_HOME"

# --no-skip: cargo runs on the fresh agent (else it would take agent A's binaries from their
# record, docs/steps.md), so that its fingerprints judge the restored base.
agent_b cairn_ok build dev -C "$PROJECT_B" --json --no-deploy --no-skip
cp "$OUT" "$WORK/b.json"
# The fresh agent's build (B_JSON) took the first agent's base (A_JSON) whole.
assert_base_reused() {  # A_JSON B_JSON WHAT
    assert_eq "false --no-skip" "$(jq -r '.steps[] | select(.name == "cargo build") | "\(.skipped) \(.reason)"' "$2")" \
        "$3: cargo runs on the fresh agent"
    assert_eq true "$(jq -r .base_restored "$2")" "$3: the fresh agent restores the base from the registry"
    assert_eq false "$(jq -r .base_built "$2")" "$3: the fresh agent does not build a base"
    assert_eq "" "$(jq -r '.dependencies_compiled | join(",")' "$2")" "$3: the fresh agent compiles no dependency"
    assert_eq "$(jq -r .base_key "$1")" "$(jq -r .base_key "$2")" "$3: one base key on both agents"
    assert_eq "$(jq -r .digest "$1")" "$(jq -r .digest "$2")" "$3: both agents make the same image"
}
assert_base_reused "$WORK/a.json" "$WORK/b.json" "vendored and git sources"

# No machine path in the image's files: the checkouts, the CARGO_HOMEs, the temp directory and
# the build view are all absent from every layer's contents.
tag=$(jq -r .tag "$WORK/b.json")
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY_HOST/sample:$tag" "oci:$WORK/pulled:it" ||
    fail "skopeo could not copy the image"
mkdir -p "$WORK/files"
for blob in $(jq -r '.layers[].digest' "$WORK/pulled/blobs/sha256/$(jq -r '.manifests[0].digest' "$WORK/pulled/index.json" | cut -d: -f2)" | cut -d: -f2); do
    decompress "$WORK/pulled/blobs/sha256/$blob" | tar -xf - -C "$WORK/files"
done
assert_exists "$WORK/files/app/sample-server" "the server binary is in the image"
grep -qaF "hello from git" "$WORK/files/app/sample-server" || fail "the git dependency is not linked into the server"
for machine_path in "$WORK" "$PROJECT_A" "$PROJECT_B" "$WORK/home-a" "$WORK/home-b" /tmp/cairn-view "${TMPDIR:-/tmp}/cairn-"; do
    if grep -rlaF -- "$machine_path" "$WORK/files" >/dev/null; then
        fail "the image's files hold the machine path $machine_path: $(grep -rlaF -- "$machine_path" "$WORK/files" | head -3 | tr '\n' ' ')"
    fi
done
note "agent A compiled: $compiled_a"

# A local-registry source: cargo unpacks its crates under CARGO_HOME/registry/src, which differs
# between the agents. The registry is made here from Debian's crates (an index line and a
# .crate per crate), at one path, as a mirror would be.
LOCAL_REGISTRY=$WORK/local-registry
mkdir -p "$LOCAL_REGISTRY/index"
for crate in fnv-1.0.7 itoa-1.0.1 percent-encoding-2.2.0; do
    name=${crate%-*} version=${crate##*-}
    tar -C "$DEBIAN" --exclude=.cargo-checksum.json -czf "$LOCAL_REGISTRY/$crate.crate" "$crate"
    case ${#name} in
        1 | 2) index=${#name} ;;
        3) index=3/${name:0:1} ;;
        *) index=${name:0:2}/${name:2:2} ;;
    esac
    mkdir -p "$LOCAL_REGISTRY/index/$index"
    # The index line names the crate's features (its defaults enable what the sample uses).
    "$PYTHON" -c 'import json, sys, tomllib
manifest = tomllib.load(open(sys.argv[1], "rb"))
print(json.dumps({"name": sys.argv[2], "vers": sys.argv[3], "deps": [], "cksum": sys.argv[4],
                  "features": manifest.get("features", {}), "yanked": False}))' \
        "$DEBIAN/$crate/Cargo.toml" "$name" "$version" \
        "$(sha256sum "$LOCAL_REGISTRY/$crate.crate" | cut -d' ' -f1)" >"$LOCAL_REGISTRY/index/$index/$name" ||
        fail "could not write the local registry's index line for $crate"
done
PROJECT_C=$WORK/agent-c/sample
mkdir -p "$PROJECT_C"
(cd "$SAMPLE" && tar --exclude=./target --exclude=./ui --exclude=./cairn-out -cf - .) |
    tar -xf - -C "$PROJECT_C"
cp "$PROJECT_A/cairn.toml" "$PROJECT_C/cairn.toml"
printf '[source.crates-io]\nreplace-with = "mirror"\n\n[source.mirror]\nlocal-registry = "%s"\n' \
    "$LOCAL_REGISTRY" >"$PROJECT_C/.cargo/config.toml"
rm "$PROJECT_C/Cargo.lock"  # its checksums are the directory source's
(cd "$PROJECT_C" && CARGO_HOME=$WORK/home-lock cargo generate-lockfile -q) ||
    fail "cargo generate-lockfile failed in $PROJECT_C"
git -C "$PROJECT_C" init -q && git -C "$PROJECT_C" add -A &&
    git -C "$PROJECT_C" -c user.name=t -c user.email=t@example.invalid commit -qm sample
PROJECT_D=$WORK/agent-d/other/place/sample
mkdir -p "$(dirname "$PROJECT_D")"
git clone -q "$PROJECT_C" "$PROJECT_D"
CARGO_HOME=$WORK/home-c CAIRN_CACHE=$WORK/cache-c cairn_ok build dev -C "$PROJECT_C" --json --no-deploy
cp "$OUT" "$WORK/c.json"
assert_contains "$(jq -r '.dependencies_compiled | join(",")' "$WORK/c.json")" "itoa v1.0.1" "agent C compiles itoa into the base"
compgen -G "$WORK/home-c/registry/src/*/itoa-1.0.1" >/dev/null ||
    fail "cargo did not unpack the local registry's crates under agent C's CARGO_HOME"
CARGO_HOME=$WORK/home-d CAIRN_CACHE=$WORK/cache-d cairn_ok build dev -C "$PROJECT_D" --json --no-deploy --no-skip
cp "$OUT" "$WORK/d.json"
assert_base_reused "$WORK/c.json" "$WORK/d.json" "a local-registry source"
