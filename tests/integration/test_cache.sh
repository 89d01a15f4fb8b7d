#!/usr/bin/env bash
# `cairn cache path | ls | gc`: the cache holds the bases and layers builds make; gc removes
# what was not used within --keep-days and keeps what a build just used; it waits for running
# builds, so even --keep-days 0 is safe beside one.
source "$(dirname "$0")/lib.sh"
SAMPLE=${CAIRN_SOURCE_DIR:-$(dirname "$0")/../..}/testdata/sample
[[ -f $SAMPLE/ui/package.json ]] || skip "testdata/sample is missing"
for tool in npm node jq; do command -v "$tool" >/dev/null || skip "$tool is missing"; done
export CAIRN_CACHE=$WORK/cache

# An npm-only project (the sample's UI): its base is node_modules, made in a second.
make_busybox_base "$WORK/base" busybox
PROJECT=$WORK/project
mkdir -p "$PROJECT"
(cd "$SAMPLE" && tar --exclude=./ui/node_modules --exclude=./ui/out -cf - ./ui) | tar -xf - -C "$PROJECT"
cat >"$PROJECT/cairn.toml" <<TOML
[image]
name = "cachetest"
base = "oci:$WORK/base:busybox"
entrypoint = ["/bin/sh"]

[npm]
dir = "ui"
script = "build"
output = "out"

[profiles.dev]
registry = "127.0.0.1:5000"
tag = "v1"
TOML
build() { cairn_ok build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:v1" --json; }
age_all() { find "$CAIRN_CACHE" -type f -exec touch -d '40 days ago' {} +; }
bases_blobs() { find "$CAIRN_CACHE/bases/blobs/sha256" -type f | wc -l; }

cairn_ok cache path
assert_eq "$CAIRN_CACHE" "$(cat "$OUT")" "cache path follows CAIRN_CACHE"

build
assert_eq true "$(jq -r .base_built "$OUT")" "the first build makes the base"
base_tag="cachetest-base-$(jq -r .base_key "$OUT")"
cairn_ok cache ls
assert_match "$(cat "$OUT")" "$base_tag +[0-9.]+ [kM]?B +[0-9]{4}-" "ls lists the base with its size and last use"
assert_match "$(cat "$OUT")" "layers: [1-9]" "ls counts the build's layers"

cairn_ok cache gc --keep-days 30
assert_contains "$(cat "$ERR")" "removed 0 base(s) and 0 blob(s)" "gc keeps what was just used"
# node_modules is restored only for an npm that runs: a UI edit makes it run.
rm -rf "$PROJECT/ui/node_modules"
echo "// after gc" >>"$PROJECT/ui/build.js"
build
assert_eq true "$(jq -r .base_restored "$OUT")" "the kept base still restores"

# Everything unused for 40 days, but a build (warm, nothing restored) uses the base again:
# gc keeps the base and drops only the layers no build touched since.
age_all
build
find "$CAIRN_CACHE/blobs/sha256" -type f -exec touch -d '40 days ago' {} +
layer_records() { find "$CAIRN_CACHE/diffs" -type f 2>/dev/null | wc -l; }
assert_ne 0 "$(layer_records)" "the layer cache records what it compressed"
step_records() { find "$CAIRN_CACHE/steps" -maxdepth 1 -type f 2>/dev/null | wc -l; }
assert_ne 0 "$(step_records)" "the npm step's record is in the cache"
cairn_ok cache gc --keep-days 30
assert_contains "$(cat "$ERR")" "removed 0 base(s)" "a base a build just used stays"
cairn_ok cache ls
assert_contains "$(cat "$OUT")" "$base_tag" "the used base is still listed"
assert_contains "$(cat "$OUT")" "layers: 0," "unused layers are gone"
assert_eq 0 "$(layer_records)" "the records of the removed layers go with them"
assert_eq 0 "$(step_records)" "the npm step's records go with their layers"

# All of it old: the base, its blobs and the layers go; the layout stays valid and empty.
age_all
cairn_ok cache gc --keep-days 30
assert_contains "$(cat "$ERR")" "removed 1 base(s)" "gc removes the old base"
assert_eq 0 "$(bases_blobs)" "no blob of the removed base is left"
assert_eq 0 "$(jq '.manifests | length' "$CAIRN_CACHE/bases/index.json")" "the bases index is empty"
rm -rf "$PROJECT/ui/node_modules"
build
assert_eq true "$(jq -r .base_built "$OUT")" "the next build makes the base again"

# A running build holds the cache shared (flock(1) -s on the directory stands in for one): gc
# says it waits and removes nothing until the build lets go. This shell holds the lock on fd 5
# itself, so nothing outlives the test; a fifo carries gc's stderr, so the test waits on its
# words, not on time. Then the temporary file of a killed run goes, however fresh.
touch "$CAIRN_CACHE/blobs/sha256/.tmp-killed-run"
exec 5<"$CAIRN_CACHE"
flock -s 5
mkfifo "$WORK/gc-err"
timeout -k 5 "$CAIRN_TIMEOUT" "$CAIRN" cache gc --keep-days 0 2>"$WORK/gc-err" 5<&- &
collector=$!
on_exit "kill $collector"
exec 3<"$WORK/gc-err"
waited=false
while IFS= read -r line <&3; do
    if [[ $line == *"waiting for running cairn builds to finish with $CAIRN_CACHE"* ]]; then
        waited=true
        break
    fi
done
assert_eq true "$waited" "gc says it waits for the running build"
assert_exists "$CAIRN_CACHE/blobs/sha256/.tmp-killed-run" "gc removed a file while a build held the cache"
assert_ne 0 "$(find "$CAIRN_CACHE/blobs/sha256" -type f ! -name '.tmp-*' | wc -l)" "the build's layers are there while it runs"
exec 5<&-  # the build ends
cat <&3 >"$WORK/gc-rest.log"
status=0
wait "$collector" || status=$?
exec 3<&-
assert_eq 0 "$status" "gc finishes once the build is done"
assert_contains "$(cat "$WORK/gc-rest.log")" "removed 1 base(s)" "gc ran after the build"
assert_eq 0 "$(find "$CAIRN_CACHE/blobs/sha256" -type f | wc -l)" "--keep-days 0 empties the layers, the killed run's file too"

expect_error 2 'keep-days' cache gc --keep-days -1
expect_error 2 '' cache
