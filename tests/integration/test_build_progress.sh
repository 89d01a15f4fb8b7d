#!/usr/bin/env bash
# What `cairn build` shows while it works: on a terminal (a pty from script(1)), a live line of
# phase, time and bytes, redrawn in place and erased at the end; in a log, timestamped lines
# and no terminal controls.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "script(1) is missing (Debian package bsdutils)"
export CAIRN_CACHE=$WORK/cache

# A project of files only (no cargo, no npm): the build is the layers and the write.
make_busybox_base "$WORK/base" busybox
PROJECT=$WORK/project
mkdir -p "$PROJECT/site"
head -c 4000000 /dev/urandom >"$PROJECT/site/data.bin"
echo hello >"$PROJECT/site/index.html"
cat >"$PROJECT/cairn.toml" <<TOML
[image]
name = "progress"
base = "oci:$WORK/base:busybox"
entrypoint = ["/bin/sh"]

[[files]]
src = "site"
dest = "/srv"

[profiles.dev]
registry = "127.0.0.1:5000"
tag = "v1"
TOML

# In a log: every line timestamped, no escape sequences.
cairn_ok build dev --local-only -C "$PROJECT" --output "oci:$WORK/out:log"
if grep -q $'\e' "$ERR"; then fail "terminal controls in a log: $(cat -v "$ERR" | head -3)"; fi
while IFS= read -r line; do
    [[ $line =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\  ]] ||
        fail "a status line without a timestamp: $line"
done <"$ERR"
assert_contains "$(cat "$ERR")" "built oci:$WORK/out:log" "the last line says what was built"
assert_not_contains "$(cat "$ERR")" "base cargo-" "a project of files alone makes no base"
# Each phase says when it starts and ends, so a CI log shows where the time went.
for phase in base layers push; do
    assert_match "$(cat "$ERR")" "Z $phase: started" "the log says the $phase phase started"
    assert_match "$(cat "$ERR")" "Z $phase: done in [0-9]+\.[0-9]s" "the log says the $phase phase ended"
done

# On a terminal: the live line is drawn over itself ("\r", erase line) with the phase names,
# and the status lines carry no timestamps.
script -qfec "env TERM=xterm '$CAIRN' build dev --local-only -C '$PROJECT' --output 'oci:$WORK/out:tty'" \
    "$WORK/typescript" >"$WORK/tty.out" 2>&1 </dev/null || fail "cairn build on a pty failed: $(cat -v "$WORK/tty.out" | tail -3)"
tty=$(cat -v "$WORK/tty.out")
assert_match "$tty" '[|/\\-] base [0-9]+\.[0-9]s' "the live line shows the base phase"
assert_match "$tty" '[|/\\-] layers [0-9]+\.[0-9]s' "the live line shows the layers phase"
assert_match "$tty" '[|/\\-] push [0-9]+\.[0-9]s' "the live line shows the write phase"
assert_match "$tty" '\^M\^\[\[J[|/\\-] ' "the live lines are drawn over themselves"
assert_match "$tty" '\^M\^\[\[Jbuilt oci:' "the live lines are erased before the result"
if grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$WORK/tty.out"; then fail "timestamps on a terminal"; fi
assert_eq "$(layout_tag_digest "$WORK/out" log)" "$(layout_tag_digest "$WORK/out" tty)" \
    "the display changes nothing in the image"

# A long phase in a log: a line at least every 10 s, so a CI log never goes silent. npm here is a
# stand-in on PATH whose `run build` is silent for 12 s (the phase really is that long: this
# waits for no event, it is the work being reported).
command -v node >/dev/null || skip "node is missing (scripts/toolchain.sh installs it)"
mkdir -p "$WORK/fake-bin" "$WORK/slow/ui"
cat >"$WORK/fake-bin/npm" <<'SH'
#!/bin/sh
case "$1" in
    ci) exit 0 ;;
    run) sleep 12; mkdir -p out && echo slow >out/index.html ;;
    *) echo "fake npm: $*" >&2; exit 2 ;;
esac
SH
chmod +x "$WORK/fake-bin/npm"
echo '{"lockfileVersion": 3}' >"$WORK/slow/ui/package-lock.json"
cat >"$WORK/slow/cairn.toml" <<TOML
[image]
name = "slow"
base = "oci:$WORK/base:busybox"

[npm]
dir = "ui"
script = "build"
output = "out"
TOML
PATH=$WORK/fake-bin:$PATH cairn_ok build --local-only -C "$WORK/slow" --output "oci:$WORK/out:slow"
started=$(sed -n 's/^\([0-9T:-]*Z\) app build: started$/\1/p' "$ERR")
ended=$(sed -n 's/^\([0-9T:-]*Z\) app build: done in .*/\1/p' "$ERR")
[[ -n $started && -n $ended ]] || fail "no start or end line of the app build phase: $(head -c 600 "$ERR")"
# Between them, the phase's line with its time so far ("app build 10.0s").
between=$(awk -v s="$started" -v e="$ended" '$1 > s && $1 < e && / app build [0-9]+\.[0-9]s/' "$ERR")
[[ -n $between ]] || fail "the 12 s app build phase went silent in the log: $(head -c 800 "$ERR")"
note "during the long phase: $between"
