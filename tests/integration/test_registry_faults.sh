#!/usr/bin/env bash
# Faults between cairn and a real docker-registry, injected by a proxy: a cut upload, a
# connection reset, a 429 with Retry-After, a 503 on the manifest PUT and a cut download are
# all survived, and the result is judged by skopeo straight from the registry.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_tool skopeo

# A layer of ~3 MB of incompressible bytes, so cuts land in the middle of bodies.
mkdir -p "$WORK/app"
head -c 3000000 /dev/urandom >"$WORK/app/noise.bin"
cairn_ok append scratch --layer "$WORK/app:/app" --to "oci:$WORK/image:v1"
digest=$(tr -d '\n' <"$OUT")

registry_start faults open
fault_proxy_start '[
  {"method": "HEAD", "path": "^/v2/app/blobs/", "nth": 1, "action": "status", "status": 429,
   "headers": {"Retry-After": "1"}},
  {"method": "POST", "path": "^/v2/app/blobs/uploads/", "nth": 1, "action": "reset_request"},
  {"method": "PATCH", "path": "^/v2/app/blobs/uploads/", "nth": 1, "action": "reset_request",
   "bytes": 1000000},
  {"method": "PUT", "path": "^/v2/app/manifests/", "nth": 1, "action": "status", "status": 503,
   "body": "{\"errors\":[{\"code\":\"UNAVAILABLE\"}]}"},
  {"method": "GET", "path": "^/v2/app/blobs/sha256:", "nth": 2, "action": "cut_response",
   "bytes": 1000000}
]'

cairn_ok copy "oci:$WORK/image:v1" "$PROXY_HOST/app:v1" --jobs 1
assert_eq "$digest" "$(tr -d '\n' <"$OUT")" "digest pushed through the faults"
assert_eq "$digest" "$(skopeo_digest "$REGISTRY_HOST/app:v1")" "skopeo's digest, straight from the registry"
for fault in "status 429" "reset_request POST" "reset_request PATCH" "status 503"; do
    assert_contains "$(cat "$PROXY_LOG")" "FAULT $fault" "the proxy's log"
done

# The download is cut part-way through the layer (the config is the first blob GET); the pull
# resumes or restarts, and every digest is verified.
cairn_ok copy "$PROXY_HOST/app:v1" "oci:$WORK/pulled:v1" --jobs 1
assert_eq "$digest" "$(tr -d '\n' <"$OUT")" "digest pulled through a cut download"
assert_contains "$(cat "$PROXY_LOG")" "FAULT cut_response" "the proxy's log"
assert_image_consistent "$WORK/pulled" v1
cmp -s <(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY_HOST/app:v1") \
    "$WORK/pulled/blobs/sha256/${digest#sha256:}" || fail "pulled manifest differs from the registry's"

# Faults that do not pass: a registry that keeps answering 503 is given up on, boundedly.
fault_proxy_start '[
  {"method": "PUT", "path": "^/v2/stuck/manifests/", "nth": 1, "times": 100, "action": "status",
   "status": 503}
]'
expect_error 1 "503|unavailable" copy "oci:$WORK/image:v1" "$PROXY_HOST/stuck:v1"
