#!/usr/bin/env bash
# `cairn build` against a real docker-registry: the first build pushes the base and the image
# and deploys the pushed digest; a code-only rebuild uploads no base bytes and moves one layer;
# a lockfile change makes a new base tag; --rebuild-base and --no-deploy do what they say.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
SAMPLE=${CAIRN_SOURCE_DIR:-$(dirname "$0")/../..}/testdata/sample
[[ -f $SAMPLE/cairn.toml ]] || skip "testdata/sample is missing"
for tool in cargo rustc npm node git jq skopeo; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/toolchain.sh installs the build tools)"
done
CAIRN_TIMEOUT=600
export CAIRN_CACHE=$WORK/cache
unset SOURCE_DATE_EPOCH LOCAL_ONLY REBUILD_BASE

registry_start builds open
make_busybox_base "$WORK/base" busybox
PROJECT=$WORK/sample
mkdir -p "$PROJECT"
(cd "$SAMPLE" && tar --exclude=./target --exclude=./ui/node_modules --exclude=./ui/out \
    --exclude=./cairn-out -cf - .) | tar -xf - -C "$PROJECT"
# The dev profile pushes to the test registry and its deploy command records what it was given.
sed -i -e "s|^registry = \"127.0.0.1:5000\"|registry = \"$REGISTRY_HOST\"|" \
    -e "s|^deploy = \"echo deploy {image}@{digest}\"|deploy = \"echo {image}@{digest} {tag} {env} > $WORK/deployed\"|" \
    "$PROJECT/cairn.toml"
commit() { git -C "$PROJECT" add -A && git -C "$PROJECT" -c user.name=t -c user.email=t@example.invalid commit -qm "$1"; }
git -C "$PROJECT" init -q
commit sample

# --dry-run: the plan, and nothing done (no target/, no node_modules, nothing written to the
# registry, no deploy).
lines_before=$(wc -l <"$REGISTRY_LOG")
cairn_ok build dev -C "$PROJECT" --dry-run --json
cp "$OUT" "$WORK/plan.json"
assert_eq true "$(jq -r .dry_run "$WORK/plan.json")" "a dry run says so"
assert_match "$(jq -r .base_source "$WORK/plan.json")" '^built: cargo and npm compile the dependencies' "no base yet: it would be built"
assert_eq '["ui: ui/out -> /app/ui","bin: target/release/sample-server -> /app/sample-server","files: config/default.yaml -> /etc/sample/config.yaml"]' \
    "$(jq -c .layers "$WORK/plan.json")" "the planned layers"
assert_match "$(jq -r .deploy "$WORK/plan.json")" "^echo $REGISTRY_HOST/sample:dev-[0-9a-f]+@\{digest\} dev-[0-9a-f]+ dev > " "the planned deploy command"
assert_absent "$PROJECT/target" "a dry run compiles nothing"
assert_absent "$PROJECT/ui/node_modules" "a dry run installs nothing"
assert_absent "$WORK/deployed" "a dry run deploys nothing"
if tail -n +"$((lines_before + 1))" "$REGISTRY_LOG" | grep -qE '"(PUT|POST|PATCH|DELETE) '; then
    fail "a dry run wrote to the registry"
fi

# First build: base built and pushed, image pushed, deploy run with the pushed digest.
cairn_ok build dev -C "$PROJECT" --json
cp "$OUT" "$WORK/r1.json"
tag1=$(jq -r .tag "$WORK/r1.json")
digest1=$(jq -r .digest "$WORK/r1.json")
key1=$(jq -r .base_key "$WORK/r1.json")
assert_eq "dev-$(git -C "$PROJECT" rev-parse --short HEAD)" "$tag1" "tag from the dev profile"
assert_eq true "$(jq -r .base_built "$WORK/r1.json")" "the first build makes the base"
assert_eq "$digest1" "$(skopeo_digest "$REGISTRY_HOST/sample:$tag1")" "skopeo's digest of the pushed image"
skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/sample-base:$key1" >/dev/null ||
    fail "the base was not pushed as sample-base:$key1"
assert_eq "$REGISTRY_HOST/sample:$tag1@$digest1 $tag1 dev" "$(cat "$WORK/deployed")" "what the deploy command received"
# Every byte uploaded is counted, the base's too.
base_size=$(skopeo inspect --tls-verify=false --raw "docker://$REGISTRY_HOST/sample-base:$key1" | jq '[.layers[].size] | add')
base_written=$(jq -r .base_bytes_written "$WORK/r1.json")
((base_written >= base_size)) || fail "base_bytes_written $base_written is less than the base's layers ($base_size)"
(($(jq -r .bytes_written "$WORK/r1.json") > base_written)) || fail "bytes_written leaves out the image or the base"

# A fresh agent's dry run (a clean copy, an empty cache) would take the base from the registry.
mkdir -p "$WORK/plan-project"
(cd "$PROJECT" && tar --exclude=./target --exclude=./ui/node_modules --exclude=./ui/out -cf - .) |
    tar -xf - -C "$WORK/plan-project"
CAIRN_CACHE=$WORK/plan-cache cairn_ok build dev -C "$WORK/plan-project" --dry-run --json
assert_eq "$REGISTRY_HOST/sample-base:$key1" "$(jq -r .base_source "$OUT")" "a fresh agent's plan takes the pushed base"
assert_eq "$key1" "$(jq -r .base_key "$OUT")" "the plan's base key is the build's"

# The deploy command may use cairn itself: by then the build has let go of the cache, so a
# `cairn cache gc` there runs instead of waiting for its own parent.
sed -i "/^\[profiles.staging\]/,/^deploy/ s|^deploy = .*|deploy = \"$CAIRN cache gc \&\& echo gc-ran >$WORK/gc-deployed\"|" \
    "$PROJECT/cairn.toml"
CAIRN_TIMEOUT=60 cairn_ok build staging -C "$PROJECT" --json
assert_eq gc-ran "$(cat "$WORK/gc-deployed")" "the deploy command ran cairn cache gc"

# A code-only change: the base is reused; no base or runtime-base bytes are uploaded; exactly
# one layer of the image changes.
sed -i 's/^const VERSION: &str = "sample 1.0";/const VERSION: \&str = "sample 1.1";/' "$PROJECT/src/main.rs"
commit "version 1.1"
lines_before=$(wc -l <"$REGISTRY_LOG")
cairn_ok build dev -C "$PROJECT" --json --no-deploy
cp "$OUT" "$WORK/r2.json"
tag2=$(jq -r .tag "$WORK/r2.json")
assert_ne "$tag1" "$tag2" "a new commit gives a new tag"
assert_eq false "$(jq -r .base_built "$WORK/r2.json")" "the second build reuses the base"
assert_eq "$key1" "$(jq -r .base_key "$WORK/r2.json")" "the base key of a code-only change"
assert_eq 0 "$(jq -r .base_bytes_written "$WORK/r2.json")" "a code-only change uploads no base bytes"
uploads=$(tail -n +"$((lines_before + 1))" "$REGISTRY_LOG" | grep -oE '"PUT /v2/[^ ]*/blobs/uploads/[^ ]*digest=sha256%3A[0-9a-f]+' |
    sed 's/.*digest=sha256%3A/sha256:/' || true)
layers1=$(skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/sample:$tag1" | jq -r '.Layers[]')
layers2=$(skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/sample:$tag2" | jq -r '.Layers[]')
changed=$(diff <(echo "$layers1") <(echo "$layers2") | grep -c '^>' || true)
assert_eq 1 "$changed" "layers that differ after a code-only change"
new_layer=$(diff <(echo "$layers1") <(echo "$layers2") | sed -n 's/^> //p' || true)
grep -qx "$new_layer" <<<"$uploads" || fail "the changed layer $new_layer is not among the uploads seen in the access log"
while read -r layer; do
    if grep -qx "$layer" <<<"$uploads" && grep -qx "$layer" <<<"$layers1"; then
        fail "layer $layer, unchanged since the first build, was uploaded again"
    fi
done <<<"$layers2"
for layer in $(jq -r '.layers[].digest' "$WORK/base/blobs/sha256/${BASE_DIGEST#sha256:}"); do
    if grep -qx "$layer" <<<"$uploads"; then fail "the runtime base's layer $layer was uploaded"; fi
done
assert_eq "$REGISTRY_HOST/sample:$tag1@$digest1 $tag1 dev" "$(cat "$WORK/deployed")" "--no-deploy left the deploy alone"

# A lockfile change is a new base key, built and pushed under its own tag. The base is layers
# grouped by crate: the cargo crates did not change, so their layers are the old base's, and
# only the changed layers are uploaded.
printf '\n' >>"$PROJECT/ui/package-lock.json"
commit "lockfile"
lines_before=$(wc -l <"$REGISTRY_LOG")
cairn_ok build dev -C "$PROJECT" --json --no-deploy
key3=$(jq -r .base_key "$OUT")
assert_ne "$key1" "$key3" "the base key after a lockfile change"
assert_eq true "$(jq -r .base_built "$OUT")" "a lockfile change builds a new base"
skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/sample-base:$key3" >/dev/null ||
    fail "the new base was not pushed as sample-base:$key3"
base_layers() { skopeo inspect --tls-verify=false --raw "docker://$REGISTRY_HOST/sample-base:$1" | jq -r '.layers[].digest' | sort; }
kept=$(comm -12 <(base_layers "$key1") <(base_layers "$key3"))
(($(grep -c . <<<"$kept") >= 1)) || fail "the new base shares no layer with the old one"
(($(comm -13 <(base_layers "$key1") <(base_layers "$key3") | grep -c .) >= 1)) || fail "the new base has no new layer"
uploads=$(tail -n +"$((lines_before + 1))" "$REGISTRY_LOG" | grep -oE '"PUT /v2/[^ ]*/blobs/uploads/[^ ]*digest=sha256%3A[0-9a-f]+' |
    sed 's/.*digest=sha256%3A/sha256:/' || true)
while read -r layer; do
    if grep -qx "$layer" <<<"$uploads"; then fail "the base layer $layer, unchanged, was uploaded again"; fi
done <<<"$kept"
note "new base: $(grep -c . <<<"$kept") layers kept of $(base_layers "$key3" | grep -c .)"

# --rebuild-base and REBUILD_BASE=true force it.
cairn_ok build dev -C "$PROJECT" --json --no-deploy --rebuild-base
assert_eq true "$(jq -r .base_built "$OUT")" "--rebuild-base builds the base"
REBUILD_BASE=true cairn_ok build dev -C "$PROJECT" --json --no-deploy
assert_eq true "$(jq -r .base_built "$OUT")" "REBUILD_BASE=true builds the base"

# A base a --local-only build made (so only in the local cache) reaches the registry with the
# next build that pushes: other machines find it there.
printf '\n' >>"$PROJECT/ui/package-lock.json"
commit "lockfile again"
cairn_ok build dev -C "$PROJECT" --json --local-only --output "oci:$WORK/local:v1"
key4=$(jq -r .base_key "$OUT")
assert_eq true "$(jq -r .base_built "$OUT")" "the --local-only build makes the base"
if skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/sample-base:$key4" >/dev/null 2>&1; then
    fail "--local-only pushed the base"
fi
cairn_ok build dev -C "$PROJECT" --json --no-deploy
assert_eq false "$(jq -r .base_built "$OUT")" "the next build reuses the cached base"
assert_contains "$(cat "$ERR")" "only in the local cache" "the build says why it pushes the base"
skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/sample-base:$key4" >/dev/null ||
    fail "the cached base was not pushed as sample-base:$key4"

# Config errors name the file and line.
printf '[image]\nnmae = "x"\n' >"$WORK/bad.toml"
expect_error 1 'bad.toml:2.*nmae' build dev -C "$PROJECT" --config "$WORK/bad.toml" --local-only

# Only "no such manifest" means there is no base yet: a registry that refuses the lookup stops
# the build at once, naming it, instead of building the base for nothing and failing at the push.
fault_proxy_start '[{"path": "^/v2/sample-base/manifests/", "nth": 1, "times": 1000,
  "action": "status", "status": 403, "headers": {"Content-Type": "application/json"},
  "body": "{\"errors\": [{\"code\": \"DENIED\", \"message\": \"requested access to the resource is denied\"}]}"}]'
sed -i "s|^registry = \"$REGISTRY_HOST\"|registry = \"$PROXY_HOST\"|" "$PROJECT/cairn.toml"
CAIRN_CACHE=$WORK/cold-cache expect_error 1 "sample-base.*(403|denied)" build dev -C "$PROJECT" --no-deploy
assert_not_contains "$(cat "$ERR")" "Compiling" "nothing is built after the failed lookup"
grep -q "FAULT status 403 .* /v2/sample-base/manifests/$key4" "$PROXY_LOG" ||
    fail "the proxy saw no lookup of sample-base:$key4"
