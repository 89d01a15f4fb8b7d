#!/usr/bin/env bash
# A registry that drips bytes (2 bytes/s) does not hold cairn: small answers (manifests) and
# every response head have a deadline, blob transfers a floor of speed; both are configurable
# (flags and CAIRN_* variables) and the error names the host that stalled. A slow peer above
# the floor still gets through. Limits of 1 s keep the test short (each stall is retried, as
# a stall is, before cairn gives up).
# Also: a port past 65535 in a reference is a usage error naming the port.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_tool jq

mkdir -p "$WORK/app"
head -c 300000 /dev/urandom >"$WORK/app/noise.bin"
cairn_ok append scratch --layer "$WORK/app:/app" --to "oci:$WORK/image:v1"
registry_start drip open
cairn_ok copy "oci:$WORK/image:v1" "$REGISTRY_HOST/app:v1"

# Runs cairn and checks it failed within LIMIT seconds (no hang), the documented way.
expect_stall() {  # LIMIT PATTERN ARGS…
    local limit=$1 start elapsed
    shift
    start=$(date +%s)
    expect_error 1 "$@"
    elapsed=$(($(date +%s) - start))
    note "cairn ${*:2:2} gave up in ${elapsed}s (limit ${limit}s)"
    ((elapsed <= limit)) || fail "cairn ${*:2} took ${elapsed}s to give up (limit ${limit}s)"
}

case_dripped_manifest() {
    fault_proxy_start '[{"method": "GET", "path": "^/v2/app/manifests/", "times": 1000,
                         "action": "drip", "rate": 2}]'
    CAIRN_REQUEST_TIMEOUT=1 expect_stall 40 "$PROXY_HOST did not answer within 1 s.*request-timeout" \
        inspect "$PROXY_HOST/app:v1"
    assert_contains "$(cat "$PROXY_LOG")" "FAULT drip" "the proxy's log"
    # The flag says the same as the variable.
    expect_stall 40 "$PROXY_HOST did not answer within 1 s" inspect --request-timeout 1 "$PROXY_HOST/app:v1"
}
run_case dripped_manifest case_dripped_manifest

case_dripped_head() {
    fault_proxy_start '[{"method": "GET", "path": "^/v2/app/blobs/sha256:", "times": 1000,
                         "action": "drip", "rate": 2, "head": true}]'
    CAIRN_REQUEST_TIMEOUT=1 expect_stall 30 "$PROXY_HOST sent no complete response head within 1 s" \
        copy "$PROXY_HOST/app:v1" "oci:$WORK/head-drip:v1"
    [[ ! -f $WORK/head-drip/index.json ]] || assert_eq "" "$(layout_tag_digest "$WORK/head-drip" v1)" "tag after a stall"
}
run_case dripped_head case_dripped_head

case_dripped_blob() {
    fault_proxy_start '[{"method": "GET", "path": "^/v2/app/blobs/sha256:", "times": 1000,
                         "action": "drip", "rate": 2}]'
    CAIRN_LOW_SPEED_TIME=1 expect_stall 60 "$PROXY_HOST stalled: the transfer stayed under 1024 bytes/s for 1 s" \
        copy "$PROXY_HOST/app:v1" "oci:$WORK/blob-drip:v1"
    assert_absent "$WORK/blob-drip" "the layout of a copy that stalled"
    expect_stall 60 "stayed under 5000 bytes/s for 1 s" \
        copy --low-speed-limit 5000 --low-speed-time 1 "$PROXY_HOST/app:v1" "oci:$WORK/blob-drip:v1"
}
run_case dripped_blob case_dripped_blob

# 200 kB/s is slow but well above the floor: the copy goes through with the same short limits.
case_slow_but_moving() {
    fault_proxy_start '[{"method": "GET", "path": "^/v2/app/blobs/sha256:", "times": 1000,
                         "action": "drip", "rate": 200000}]'
    CAIRN_LOW_SPEED_TIME=1 CAIRN_REQUEST_TIMEOUT=5 cairn_ok copy "$PROXY_HOST/app:v1" "oci:$WORK/slow:v1"
    assert_image_consistent "$WORK/slow" v1
}
run_case slow_but_moving case_slow_but_moving

case_bad_limits() {
    CAIRN_REQUEST_TIMEOUT=soon expect_error 2 'CAIRN_REQUEST_TIMEOUT="soon"' inspect "$REGISTRY_HOST/app:v1"
    CAIRN_LOW_SPEED_LIMIT=1.5 expect_error 2 'CAIRN_LOW_SPEED_LIMIT' inspect "$REGISTRY_HOST/app:v1"
    expect_error 2 'low-speed-time' inspect --low-speed-time 0 "$REGISTRY_HOST/app:v1"
}
run_case bad_limits case_bad_limits

case_port_out_of_range() {
    expect_error 2 'port 70000' inspect localhost:70000/x
    expect_error 2 'port 65536.*1 to 65535' copy "oci:$WORK/image:v1" 127.0.0.1:65536/x:v1
    expect_error 2 'port 99999' append scratch --layer "$WORK/app:/app" --to "localhost:99999/x"
    expect_error 2 'port 0 ' copy "docker://localhost:0/x" "oci:$WORK/port-zero"
    assert_absent "$WORK/port-zero"
}
run_case port_out_of_range case_port_out_of_range

finish_cases
