#!/usr/bin/env bash
# The image `cairn build` makes of testdata/sample, run: unpacked by umoci onto a
# busybox+glibc runtime base and started by runc, the server answers over HTTP what its
# source and the project's files say.
source "$(dirname "$0")/lib.sh"
SAMPLE=${CAIRN_SOURCE_DIR:-$(dirname "$0")/../..}/testdata/sample
[[ -f $SAMPLE/cairn.toml ]] || skip "testdata/sample is missing"
for tool in cargo rustc npm node jq umoci runc curl python3; do
    command -v "$tool" >/dev/null || skip "$tool is missing (scripts/test.sh installs it)"
done
[[ $(id -u) == 0 ]] || skip "runc needs root here (rootless runc is not set up for tests)"
CAIRN_TIMEOUT=600
export CAIRN_CACHE=$WORK/cache

# The runtime base: busybox plus the dynamic loader and the two libraries a Rust binary needs.
runtime=$WORK/runtime
mkdir -p "$runtime/bin" "$runtime/lib64" "$runtime/lib/x86_64-linux-gnu" "$runtime/tmp"
cp /bin/busybox "$runtime/bin/busybox"
ln -s busybox "$runtime/bin/sh"
cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$runtime/lib64/ld-linux-x86-64.so.2"
for lib in libc.so.6 libgcc_s.so.1 libm.so.6; do
    cp "$(readlink -f "/lib/x86_64-linux-gnu/$lib")" "$runtime/lib/x86_64-linux-gnu/$lib"
done
chmod 1777 "$runtime/tmp"
cairn_ok append scratch --layer "$runtime:/" --to "oci:$WORK/base:glibc"

PROJECT=$WORK/sample
mkdir -p "$PROJECT"
(cd "$SAMPLE" && tar --exclude=./target --exclude=./ui/node_modules --exclude=./ui/out \
    --exclude=./cairn-out -cf - .) | tar -xf - -C "$PROJECT"
sed -i "s|^base = .*|base = \"oci:$WORK/base:glibc\"|" "$PROJECT/cairn.toml"
# Outside a git checkout the dev profile's tag has no {git_short}: cairn says so before building.
expect_error 1 'git_short.*git checkout.*not a git repository' build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:run"
assert_not_contains "$(cat "$ERR")" "Compiling" "the tag is checked before anything is built"
git -C "$PROJECT" init -q
git -C "$PROJECT" add -A
git -C "$PROJECT" -c user.name=test -c user.email=test@example.invalid commit -qm sample
# A directory the config names but the project lacks is said with the file, before any tool runs.
sed 's|^dir = "ui"|dir = "no-such-ui"|' "$PROJECT/cairn.toml" >"$PROJECT/bad-npm.toml"
expect_error 1 'bad-npm.toml: npm.dir ".*no-such-ui" is not a directory' \
    build dev --local-only -C "$PROJECT" --config "$PROJECT/bad-npm.toml" --output "oci:$WORK/out:bad"
# An npm.output the script does not write is said as such, not as a missing layer source.
sed 's|^output = "out"|output = "dist"|' "$PROJECT/cairn.toml" >"$PROJECT/bad-npm.toml"
expect_error 1 'bad-npm.toml: npm.output ".*/ui/dist" is not there after `npm run build`' \
    build dev --local-only -C "$PROJECT" --config "$PROJECT/bad-npm.toml" --output "oci:$WORK/out:bad"
rm "$PROJECT/bad-npm.toml"
cairn_ok build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:run"

umoci unpack --image "$WORK/out:run" "$WORK/bundle" >/dev/null || fail "umoci unpack refused the image"
# The host's network (so the test can reach it), on a free port; no terminal, no
# RLIMIT_NOFILE (which this environment may not grant).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
jq --arg port "$port" '.process.terminal = false
    | .process.env = [.process.env[] | if startswith("PORT=") then "PORT=" + $port else . end]
    | .process.rlimits = [(.process.rlimits // [])[] | select(.type != "RLIMIT_NOFILE")]
    | .linux.namespaces = [.linux.namespaces[] | select(.type != "network")]' \
    "$WORK/bundle/config.json" >"$WORK/config.json"
mv "$WORK/config.json" "$WORK/bundle/config.json"
assert_eq '["/app/sample-server","-f","/etc/sample/config.yaml"]' "$(jq -c .process.args "$WORK/bundle/config.json")" \
    "the process is the image's entrypoint and cmd"

RUNC_ROOT=$WORK/runc-state
id="cairn-test-run-$$"
# runc in the foreground, in the background of this shell: runc reaps the server, this shell
# reaps runc, so no process outlives the test.
timeout -k 5 300 runc --root "$RUNC_ROOT" run --bundle "$WORK/bundle" "$id" \
    </dev/null >"$WORK/server.out" 2>"$WORK/server.err" &
runc_pid=$!
on_exit "runc --root '$RUNC_ROOT' kill '$id' KILL; wait $runc_pid; runc --root '$RUNC_ROOT' delete -f '$id'"
get() { curl -sSf --max-time 5 "http://127.0.0.1:$port$1"; }
# Up once it answers: curl retries refused connections for at most ~10 s.
curl -sSf --retry 100 --retry-connrefused --retry-delay 0 --retry-max-time 10 --max-time 5 \
    "http://127.0.0.1:$port/health" >"$WORK/health" || fail "the server never answered: $(cat "$WORK/server.err" "$WORK/server.out")"
assert_eq "ok" "$(cat "$WORK/health")" "/health"
assert_eq "sample 1.0" "$(get /version)" "/version is the VERSION of the source built"
assert_eq "$(cat "$PROJECT/config/default.yaml")" "$(get /config)" "/config is the [[files]] entry, read at its dest"
assert_contains "$(get /)" "<html" "/ serves the UI the npm build wrote"
assert_eq "10001" "$(runc --root "$RUNC_ROOT" exec "$id" /bin/busybox id -u)" "it runs as the user cairn.toml names"
