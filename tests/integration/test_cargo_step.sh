#!/usr/bin/env bash
# `cargo build` is skipped on a fresh checkout whose inputs an earlier run had: agent A builds
# and pushes; a fresh agent (another path, another CARGO_HOME, an empty cache) of the same
# commit finds the binary layer's record in the registry, does not run cargo and pushes the same
# image. The record holds the variables the crates read (here option_env!("APP_GREETING")):
# another value runs cargo. An edit, --no-skip, and a binary deleted after a run run it too.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
for tool in cargo rustc git jq skopeo; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/toolchain.sh installs the build tools)"
done
CAIRN_TIMEOUT=600
unset SOURCE_DATE_EPOCH LOCAL_ONLY REBUILD_BASE RUSTFLAGS CARGO_ENCODED_RUSTFLAGS APP_GREETING
registry_start builds open
make_busybox_base "$WORK/base" busybox

# A project with one vendored dependency (so that it has a base) and a binary that embeds a
# variable it reads at compile time.
PROJECT_A=$WORK/agent-a/app
mkdir -p "$PROJECT_A/src" "$PROJECT_A/.cargo" "$PROJECT_A/vendor/solo-1.0.0/src"
printf '[package]\nname = "solo"\nversion = "1.0.0"\nedition = "2021"\n' \
    >"$PROJECT_A/vendor/solo-1.0.0/Cargo.toml"
printf 'pub fn solo() -> u32 { 7 }\n' >"$PROJECT_A/vendor/solo-1.0.0/src/lib.rs"
printf '{"files":{},"package":"%s"}' "$(printf 'solo 1.0.0' | sha256sum | cut -d' ' -f1)" \
    >"$PROJECT_A/vendor/solo-1.0.0/.cargo-checksum.json"
cat >"$PROJECT_A/Cargo.toml" <<'EOF'
[package]
name = "app"
version = "0.1.0"
edition = "2021"

[dependencies]
solo = "1"
EOF
cat >"$PROJECT_A/src/main.rs" <<'EOF'
fn main() {
    println!("{} {}", option_env!("APP_GREETING").unwrap_or("hello"), solo::solo());
}
EOF
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
name = "stepped"
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
git -C "$PROJECT_A" init -q
git -C "$PROJECT_A" add -A && git -C "$PROJECT_A" -c user.name=t -c user.email=t@example.invalid commit -qm app

# The cargo step's report in the last --json: "SKIPPED REASON".
cargo_step() { jq -r '.steps[] | select(.name == "cargo build") | "\(.skipped) \(.reason)"' "$OUT"; }
cargo_key() { jq -r '.steps[] | select(.name == "cargo build") | .key' "$OUT"; }
clone() {  # DIR
    mkdir -p "$(dirname "$1")"
    git clone -q "$PROJECT_A" "$1"
}

CARGO_HOME=$WORK/home-a CAIRN_CACHE=$WORK/cache-a cairn_ok build dev -C "$PROJECT_A" --json
assert_eq "false it builds the base" "$(cargo_step)" "agent A's first build runs cargo"
digest_a=$(jq -r .digest "$OUT")
key_a=$(cargo_key)
assert_match "$key_a" '^bin-[0-9a-f]{24}$' "the step's key"
# The record, as skopeo sees it: one layer, the binary layer of agent A's image, and the
# variable the crate read (unset at agent A).
skopeo inspect --tls-verify=false --config "docker://$REGISTRY_HOST/stepped-base:$key_a" >"$WORK/record.json" ||
    fail "no step record stepped-base:$key_a in the registry"
assert_eq "cargo build" "$(jq -r '.config.Labels["dev.cairn.step"]' "$WORK/record.json")" "the record names its step"
assert_eq "APP_GREETING unset" "$(jq -r '.config.Labels["dev.cairn.step.variables"]' "$WORK/record.json")" \
    "the record holds the variable the crate reads, from its dep-info"
record_layer=$(skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/stepped-base:$key_a" | jq -r '.Layers[0]')
image_layers=$(skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/stepped:$(jq -r .tag "$OUT")" | jq -r '.Layers[]')
assert_contains "$image_layers" "$record_layer" "the record's layer is one of the image's"

# A fresh agent of the same commit: no cargo run (no binary in its target directory), the same
# image.
PROJECT_B=$WORK/agent-b/elsewhere/app
clone "$PROJECT_B"
CARGO_HOME=$WORK/home-b CAIRN_CACHE=$WORK/cache-b cairn_ok build dev -C "$PROJECT_B" --json
assert_eq "true inputs unchanged since an earlier run: its layer is used" "$(cargo_step)" \
    "the fresh agent skips cargo"
assert_eq "$key_a" "$(cargo_key)" "the key does not depend on the path, the cache or CARGO_HOME"
assert_absent "$PROJECT_B/target/release/app" "cargo did not run on the fresh agent"
assert_eq false "$(jq -r .base_restored "$OUT")" "a skipped cargo needs no base restored"
assert_absent "$PROJECT_B/target/release/deps" "nothing of the base written for a skipped cargo"
assert_eq "$digest_a" "$(jq -r .digest "$OUT")" "the fresh agent pushes agent A's image"
assert_contains "$(cat "$ERR")" "step cargo build: skipped" "the progress says the step was skipped"
# Again there: the record is in its cache now.
CARGO_HOME=$WORK/home-b CAIRN_CACHE=$WORK/cache-b cairn_ok build dev -C "$PROJECT_B" --json --local-only
assert_eq true "$(jq -r '.steps[] | select(.name == "cargo build") | .skipped' "$OUT")" "the local record skips it offline"
assert_eq "$digest_a" "$(jq -r .digest "$OUT")" "the same image from the local record"

# Another value of the variable the crate reads runs cargo, and the binary says so.
PROJECT_C=$WORK/agent-c/app
clone "$PROJECT_C"
APP_GREETING=hi CARGO_HOME=$WORK/home-c CAIRN_CACHE=$WORK/cache-c cairn_ok build dev -C "$PROJECT_C" --json
assert_eq "false \$APP_GREETING is not what it was at the earlier run, which read it" "$(cargo_step)" \
    "a changed variable the crate read runs cargo"
assert_eq "hi 7" "$("$PROJECT_C/target/release/app")" "the binary is built with the variable's value"
assert_ne "$digest_a" "$(jq -r .digest "$OUT")" "and the image differs"

# An edit runs it (another key, no record).
echo '// an edit' >>"$PROJECT_B/src/main.rs"
CARGO_HOME=$WORK/home-b CAIRN_CACHE=$WORK/cache-b cairn_ok build dev -C "$PROJECT_B" --json
assert_eq "false no earlier run with these inputs" "$(cargo_step)" "an edited source runs cargo"
assert_ne "$key_a" "$(cargo_key)" "the edit changes the key"
assert_exists "$PROJECT_B/target/release/app" "cargo built the binary"

# --no-skip on a fresh clone runs it, and the build is reproducible.
PROJECT_D=$WORK/agent-d/app
clone "$PROJECT_D"
CARGO_HOME=$WORK/home-d CAIRN_CACHE=$WORK/cache-d cairn_ok build dev -C "$PROJECT_D" --json --no-skip
assert_eq "false --no-skip" "$(cargo_step)" "--no-skip runs cargo"
assert_eq "$digest_a" "$(jq -r .digest "$OUT")" "cargo run on another agent gives agent A's image"

# Where the binary is, cargo runs (its fingerprints decide); deleted after this checkout's run,
# it is made again, not taken from the record.
CARGO_HOME=$WORK/home-a CAIRN_CACHE=$WORK/cache-a cairn_ok build dev -C "$PROJECT_A" --json
assert_eq "false its binaries are here: cargo's fingerprints decide" "$(cargo_step)" "a warm checkout runs cargo"
rm "$PROJECT_A/target/release/app"
CARGO_HOME=$WORK/home-a CAIRN_CACHE=$WORK/cache-a cairn_ok build dev -C "$PROJECT_A" --json
assert_eq "false its binaries are missing" "$(cargo_step)" "a binary deleted after this checkout's run is built again"
assert_exists "$PROJECT_A/target/release/app" "cargo made the binary again"
assert_eq "$digest_a" "$(jq -r .digest "$OUT")" "the same image"
note "cargo step key $key_a; image $digest_a"
