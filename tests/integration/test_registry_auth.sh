#!/usr/bin/env bash
# TLS with a private CA (--ca-file and certs.d) and token auth (Bearer challenges, a token
# server issuing RS256 JWTs, OAuth2 refresh tokens) against Debian's real docker-registry.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_tool skopeo

make_busybox_base "$WORK/base" v1
export DOCKER_CONFIG=$WORK/docker-config REGISTRY_AUTH_FILE=$WORK/no-auth.json

# --- TLS with a private CA -------------------------------------------------------------
registry_start tls tls
tls_host=$REGISTRY_HOST
# Loopback with a CA configured means HTTPS: without trusting the CA, the certificate fails.
export CAIRN_CERTS_DIR=$WORK/empty-certs.d
mkdir -p "$CAIRN_CERTS_DIR"
run_cairn copy "oci:$WORK/base:v1" "$tls_host/base:v1" --insecure-registry "other.invalid"
((RC != 0)) || fail "a push to a TLS registry over plain HTTP or an untrusted certificate succeeded"
cairn_ok copy "oci:$WORK/base:v1" "$tls_host/base:v1" --ca-file "$REGISTRY_CA"
assert_eq "$BASE_DIGEST" "$(tr -d '\n' <"$OUT")" "digest pushed over TLS with --ca-file"
assert_eq "$BASE_DIGEST" "$(skopeo inspect --cert-dir "$REGISTRY_CERTS_DIR/$tls_host" "docker://$tls_host/base:v1" | jq -r .Digest)" \
    "skopeo's digest over verified TLS"
# The same CA found in a certs.d directory (HOST:PORT/ca.crt).
export CAIRN_CERTS_DIR=$REGISTRY_CERTS_DIR
cairn_ok copy "$tls_host/base:v1" "oci:$WORK/from-tls:v1"
assert_eq "$BASE_DIGEST" "$(tr -d '\n' <"$OUT")" "digest pulled over TLS with certs.d"
# --insecure-registry: TLS without verification.
export CAIRN_CERTS_DIR=$WORK/empty-certs.d
cairn_ok inspect --json "$tls_host/base:v1" --insecure-registry "$tls_host"
assert_eq "$BASE_DIGEST" "$(jq -r .digest "$OUT")" "digest read with --insecure-registry"
unset CAIRN_CERTS_DIR

# --- Token auth --------------------------------------------------------------------------
registry_start token token
token_host=$REGISTRY_HOST
status=$(curl -s -o /dev/null -w '%{http_code}' "http://$token_host/v2/")
assert_eq 401 "$status" "anonymous /v2/ of the token registry"
assert_contains "$(curl -s -D - -o /dev/null "http://$token_host/v2/")" 'Bearer realm=' "the registry's challenge"

expect_error 1 "$token_host" copy "oci:$WORK/base:v1" "$token_host/base:v1"
printf '%s' "$REGISTRY_PASSWORD" | timeout 60 "$CAIRN" login "$token_host" -u "$REGISTRY_USER" \
    --password-stdin >"$OUT" 2>"$ERR" || fail "cairn login with a token registry failed: $(cat "$ERR")"
: >"$TOKEN_LOG"
cairn_ok copy "oci:$WORK/base:v1" "$token_host/base:v1"
assert_eq "$BASE_DIGEST" "$(tr -d '\n' <"$OUT")" "digest pushed with bearer tokens"
assert_eq "$BASE_DIGEST" "$(skopeo_digest "$token_host/base:v1" --creds "$REGISTRY_USER:$REGISTRY_PASSWORD")" \
    "skopeo's digest of the image pushed with bearer tokens"
# Tokens are cached per scope: one push asks the token server a handful of times, not once
# per request.
requests=$(grep -c '' "$TOKEN_LOG" || true)
((requests >= 1 && requests <= 3)) || fail "token requests for one push: $requests (expected 1 to 3)"
assert_contains "$(cat "$TOKEN_LOG")" "repository:base:pull,push" "the push scope asked for"

# An append onto the token registry's base, to another repository: the mount needs a pull
# scope on the source repository too.
mkdir -p "$WORK/app"
printf 'token app\n' >"$WORK/app/file"
cairn_ok append "$token_host/base:v1" --layer "$WORK/app:/app" --to "$token_host/app:v1"
app_digest=$(tr -d '\n' <"$OUT")
assert_contains "$(cat "$TOKEN_LOG")" "repository:base:pull" "the pull scope of the mount's source"
assert_eq "$app_digest" "$(skopeo_digest "$token_host/app:v1" --creds "$REGISTRY_USER:$REGISTRY_PASSWORD")" \
    "skopeo's digest of the appended image"
if grep -E '"(PATCH|PUT) /v2/app/blobs/uploads/' "$REGISTRY_LOG" |
    grep -q "$(jq -r '.layers[0].digest' "$WORK/base/blobs/sha256/${BASE_DIGEST#sha256:}" | sed 's/:/%3A/')"; then
    fail "the base layer was uploaded to app instead of mounted"
fi
cairn_ok copy "$token_host/app:v1" "oci:$WORK/from-token:v1"
assert_eq "$app_digest" "$(tr -d '\n' <"$OUT")" "digest pulled with bearer tokens"
assert_not_contains "$(cat "$ERR")" "$REGISTRY_PASSWORD" "cairn's output"

# An identity (refresh) token in Docker's config.json: exchanged at the realm by OAuth2 POST
# (grant_type=refresh_token), never the password.
token_port=$(sed -n 's|.*realm: http://127.0.0.1:\([0-9]*\)/token|\1|p' "$REGISTRY_DIR/config.yml")
refresh=$(curl -s -X POST --data-urlencode grant_type=password --data-urlencode "username=$REGISTRY_USER" \
    --data-urlencode "password=$REGISTRY_PASSWORD" --data-urlencode service=cairn-test \
    --data-urlencode access_type=offline --data-urlencode client_id=cairn-test \
    "http://127.0.0.1:$token_port/token" | jq -r .refresh_token)
assert_match "$refresh" '^[0-9a-f]{32}$' "refresh token from the token server"
export DOCKER_CONFIG=$WORK/identity-config
mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"%s":{"identitytoken":"%s"}}}\n' "$token_host" "$refresh" >"$DOCKER_CONFIG/config.json"
: >"$TOKEN_LOG"
cairn_ok copy "$token_host/app:v1" "oci:$WORK/with-identity-token:v1"
assert_eq "$app_digest" "$(tr -d '\n' <"$OUT")" "digest pulled with an identity token"
assert_contains "$(cat "$TOKEN_LOG")" "POST grant=refresh_token" "the token server's log"
assert_not_contains "$(cat "$TOKEN_LOG")" "grant=basic user=yes" "the token server's log"
