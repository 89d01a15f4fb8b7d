#!/usr/bin/env bash
# Run what cairn builds: a busybox image plus a layer with a script, unpacked by umoci and
# run by runc, prints the script's line.
source "$(dirname "$0")/lib.sh"
require_tool jq
require_tool umoci
require_tool runc
[[ $(id -u) == 0 ]] || skip "runc needs root here (rootless runc is not set up for tests)"

RUNC_ROOT=$WORK/runc-state
mkdir -p "$RUNC_ROOT"
runc_() { runc --root "$RUNC_ROOT" "$@"; }

# Makes BUNDLE/config.json fit for a test run: no terminal, no RLIMIT_NOFILE (which a
# test environment may not grant), stdout passed through.
prepare_bundle() {  # BUNDLE
    jq '.process.terminal = false
        | .process.rlimits = [(.process.rlimits // [])[] | select(.type != "RLIMIT_NOFILE")]' \
        "$1/config.json" >"$1/config.json.new"
    mv "$1/config.json.new" "$1/config.json"
}

# Runs container ID from BUNDLE; its stdout in $WORK/ID.out, stderr in $WORK/ID.err.
run_container() {  # ID BUNDLE
    local id=$1 bundle=$2 status=0
    on_exit "runc --root '$RUNC_ROOT' delete -f '$id'"
    timeout -k 5 60 runc --root "$RUNC_ROOT" run --bundle "$bundle" "$id" \
        </dev/null >"$WORK/$id.out" 2>"$WORK/$id.err" || status=$?
    runc_ delete -f "$id" >/dev/null 2>&1 || true
    return "$status"
}

# First a control, made without cairn: if runc cannot run a container on this machine at
# all, that is the machine, not the image.
CONTROL=$WORK/control
mkdir -p "$CONTROL/rootfs/bin"
cp /bin/busybox "$CONTROL/rootfs/bin/busybox"
(cd "$CONTROL" && runc spec)
jq '.process.args = ["/bin/busybox", "echo", "control ok"]' "$CONTROL/config.json" >"$CONTROL/config.json.new"
mv "$CONTROL/config.json.new" "$CONTROL/config.json"
prepare_bundle "$CONTROL"
control_id=cairn-control-$$
if ! run_container "$control_id" "$CONTROL" || [[ $(cat "$WORK/$control_id.out") != "control ok" ]]; then
    skip "runc cannot run a container here: $(tr '\n' ' ' <"$WORK/$control_id.err" | cut -c1-300)"
fi

# The image: busybox base + /app/hello.sh, entrypoint runs it.
make_busybox_base "$WORK/base" base
mkdir -p "$WORK/src"
LINE="hello from a cairn image $$"
# shellcheck disable=SC2016 # $(pwd) and friends are for the script, not for us
printf '#!/bin/sh\necho "%s"\necho "cwd=$(pwd) user=$(id -u):$(id -g) greeting=$GREETING"\n' "$LINE" >"$WORK/src/hello.sh"
chmod 0755 "$WORK/src/hello.sh"
cairn_ok append "oci:$WORK/base:base" --layer "$WORK/src:/app" --to "oci:$WORK/image:run" \
    --entrypoint '["/bin/sh","/app/hello.sh"]' --workdir /app --user 1000:1000 --env GREETING=hi

BUNDLE=$WORK/bundle
umoci unpack --image "$WORK/image:run" "$BUNDLE" >"$WORK/umoci.log" 2>&1 ||
    fail "umoci unpack failed: $(cat "$WORK/umoci.log")"
prepare_bundle "$BUNDLE"
id=cairn-test-$$
run_container "$id" "$BUNDLE" || fail "runc run of the cairn image failed: $(cat "$WORK/$id.err")"
expected=$(printf '%s\n%s' "$LINE" "cwd=/app user=1000:1000 greeting=hi")
assert_eq "$expected" "$(cat "$WORK/$id.out")" "the container's output"
