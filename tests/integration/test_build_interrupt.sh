#!/usr/bin/env bash
# A build stopped by a signal (a CI job cancelled, a terminal closed) stops the tools it runs:
# no npm or cargo outlives cairn, writing into build directories the next build takes.
source "$(dirname "$0")/lib.sh"
require_tool npm
require_tool node nodejs
require_tool mkfifo coreutils

make_busybox_base "$WORK/base" busybox
PROJECT=$WORK/project
mkdir -p "$PROJECT/ui"
mkfifo "$WORK/started" "$WORK/held"
# The build script holds the fifo `held` open (read-write: that never blocks), says its pid,
# then sleeps: the test's reader of `held` sees end-of-file exactly when the script is gone.
cat >"$PROJECT/ui/package.json" <<JSON
{"name": "slow-ui", "version": "1.0.0", "private": true,
 "scripts": {"build": "exec 3<>$WORK/held; echo \$\$ >$WORK/started; exec sleep 1000"}}
JSON
cat >"$PROJECT/ui/package-lock.json" <<'JSON'
{"name": "slow-ui", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
 "packages": {"": {"name": "slow-ui", "version": "1.0.0"}}}
JSON
cat >"$PROJECT/cairn.toml" <<TOML
[image]
name = "slow"
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

"$CAIRN" build dev --local-only -C "$PROJECT" >"$OUT" 2>"$ERR" &
cairn_pid=$!
on_exit "kill -9 $cairn_pid"
sleeper=$(timeout 120 cat "$WORK/started") || fail "the build script never started: $(tail -5 "$ERR")"
on_exit "kill -9 $sleeper"
exec 7<"$WORK/held"  # at once: the script holds it open

kill -TERM "$cairn_pid"
status=0
wait "$cairn_pid" || status=$?
assert_eq 143 "$status" "cairn ends as SIGTERM ends a program"
holder_status=0
timeout 30 cat <&7 >/dev/null || holder_status=$?
exec 7<&-
assert_eq 0 "$holder_status" "the build script (pid $sleeper) ended with cairn (124: it outlived it)"
