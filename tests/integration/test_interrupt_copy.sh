#!/usr/bin/env bash
# A copy or append stopped by SIGTERM or SIGINT (a CI job cancelled, ^C) removes its temporary
# files, says in one line what was interrupted and ends by the signal (143, 130); one killed
# outright (SIGKILL) leaves them out of blobs/sha256, where umoci gc still works, and the next
# run that takes the layout's or the cache's lock sweeps them, never those of a live run.
# The copies read from a registry through a proxy that sends 300 kB/s, so that they are caught
# in the middle of a blob.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_tool umoci
require_tool jq

mkdir -p "$WORK/app"
head -c 6000000 /dev/urandom >"$WORK/app/noise.bin"
cairn_ok append scratch --layer "$WORK/app:/app" --to "oci:$WORK/image:v1"
printf 'other\n' >"$WORK/other.txt"
cairn_ok append scratch --layer "$WORK/other.txt:/other.txt" --to "oci:$WORK/small:v1"

registry_start interrupt open
cairn_ok copy "oci:$WORK/image:v1" "$REGISTRY_HOST/app:v1"
fault_proxy_start '[
  {"method": "GET", "path": "^/v2/app/blobs/sha256:", "times": 100000, "action": "drip",
   "rate": 300000}
]'
SLOW=$PROXY_HOST/app:v1

# Starts cairn in the background with SIGINT at its default (a background job of a script
# ignores it, and cairn keeps an ignored signal ignored): CPID, its stderr in $WORK/bg.err.
start_cairn() {
    "$PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$CAIRN" "$@" >"$WORK/bg.out" 2>"$WORK/bg.err" &
    CPID=$!
    on_exit "kill -9 $CPID"
}

# Waits (bounded) until a file matching GLOB holds bytes: cairn is in the middle of writing it.
wait_for_partial() {  # GLOB
    local i file
    for ((i = 0; i < 1200; i++)); do
        for file in $1; do
            [[ -s $file ]] && return 0
        done
        kill -0 "$CPID" 2>/dev/null || fail "cairn ended before writing $1: $(cat "$WORK/bg.err")"
        sleep 0.05  # polling for a file a child process writes, bounded: not our own step
    done
    fail "no file matching $1 appeared"
}

# Sends SIGNAL to the background cairn and checks how it ended: STATUS, one error line naming
# WHAT and the signal.
stop_cairn() {  # SIGNAL STATUS WHAT
    kill -"$1" "$CPID"
    local status=0
    wait "$CPID" || status=$?
    assert_eq "$2" "$status" "exit status after SIG$1"
    [[ $1 == KILL ]] && return 0
    assert_eq 1 "$(grep -c '^cairn: error:' "$WORK/bg.err")" "error lines after SIG$1: $(cat "$WORK/bg.err")"
    assert_eq "cairn: error: $3 was interrupted by SIG$1; its temporary files are removed" \
        "$(grep '^cairn: error:' "$WORK/bg.err")" "the line said on SIG$1"
}

# No temporary file or directory of cairn anywhere under DIR, and umoci gc works on it.
assert_clean_layout() {  # DIR WHAT
    local left
    left=$(find "$1" -name '.tmp-*' -o -name '.cairn-*')
    assert_eq "" "$left" "$2: temporary files left"
    assert_layout_blobs_intact "$1"
    umoci gc --layout "$1" 2>"$WORK/gc.err" || fail "$2: umoci gc failed: $(cat "$WORK/gc.err")"
}

case_signals_into_a_layout() {
    local dest=$WORK/dest signal status
    cairn_ok copy "oci:$WORK/small:v1" "oci:$dest:old"
    cp "$dest/index.json" "$WORK/index.before"
    for signal in TERM:143 INT:130; do
        start_cairn copy "$SLOW" "oci:$dest:new" --jobs 1
        wait_for_partial "$dest/.cairn-incoming-*/.tmp-*"
        stop_cairn "${signal%:*}" "${signal#*:}" "cairn copy to oci:$dest:new"
        assert_clean_layout "$dest" "copy stopped by SIG${signal%:*}"
        cmp -s "$dest/index.json" "$WORK/index.before" || fail "index.json changed after SIG${signal%:*}"
    done
}
run_case signals_into_a_layout case_signals_into_a_layout

# SIGKILL: the partial blob stays, but beside blobs/ (umoci gc still works); the next copy into
# the layout removes it.
case_kill_into_a_layout() {
    local dest=$WORK/killed
    cairn_ok copy "oci:$WORK/small:v1" "oci:$dest:old"
    start_cairn copy "$SLOW" "oci:$dest:new" --jobs 1
    wait_for_partial "$dest/.cairn-incoming-*/.tmp-*"
    stop_cairn KILL 137
    compgen -G "$dest/.cairn-incoming-*" >/dev/null || fail "SIGKILL left no incoming directory (the case tests nothing)"
    ! compgen -G "$dest/blobs/sha256/.*" >/dev/null || fail "a temporary file is in blobs/sha256"
    umoci gc --layout "$dest" 2>"$WORK/gc.err" || fail "umoci gc fails after a SIGKILL: $(cat "$WORK/gc.err")"
    cairn_ok copy "oci:$WORK/small:v1" "oci:$dest:again"
    assert_clean_layout "$dest" "the copy after a SIGKILL"
}
run_case kill_into_a_layout case_kill_into_a_layout

# A copy running beside: its incoming directory is held, and another copy into the same layout
# (which sweeps) leaves it.
case_live_writer_is_not_swept() {
    local dest=$WORK/shared partial
    cairn_ok copy "oci:$WORK/small:v1" "oci:$dest:old"
    start_cairn copy "$SLOW" "oci:$dest:slow" --jobs 1
    wait_for_partial "$dest/.cairn-incoming-*/.tmp-*"
    partial=$(compgen -G "$dest/.cairn-incoming-*/.tmp-*" | head -n 1)
    cairn_ok copy "oci:$WORK/small:v1" "oci:$dest:beside"
    assert_exists "$partial" "the live copy's temporary file was swept by the other copy"
    stop_cairn TERM 143 "cairn copy to oci:$dest:slow"
    assert_clean_layout "$dest" "after the live copy was stopped"
}
run_case live_writer_is_not_swept case_live_writer_is_not_swept

# A layout the copy made is removed with it; an archive's staging directory too, and one a
# SIGKILL left is swept by the next copy to that archive.
case_new_targets() {
    start_cairn copy "$SLOW" "oci:$WORK/new-layout:v1" --jobs 1
    wait_for_partial "$WORK/new-layout/.cairn-incoming-*/.tmp-*"
    stop_cairn TERM 143 "cairn copy to oci:$WORK/new-layout:v1"
    assert_absent "$WORK/new-layout" "the layout an interrupted copy created"

    mkdir -p "$WORK/archives"
    start_cairn copy "$SLOW" "oci-archive:$WORK/archives/out.tar"
    wait_for_partial "$WORK/archives/.out.tar.cairn-*/layout/.cairn-incoming-*/.tmp-*"
    stop_cairn INT 130 "cairn copy to oci-archive:$WORK/archives/out.tar"
    assert_eq "" "$(ls -A "$WORK/archives")" "an interrupted copy to an oci-archive left files"

    start_cairn copy "$SLOW" "oci-archive:$WORK/archives/out.tar"
    wait_for_partial "$WORK/archives/.out.tar.cairn-*/layout/.cairn-incoming-*/.tmp-*"
    stop_cairn KILL 137
    compgen -G "$WORK/archives/.out.tar.cairn-*" >/dev/null || fail "SIGKILL left no staging directory"
    cairn_ok copy "oci:$WORK/small:v1" "oci-archive:$WORK/archives/out.tar"
    assert_eq "out.tar" "$(ls -A "$WORK/archives")" "the next copy to the archive sweeps a killed one's staging"
}
run_case new_targets case_new_targets

# The cache: a layer being compressed when the signal comes.
case_cache() {
    export CAIRN_CACHE=$WORK/cache-interrupt
    mkdir -p "$WORK/big"
    head -c 100000000 /dev/urandom >"$WORK/big/noise.bin"
    start_cairn append scratch --layer "$WORK/big:/big" --to "oci:$WORK/big-image:v1" --jobs 1
    wait_for_partial "$CAIRN_CACHE/.cairn-incoming-*/.tmp-*"
    stop_cairn TERM 143 "cairn append to oci:$WORK/big-image:v1"
    assert_eq "" "$(find "$CAIRN_CACHE" -name '.tmp-*' -o -name '.cairn-*')" "temporary files in the cache after SIGTERM"
    cairn_ok cache ls
    assert_not_contains "$(cat "$OUT")" "temporary files" "cache ls after SIGTERM"

    start_cairn append scratch --layer "$WORK/big:/big" --to "oci:$WORK/big-image:v1" --jobs 1
    wait_for_partial "$CAIRN_CACHE/.cairn-incoming-*/.tmp-*"
    stop_cairn KILL 137
    cairn_ok cache ls
    assert_match "$(cat "$OUT")" 'temporary files of interrupted runs: 1, [0-9.]+ [kMG]?B' "cache ls counts what SIGKILL left"
    cairn_ok append scratch --layer "$WORK/other.txt:/other.txt" --to "oci:$WORK/after-kill:v1"
    assert_eq "" "$(find "$CAIRN_CACHE" -name '.tmp-*' -o -name '.cairn-*')" "the next append sweeps the cache"
    cairn_ok cache ls
    assert_not_contains "$(cat "$OUT")" "temporary files" "cache ls after the sweep"
}
run_case cache case_cache

finish_cases
