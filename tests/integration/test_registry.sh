#!/usr/bin/env bash
# Push, pull, copy, append onto a registry base, corruption and basic auth against Debian's
# real docker-registry on 127.0.0.1, judged by skopeo, umoci and the registry's access log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_tool skopeo
require_tool umoci
require_tool htpasswd

registry_start open open
HOST=$REGISTRY_HOST
LOG=$REGISTRY_LOG
make_busybox_base "$WORK/base" v1
mkdir -p "$WORK/app/bin"
printf '#!/bin/sh\necho registry app\n' >"$WORK/app/bin/hello"
chmod 0755 "$WORK/app/bin/hello"

# Push a layout to the registry; skopeo sees the same digest.
cairn_ok copy "oci:$WORK/base:v1" "$HOST/base:v1"
assert_eq "$BASE_DIGEST" "$(tr -d '\n' <"$OUT")" "digest printed by cairn copy"
assert_eq "$BASE_DIGEST" "$(skopeo_digest "$HOST/base:v1")" "skopeo's digest of the pushed base"
base_layer=$(jq -r '.layers[0].digest' "$WORK/base/blobs/sha256/${BASE_DIGEST#sha256:}")

# Append onto the registry base, to the same registry: the base layer is mounted, not sent.
lines_before=$(wc -l <"$LOG")
cairn_ok append "$HOST/base:v1" --layer "$WORK/app:/app" --to "$HOST/app:v1" \
    --entrypoint '["/app/bin/hello"]'
app_digest=$(tr -d '\n' <"$OUT")
assert_eq "$app_digest" "$(skopeo_digest "$HOST/app:v1")" "skopeo's digest of the appended image"
appended_log=$(tail -n +"$((lines_before + 1))" "$LOG")
assert_contains "$appended_log" "mount=${base_layer/:/%3A}&from=base" "a cross-repository mount of the base layer"
if grep -E '"(PATCH|PUT) /v2/app/blobs/uploads/' <<<"$appended_log" | grep -q "${base_layer/:/%3A}"; then
    fail "the base layer was uploaded instead of mounted"
fi
if grep -qE '"GET /v2/base/blobs/' <<<"$appended_log"; then
    # Only the base's config may be fetched; its layer must not be downloaded.
    grep -E '"GET /v2/base/blobs/' <<<"$appended_log" | grep -q "${base_layer/:/%3A}" &&
        fail "the base layer was downloaded"
fi

# skopeo copies the pushed image; umoci unpacks it with the app in place.
skopeo copy -q --src-tls-verify=false "docker://$HOST/app:v1" "oci:$WORK/by-skopeo:v1"
umoci unpack --image "$WORK/by-skopeo:v1" "$WORK/bundle" >/dev/null
assert_eq "$(cat "$WORK/app/bin/hello")" "$(cat "$WORK/bundle/rootfs/app/bin/hello")" "app file after a registry round trip"
assert_exists "$WORK/bundle/rootfs/bin/busybox"

# Pull with cairn, by tag and by digest; inspect reads the registry too.
cairn_ok copy "$HOST/app:v1" "oci:$WORK/pulled:v1"
assert_eq "$app_digest" "$(tr -d '\n' <"$OUT")" "digest of the pulled image"
assert_image_consistent "$WORK/pulled" v1
cairn_ok copy "$HOST/app@$app_digest" "oci:$WORK/by-digest:v1"
assert_eq "$app_digest" "$(tr -d '\n' <"$OUT")" "digest of the image pulled by digest"
cairn_ok inspect --json "$HOST/app:v1"
assert_eq "$app_digest" "$(jq -r .digest "$OUT")" "digest shown by cairn inspect"
assert_eq '["/app/bin/hello"]' "$(jq -c .config.entrypoint "$OUT")" "entrypoint shown by cairn inspect"

# A blob corrupted in the registry's storage is refused and enters neither cache nor target.
app_layer=$(jq -r '.layers[-1].digest' "$WORK/pulled/blobs/sha256/${app_digest#sha256:}")
hex=${app_layer#sha256:}
data=$(registry_blob_file "$app_layer")
assert_exists "$data"
size=$(stat -c %s "$data")
head -c "$size" /dev/urandom >"$data"
export CAIRN_CACHE=$WORK/fresh-cache
expect_error 1 "$hex" copy "$HOST/app:v1" "oci:$WORK/corrupt:v1"
[[ ! -e $WORK/corrupt/blobs/sha256/$hex ]] || fail "the corrupt blob entered the target layout"
if [[ -f $WORK/corrupt/index.json ]]; then
    assert_eq 0 "$(jq '.manifests | length' "$WORK/corrupt/index.json")" "tags written despite the corrupt blob"
fi
[[ -z $(find "$CAIRN_CACHE" -name "$hex" 2>/dev/null) ]] || fail "the corrupt blob entered the cache"

# Basic auth: refused without credentials (naming the registry and what to do), then
# `cairn login` checks and stores them, and the push works.
registry_start locked htpasswd
HOST=$REGISTRY_HOST
export DOCKER_CONFIG=$WORK/docker-config REGISTRY_AUTH_FILE=$WORK/no-auth.json
expect_error 1 "$HOST.*(login|credential)" copy "oci:$WORK/base:v1" "$HOST/base:v1"
run_cairn login "$HOST" -u tester --password-stdin <<<"wrong"
((RC == 1)) || fail "login with a wrong password: expected exit 1, got $RC"
assert_absent "$DOCKER_CONFIG/config.json" "credentials stored after a failed login"
printf 's3cret pass' | timeout 60 "$CAIRN" login "$HOST" -u tester --password-stdin >"$OUT" 2>"$ERR" ||
    fail "cairn login failed: $(cat "$ERR")"
assert_eq 600 "$(stat -c %a "$DOCKER_CONFIG/config.json")" "mode of the stored config.json"
assert_not_contains "$(cat "$ERR" "$OUT")" "s3cret" "output of cairn login"
cairn_ok copy "oci:$WORK/base:v1" "$HOST/base:v1"
assert_not_contains "$(cat "$ERR" "$OUT")" "s3cret" "output of an authenticated push"
assert_eq "$BASE_DIGEST" \
    "$(skopeo inspect --tls-verify=false --creds 'tester:s3cret pass' "docker://$HOST/base:v1" | jq -r .Digest)" \
    "skopeo's digest of the image pushed with stored credentials"
