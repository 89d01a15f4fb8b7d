#!/usr/bin/env bash
# `cairn build dev --local-only` on a copy of testdata/sample: the image is valid for skopeo and
# umoci, holds the binary, the UI and the config file; a change to the Rust source alone moves
# only the binary layer, and one to the UI alone only the UI layer (the base is reused).
source "$(dirname "$0")/lib.sh"
SAMPLE=${CAIRN_SOURCE_DIR:-$(dirname "$0")/../..}/testdata/sample
[[ -f $SAMPLE/cairn.toml ]] || skip "testdata/sample is missing"
for tool in cargo rustc npm node git jq skopeo umoci; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/toolchain.sh installs the build tools)"
done
CAIRN_TIMEOUT=600
export CAIRN_CACHE=$WORK/cache
unset SOURCE_DATE_EPOCH LOCAL_ONLY REBUILD_BASE

# The sample's config names its runtime base as oci:../base:busybox.
make_busybox_base "$WORK/base" busybox
PROJECT=$WORK/sample
mkdir -p "$PROJECT"
(cd "$SAMPLE" && tar --exclude=./target --exclude=./ui/node_modules --exclude=./ui/out \
    --exclude=./cairn-out -cf - .) | tar -xf - -C "$PROJECT"
git -C "$PROJECT" init -q
git -C "$PROJECT" add -A
git -C "$PROJECT" -c user.name=test -c user.email=test@example.invalid commit -qm sample
short=$(git -C "$PROJECT" rev-parse --short HEAD)

layer_of() {  # JSON KIND
    jq -r --arg k "$2" '[.layers[] | select(.kind == $k) | .digest] | join(",")' "$1"
}

cairn_ok build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:v1" --json --metrics "$WORK/m1.json"
cp "$OUT" "$WORK/r1.json"
assert_eq "dev-$short" "$(jq -r .tag "$WORK/r1.json")" "tag from the dev profile's template"
assert_eq true "$(jq -r .base_built "$WORK/m1.json")" "first build makes the base"
assert_match "$(jq -r .base_key "$WORK/m1.json")" '^cargo-[0-9a-f]{12}$' "base key display form"
assert_eq "$(jq -r .digest "$WORK/r1.json")" "$(layout_tag_digest "$WORK/out" v1)" "digest reported is the one written"
assert_layout_blobs_intact "$WORK/out"
assert_image_consistent "$WORK/out" v1
skopeo inspect "oci:$WORK/out:v1" >"$WORK/inspect.json" || fail "skopeo inspect refused the image"
assert_eq '["/app/sample-server"]' "$(jq -c .config.Entrypoint < <(skopeo inspect --config "oci:$WORK/out:v1"))" \
    "entrypoint from cairn.toml"

# The base holds third-party build output only: fnv's, not the sample's own crate.
base_manifest=$(jq -r '.manifests[0].digest' "$CAIRN_CACHE/bases/index.json")
: >"$WORK/base.list"
for base_layer in $(jq -r '.layers[].digest' "$CAIRN_CACHE/bases/blobs/sha256/${base_manifest#sha256:}"); do
    zstd -dc "$CAIRN_CACHE/bases/blobs/sha256/${base_layer#sha256:}" | tar -tf - >>"$WORK/base.list" \
        || fail "the base layer $base_layer is not a zstd tar"
done
# Each of a crate's files is in one layer, and no member is in two.
assert_eq "" "$(grep -v '/$' "$WORK/base.list" | sort | uniq -d)" "members stored twice in the base"
grep -q '^cargo/deps/libfnv-[0-9a-f]*\.rlib$' "$WORK/base.list" || fail "fnv's rlib is not in the base"
grep -q '^npm/node_modules/' "$WORK/base.list" || fail "node_modules is not in the base"
if grep -E '^cargo/(deps/sample_server-|\.fingerprint/sample-|build/sample-)' "$WORK/base.list"; then
    fail "the sample's own build output is in the base"
fi

umoci unpack --rootless --image "$WORK/out:v1" "$WORK/unpacked" >/dev/null || fail "umoci unpack refused the image"
root=$WORK/unpacked/rootfs
[[ -x $root/app/sample-server ]] || fail "/app/sample-server is missing or not executable"
assert_exists "$root/app/ui/index.html" "the UI output is under /app/ui"
assert_exists "$root/etc/sample/config.yaml" "[[files]] entry at its dest"
assert_exists "$root/bin/busybox" "the runtime base's layers are below"
assert_eq "sample 1.0" "$("$root/app/sample-server" --version)" "the binary built from the sample"

# A Rust-only change: only the binary layer moves, the base is neither rebuilt nor needed.
sed -i 's/^const VERSION: &str = "sample 1.0";/const VERSION: \&str = "sample 1.1";/' "$PROJECT/src/main.rs"
grep -q '"sample 1.1"' "$PROJECT/src/main.rs" || fail "could not change the VERSION line"
cairn_ok build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:v2" --json
cp "$OUT" "$WORK/r2.json"
assert_eq false "$(jq -r .base_built "$WORK/r2.json")" "second build reuses the base"
assert_eq "$(layer_of "$WORK/r1.json" ui)" "$(layer_of "$WORK/r2.json" ui)" "UI layer unchanged"
assert_eq "$(layer_of "$WORK/r1.json" files)" "$(layer_of "$WORK/r2.json" files)" "files layer unchanged"
assert_ne "$(layer_of "$WORK/r1.json" bin)" "$(layer_of "$WORK/r2.json" bin)" "binary layer changed"
reused() { jq -r '[.layers[] | "\(.kind)=\(.reused)"] | join(" ")' "$1"; }
assert_eq "ui=true bin=false files=true" "$(reused "$WORK/r2.json")" \
    "the unchanged layers are the cached blobs, not compressed again"
assert_image_consistent "$WORK/out" v2

# A UI-only change: only the UI layer moves; the binary cargo left as it was is the cached blob.
echo '<p>ui change</p>' >>"$PROJECT/ui/src/index.html"
cairn_ok build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:v2ui" --json
cp "$OUT" "$WORK/r2ui.json"
assert_eq false "$(jq -r .base_built "$WORK/r2ui.json")" "a UI-only change reuses the base"
assert_ne "$(layer_of "$WORK/r2.json" ui)" "$(layer_of "$WORK/r2ui.json" ui)" "UI layer changed"
assert_eq "$(layer_of "$WORK/r2.json" bin)" "$(layer_of "$WORK/r2ui.json" bin)" "binary layer unchanged"
assert_eq "$(layer_of "$WORK/r2.json" files)" "$(layer_of "$WORK/r2ui.json" files)" "files layer unchanged"
assert_eq "ui=false bin=true files=true" "$(reused "$WORK/r2ui.json")" "only the UI layer is compressed"
assert_not_contains "$(cat "$ERR")" "Compiling" "a UI-only change compiles no Rust"

# A cold checkout (no target/, no node_modules) restores the base from the cache: cargo then
# compiles only the application crate.
rm -rf "$PROJECT/target" "$PROJECT/ui/node_modules"
cairn_ok build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:v3" --json
assert_eq true "$(jq -r .base_restored "$OUT")" "cold build restores the base"
assert_not_contains "$(cat "$ERR")" "Compiling fnv" "restored dependencies are not compiled again"
assert_contains "$(cat "$ERR")" "Compiling sample" "the application crate, not in the base, is compiled"
assert_eq "$(jq -r .digest "$WORK/r2ui.json")" "$(jq -r .digest "$OUT")" "same sources, same image digest"

# Two builds of one project take turns: while another process holds the target directory
# (flock(1) on the directory, the lock cairn takes), cairn says so and waits; it goes on once
# the holder lets go. This shell holds the lock on fd 5 itself, so nothing outlives the test;
# a fifo carries cairn's stderr, so the test waits on its words, not on time.
exec 5<"$PROJECT/target"
flock 5
mkfifo "$WORK/build-err"
timeout -k 5 "$CAIRN_TIMEOUT" "$CAIRN" build dev --local-only -C "$PROJECT" \
    --output "oci:$WORK/out:v4" --json >"$WORK/r4.json" 2>"$WORK/build-err" 5<&- &
builder=$!
on_exit "kill $builder"
exec 3<"$WORK/build-err"
waited=false
while IFS= read -r line <&3; do
    if [[ $line == *"waiting for another cairn build using $(realpath "$PROJECT/target")"* ]]; then
        waited=true
        break
    fi
done
[[ -s $WORK/r4.json ]] && fail "cairn built while another process held the target directory"
exec 5<&-  # lets go of the lock
assert_eq true "$waited" "cairn says it waits for the holder of the target directory"
cat <&3 >"$WORK/build-rest.log"
status=0
wait "$builder" || status=$?
exec 3<&-
assert_eq 0 "$status" "the waiting build finishes once the directory is free"
assert_eq "$(jq -r .digest "$WORK/r2ui.json")" "$(jq -r .digest "$WORK/r4.json")" "and builds the same image"

# A compile error: the one error line names cargo's first error and where it is, and the
# whole output is in the log file it names; the error report is said again above it.
printf '\nfn broken() -> u32 { undefined_name }\n' >>"$PROJECT/src/main.rs"
expect_error 1 '`cargo build --profile release --bin sample-server` in .* failed with exit status 101: error\[E0425\]: cannot find value `undefined_name` in this scope at src/main.rs:[0-9]+:[0-9]+; full log: ' \
    build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:broken"
log=$(tail -n 1 "$ERR" | sed 's/.*full log: //')
assert_exists "$log" "the log file the error names"
grep -q 'error\[E0425\]' "$log" || fail "the log lacks cargo's error"
grep -q 'Compiling sample' "$log" || fail "the log lacks cargo's other output"
assert_contains "$(cat "$ERR")" "the first error, again:" "the error report is repeated above the error line"
