#!/usr/bin/env bash
# The npm step is skipped when its inputs are unchanged (docs/steps.md): after a Rust-only
# change, a touch, or on a fresh agent whose record comes from the registry; it runs after a
# UI edit (even one that keeps size and mtime), an edited or deleted output, a changed
# variable, or --no-skip. An `npm` first on PATH logs every call, so "npm did not run" is seen
# from outside cairn; skopeo checks the record pushed to the registry.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
SAMPLE=${CAIRN_SOURCE_DIR:-$(dirname "$0")/../..}/testdata/sample
[[ -f $SAMPLE/cairn.toml ]] || skip "testdata/sample is missing"
for tool in cargo rustc npm node jq skopeo; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/toolchain.sh installs the build tools)"
done
CAIRN_TIMEOUT=600
export CAIRN_CACHE=$WORK/cache
unset SOURCE_DATE_EPOCH LOCAL_ONLY REBUILD_BASE NODE_ENV NEXT_PUBLIC_CAIRN_TEST

registry_start steps open
make_busybox_base "$WORK/base" busybox

# Every npm call, logged, then the real npm.
real_npm=$(command -v npm)
mkdir -p "$WORK/shim"
cat >"$WORK/shim/npm" <<EOF
#!/bin/sh
echo "\$*" >>"$WORK/npm.calls"
exec "$real_npm" "\$@"
EOF
chmod +x "$WORK/shim/npm"
export PATH=$WORK/shim:$PATH
: >"$WORK/npm.calls"
runs_of_script() { grep -c '^run build' "$WORK/npm.calls" || true; }

copy_sample() {  # DIR
    mkdir -p "$1"
    (cd "$SAMPLE" && tar --exclude=./target --exclude=./ui/node_modules --exclude=./ui/out \
        --exclude=./cairn-out -cf - .) | tar -xf - -C "$1"
    sed -i -e "s|^registry = \"127.0.0.1:5000\"|registry = \"$REGISTRY_HOST\"|" \
        -e 's|^tag = "dev-{git_short}"|tag = "dev"|' -e '/^deploy = /d' \
        -e "s|^base = \"oci:../base:busybox\"|base = \"oci:$WORK/base:busybox\"|" "$1/cairn.toml"
}
PROJECT=$WORK/a/sample
copy_sample "$PROJECT"

# build WHAT [ARGS…]: one build; its --json in $WORK/r.json, the npm step's decision in $step.
build() {
    local what=$1
    shift
    local before
    before=$(runs_of_script)
    cairn_ok build dev -C "$PROJECT" --json "$@"
    cp "$OUT" "$WORK/r.json"
    step=$(jq -r '.steps[0] | "\(.skipped) \(.reason)"' "$WORK/r.json")
    ran=$(($(runs_of_script) - before))
    ui=$(jq -r '.layers[] | select(.kind == "ui") | .digest' "$WORK/r.json")
    note "$what: step '$step', npm run build ran $ran time(s), ui $ui"
}
expect_ran() {  # WHAT REASON-ERE
    [[ $step == "false "* ]] || fail "$1: the step should run, cairn says '$step'"
    assert_match "$step" "$2" "$1: why the step ran"
    assert_eq 1 "$ran" "$1: npm run build ran"
}
expect_skipped() {  # WHAT REASON-ERE
    [[ $step == "true "* ]] || fail "$1: the step should be skipped, cairn says '$step'"
    assert_match "$step" "$2" "$1: why the step was skipped"
    assert_eq 0 "$ran" "$1: npm run build ran"
}

build "first build"
expect_ran "first build" "no earlier run"
ui1=$ui
key1=$(jq -r '.steps[0].key' "$WORK/r.json")
assert_match "$key1" '^npm-[0-9a-f]{24}$' "the step key"
assert_contains "$(cat "$ERR")" "step npm run build: runs, no earlier run with these inputs ($key1)" "the progress says why the step runs"
# The record in the registry: a one-layer image whose layer is the UI layer.
record=$(skopeo inspect --tls-verify=false --raw "docker://$REGISTRY_HOST/sample-base:$key1") ||
    fail "no step record sample-base:$key1 in the registry"
assert_eq "$ui1" "$(jq -r '.layers | map(.digest) | join(" ")' <<<"$record")" "the record's layer is the UI layer"

# A Rust-only change: npm does not run (npm ci neither), the UI layer is the same.
calls_before=$(wc -l <"$WORK/npm.calls")
sed -i 's|fn main() {|fn main() {\n    let _rust_only_change = 1;|' "$PROJECT/src/main.rs"
build "rust-only change"
expect_skipped "rust-only change" "inputs and output unchanged"
assert_eq "$ui1" "$ui" "the UI layer after a Rust-only change"
assert_eq 0 "$(tail -n +"$((calls_before + 1))" "$WORK/npm.calls" | grep -cE '^(ci|install|run)' || true)" \
    "npm ci and npm run after a Rust-only change"
assert_contains "$(cat "$ERR")" "step npm run build: skipped, inputs and output unchanged ($key1)" "the progress says why the step was skipped"

# A touched UI file holds the same bytes: skipped.
touch "$PROJECT/ui/src/index.html"
build "touched UI file"
expect_skipped "touched UI file" "unchanged"

# An edit of the same size with the old mtime restored is still an edit (its ctime moved).
file=$PROJECT/ui/src/style.css
size_before=$(stat -c %s "$file")
touch -r "$file" "$WORK/stamp"
sed -i '0,/[0-9]/s/[0-9]/X/' "$file"
touch -r "$WORK/stamp" "$file"
assert_eq "$size_before" "$(stat -c %s "$file")" "the racy edit keeps the size"
build "same-size edit, same mtime"
expect_ran "same-size edit, same mtime" "no earlier run"
assert_ne "$ui1" "$ui" "the UI layer after a UI edit"
cp "$SAMPLE/ui/src/style.css" "$file"

# Back to the first UI: its record matches again only once the output is rebuilt to match, so
# this run is for the edited output left by the last run.
build "UI edit undone"
expect_ran "UI edit undone" "npm.output is not what the last run with these inputs made"
assert_eq "$ui1" "$ui" "the UI layer with the first UI again"

# An edited output is made again.
echo "<!-- edited -->" >>"$PROJECT/ui/out/index.html"
build "edited output"
expect_ran "edited output" "npm.output is not what"
assert_eq "$ui1" "$ui" "the UI layer after the output was made again"

# A deleted output is made again.
rm -rf "$PROJECT/ui/out"
build "deleted output"
expect_ran "deleted output" "npm.output is missing"
assert_exists "$PROJECT/ui/out/index.html" "the output made again"

# A variable bundlers embed is an input.
NEXT_PUBLIC_CAIRN_TEST=1 build "a NEXT_PUBLIC_ variable set"
expect_ran "a NEXT_PUBLIC_ variable set" "no earlier run"
NEXT_PUBLIC_CAIRN_TEST=1 build "the same variable again"
expect_skipped "the same variable again" "unchanged"
build "the variable unset"
expect_skipped "the variable unset" "unchanged"

# --no-skip runs it whatever the records say.
build "--no-skip" --no-skip
expect_ran "--no-skip" "--no-skip"
digest_a=$(jq -r .digest "$WORK/r.json")

# A fresh agent: another path, an empty cache, no ui/out and no node_modules. The UI layer and
# the binary layer come from the registry; npm is not called for ci or run; the image is the
# same. With both steps skipped, no part of the base is needed: none is pulled or restored.
AGENT=$WORK/agent-b/checkout/sample
copy_sample "$AGENT"
cp "$PROJECT/src/main.rs" "$AGENT/src/main.rs"
calls_before=$(wc -l <"$WORK/npm.calls")
PROJECT=$AGENT CAIRN_CACHE=$WORK/cache-b build "fresh agent"
expect_skipped "fresh agent" "inputs unchanged since an earlier run"
assert_eq 0 "$(tail -n +"$((calls_before + 1))" "$WORK/npm.calls" | grep -cE '^(ci|install|run)' || true)" \
    "npm ci and npm run on the fresh agent"
assert_eq "true inputs unchanged since an earlier run: its layer is used" \
    "$(jq -r '.steps[] | select(.name == "cargo build") | "\(.skipped) \(.reason)"' "$WORK/r.json")" \
    "the fresh agent skips cargo too"
assert_eq false "$(jq -r .base_restored "$WORK/r.json")" "the fresh agent restores no base for skipped steps"
assert_absent "$AGENT/target/release/deps" "no cargo output restored for a skipped cargo"
assert_absent "$AGENT/ui/node_modules" "no node_modules restored for a skipped npm"
assert_contains "$(cat "$ERR")" "not restored: node_modules, as npm run build is skipped" \
    "the progress says why node_modules is not restored"
assert_eq "$ui1" "$ui" "the fresh agent's UI layer"
assert_eq "$digest_a" "$(jq -r .digest "$WORK/r.json")" "the fresh agent's image digest"
assert_eq "$digest_a" "$(skopeo_digest "$REGISTRY_HOST/sample:dev")" "skopeo's digest of the fresh agent's push"
assert_absent "$AGENT/ui/out" "a skipped step writes no output into the checkout"

# A Rust edit there: cargo runs on the base's cargo part, restored from the registry, and
# compiles no dependency; node_modules stays unrestored, npm skipped.
sed -i 's|fn main() {|fn main() {\n    let _fresh_agent_edit = 2;|' "$AGENT/src/main.rs"
PROJECT=$AGENT CAIRN_CACHE=$WORK/cache-b build "fresh agent, Rust edit"
expect_skipped "fresh agent, Rust edit" "inputs unchanged since an earlier run"
assert_eq true "$(jq -r .base_restored "$WORK/r.json")" "the edit restores the base's cargo part"
assert_eq 0 "$(jq '.dependencies_compiled | length' "$WORK/r.json")" "dependencies compiled over the restored part"
assert_exists "$AGENT/target/release/sample-server" "cargo built the binary"
assert_absent "$AGENT/ui/node_modules" "node_modules not restored while npm is skipped"
# A UI edit there: npm runs, on node_modules restored from the cache (no npm ci); cargo's warm
# target is left as it was, so cargo compiles nothing.
bin_stamp=$(stat -c %Y.%y "$AGENT/target/release/sample-server")
echo "/* fresh agent */" >>"$AGENT/ui/src/style.css"
calls_before=$(wc -l <"$WORK/npm.calls")
PROJECT=$AGENT CAIRN_CACHE=$WORK/cache-b build "fresh agent, UI edit"
expect_ran "fresh agent, UI edit" "no earlier run"
assert_exists "$AGENT/ui/node_modules/.cairn-package-lock" "node_modules restored for npm"
assert_eq 0 "$(tail -n +"$((calls_before + 1))" "$WORK/npm.calls" | grep -cE '^(ci|install)' || true)" \
    "npm ci on restored node_modules"
assert_eq "$bin_stamp" "$(stat -c %Y.%y "$AGENT/target/release/sample-server")" \
    "the binary cargo built before the UI edit (not relinked)"

# Two builds at once, of two checkouts sharing one cache, keep its records and stat index whole:
# both finish, and a build after them still skips the step from what they left.
"$CAIRN" build dev -C "$AGENT" --json --no-skip >"$WORK/c1.json" 2>"$WORK/c1.err" &
pid1=$!
on_exit "kill $pid1 2>/dev/null || true"
"$CAIRN" build dev -C "$PROJECT" --json >"$WORK/c2.json" 2>"$WORK/c2.err" || {
    cat "$WORK/c2.err" >&2
    fail "the second of two concurrent builds failed"
}
wait "$pid1" || {
    cat "$WORK/c1.err" >&2
    fail "the first of two concurrent builds failed"
}
build "after the concurrent builds"
expect_skipped "after the concurrent builds" "unchanged"
for f in "$CAIRN_CACHE"/steps/npm-*; do
    assert_match "$(cat "$f")" '^sha256:[0-9a-f]{64} sha256:[0-9a-f]{64} [0-9]+ gzip$' "step record $f"
done

# A Cargo.lock change on a fresh agent whose UI is unchanged: the new base starts from agent
# A's (the nearest) and keeps its npm layers as they are, unread; node_modules is not restored.
# skopeo reads both bases from the registry: the npm layers are the same blobs, and the new
# base's node_modules is whole (a UI edit then runs npm on it, with no npm ci).
base_a=$(jq -r .base_key "$WORK/r.json")
BUMPED=$WORK/agent-c/sample
copy_sample "$BUMPED"
sed -i 's|^\[dependencies\]$|[dependencies]\nlibc = "0.2"|' "$BUMPED/Cargo.toml"
(cd "$BUMPED" && CARGO_HOME=$WORK/cargo-c cargo generate-lockfile --offline -q) ||
    fail "cargo could not add libc to the sample's Cargo.lock"
grep -q '^name = "libc"' "$BUMPED/Cargo.lock" || fail "libc is not in the changed Cargo.lock"
calls_before=$(wc -l <"$WORK/npm.calls")
PROJECT=$BUMPED CAIRN_CACHE=$WORK/cache-c CARGO_HOME=$WORK/cargo-c build "Cargo.lock changed, fresh agent"
expect_skipped "Cargo.lock changed, fresh agent" "inputs unchanged since an earlier run"
assert_eq 0 "$(tail -n +"$((calls_before + 1))" "$WORK/npm.calls" | grep -cE '^(ci|install|run)' || true)" \
    "npm ci and npm run on the fresh agent after a Cargo.lock change"
base_c=$(jq -r .base_key "$WORK/r.json")
assert_ne "$base_a" "$base_c" "the base key after a Cargo.lock change"
assert_eq "$base_a" "$(jq -r .base_nearest "$WORK/r.json")" "the nearest earlier base"
assert_match "$(jq -r '.dependencies_compiled | join(", ")' "$WORK/r.json")" '^libc v[0-9.]+$' \
    "the dependencies compiled after libc was added"
assert_contains "$(cat "$ERR")" "node_modules not restored, as npm run build is skipped: the new base keeps its" \
    "the progress says node_modules is kept unrestored"
assert_absent "$BUMPED/ui/node_modules" "node_modules is not restored for the new base"
npm_layers() {  # BASE-KEY: the digests of the base's npm layers, by its history
    local ref=docker://$REGISTRY_HOST/sample-base:$1
    paste <(skopeo inspect --tls-verify=false --config "$ref" | jq -r '.history[] | select(.empty_layer != true) | .created_by') \
        <(skopeo inspect --tls-verify=false --raw "$ref" | jq -r '.layers[].digest') |
        awk -F'\t' '$1 ~ /cairn base (npm:|shared-npm-)/ { print $2 }'
}
npm_a=$(npm_layers "$base_a")
[[ -n $npm_a ]] || fail "agent A's base has no npm layer"
assert_eq "$npm_a" "$(npm_layers "$base_c")" "the new base's npm layers"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY_HOST/sample-base:$base_c" \
    "oci:$WORK/base-c:new" || fail "skopeo could not copy the new base"
assert_image_consistent "$WORK/base-c" new
echo "/* agent c */" >>"$BUMPED/ui/src/style.css"
calls_before=$(wc -l <"$WORK/npm.calls")
PROJECT=$BUMPED CAIRN_CACHE=$WORK/cache-c CARGO_HOME=$WORK/cargo-c build "Cargo.lock changed, then a UI edit"
expect_ran "Cargo.lock changed, then a UI edit" "no earlier run"
assert_exists "$BUMPED/ui/node_modules/.cairn-package-lock" "node_modules restored from the new base"
assert_eq 0 "$(tail -n +"$((calls_before + 1))" "$WORK/npm.calls" | grep -cE '^(ci|install)' || true)" \
    "npm ci on node_modules from the new base"
