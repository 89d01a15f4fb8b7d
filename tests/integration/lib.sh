# Shared helpers for cairn's integration tests. Every test starts with
#   source "$(dirname "$0")/lib.sh"
# and then judges cairn's output with independent tools (GNU tar, sha256sum, gzip, zstd,
# jq, skopeo, umoci, oci-image-tool, runc).
#
# Environment: CAIRN (the binary, required), CAIRN_SOURCE_DIR (the repository root).
# Exit status: 0 pass, 77 skip (with the reason printed), anything else fail.

set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true

TEST_NAME=$(basename "$0" .sh)

if [[ -z ${CAIRN:-} ]]; then
    echo "$TEST_NAME: CAIRN must name the cairn binary" >&2
    exit 1
fi
if [[ ! -x $CAIRN ]]; then
    echo "$TEST_NAME: CAIRN=$CAIRN is not an executable file" >&2
    exit 1
fi
CAIRN=$(realpath "$CAIRN")
export CAIRN

# One scratch directory per test, removed whatever happens.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-$TEST_NAME.XXXXXX")
CLEANUPS=()

# Runs `command…` (a string, eval'd) when the test ends, before the scratch dir goes.
on_exit() { CLEANUPS+=("$1"); }

# Runs the cleanups registered from index FROM on, newest first.
_run_cleanups() {  # FROM
    local i
    for ((i = ${#CLEANUPS[@]} - 1; i >= $1; i--)); do eval "${CLEANUPS[i]}" >/dev/null 2>&1; done
}

_lib_cleanup() {
    local status=$?
    set +e
    _run_cleanups 0
    chmod -R u+rwX "$WORK" 2>/dev/null
    rm -rf "$WORK"
    case $status in
        0) echo "PASS: $TEST_NAME" ;;
        77) ;;
        *) echo "FAIL: $TEST_NAME (exit $status)" >&2 ;;
    esac
    exit "$status"
}
trap _lib_cleanup EXIT
trap 'exit 130' INT TERM HUP

# Same inputs for every run, wherever it runs.
export LC_ALL=C.UTF-8 TZ=UTC
export CAIRN_CACHE=$WORK/cache
export XDG_CACHE_HOME=$WORK/xdg-cache
unset SOURCE_DATE_EPOCH
umask 022

fail() {
    echo "FAIL: $TEST_NAME: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $TEST_NAME: $*"
    exit 77
}

note() { echo "# $*"; }

require_tool() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (Debian package: ${2:-$1})"
}

assert_eq() {  # EXPECTED ACTUAL WHAT
    [[ $1 == "$2" ]] || fail "$3: expected '$1', got '$2'"
}

assert_ne() {  # A B WHAT
    [[ $1 != "$2" ]] || fail "$3: both are '$1'"
}

assert_contains() {  # HAYSTACK NEEDLE WHAT
    [[ $1 == *"$2"* ]] || fail "$3: '$2' not found in: $1"
}

assert_not_contains() {  # HAYSTACK NEEDLE WHAT
    [[ $1 != *"$2"* ]] || fail "$3: '$2' found in: $1"
}

assert_match() {  # TEXT ERE WHAT
    [[ $1 =~ $2 ]] || fail "$3: '$1' does not match /$2/"
}

assert_exists() { [[ -e $1 || -L $1 ]] || fail "${2:-$1 should exist}"; }
assert_absent() { [[ ! -e $1 && ! -L $1 ]] || fail "${2:-$1 should not exist}"; }

sha256_of() {  # FILE -> hex
    sha256sum <"$1" | cut -d' ' -f1
}

assert_blob_digest() {  # FILE sha256:HEX WHAT
    local actual
    actual=sha256:$(sha256_of "$1")
    assert_eq "$2" "$actual" "$3"
}

# The uncompressed stream of a layer blob, whatever its compression (judged by magic bytes,
# decompressed by gzip/zstd themselves, not by cairn).
decompress() {  # FILE
    local magic
    magic=$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')
    case $magic in
        1f8b*) gzip -dc <"$1" ;;
        28b52ffd) zstd -dcq <"$1" ;;
        *) cat "$1" ;;
    esac
}

# --- running cairn ----------------------------------------------------------------------

# Runs cairn with a time limit; its stdout/stderr end in $OUT/$ERR (files) and its exit
# status in $RC. A crash, a hang or sanitizer output fails the test at once.
OUT=$WORK/cairn.stdout
ERR=$WORK/cairn.stderr
RC=0
CAIRN_TIMEOUT=120
run_cairn() {
    RC=0
    timeout -k 5 "$CAIRN_TIMEOUT" "$CAIRN" "$@" >"$OUT" 2>"$ERR" || RC=$?
    if ((RC == 124 || RC == 137)); then
        fail "cairn $* did not finish within $CAIRN_TIMEOUT s"
    fi
    if ((RC >= 128)); then
        cat "$ERR" >&2
        fail "cairn $* crashed (exit $RC)"
    fi
    if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|terminate called|Assertion .* failed' "$ERR"; then
        cat "$ERR" >&2
        fail "cairn $* reported a crash or undefined behaviour on stderr"
    fi
}

# Runs cairn and insists on success; its stdout is then in $OUT.
cairn_ok() {
    run_cairn "$@"
    if ((RC != 0)); then
        cat "$ERR" >&2
        fail "cairn $* failed with exit $RC"
    fi
}

# Runs cairn and insists that it fails the documented way: exit CODE, and exactly one
# line on stderr beginning "cairn: error:", the last one (status lines may come before
# it), matching the extended regex PATTERN (case-insensitive).
expect_error() {  # CODE PATTERN ARGS…
    local code=$1 pattern=$2
    shift 2
    run_cairn "$@"
    if ((RC != code)); then
        cat "$ERR" >&2
        fail "cairn $*: expected exit $code, got $RC"
    fi
    local count last
    count=$(grep -c '^cairn: error:' "$ERR" || true)
    if ((count != 1)); then
        cat "$ERR" >&2
        fail "cairn $*: expected exactly one 'cairn: error:' line on stderr, got $count"
    fi
    last=$(tail -n 1 "$ERR")
    [[ $last == "cairn: error:"* ]] || fail "cairn $*: the error is not the last stderr line: $last"
    grep -qiE -- "$pattern" <<<"$last" || fail "cairn $*: error line does not match /$pattern/: $last"
}

# The value of a `key value` line of `cairn layer`'s stdout.
layer_field() {  # KEY
    awk -v key="$1" '$1 == key { print $2 }' "$OUT"
}

# --- inspecting an OCI layout with jq ---------------------------------------------------

# The manifest digest a layout's index.json gives for TAG.
layout_tag_digest() {  # DIR TAG
    jq -r --arg tag "$2" \
        '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' \
        "$1/index.json"
}

blob_path() {  # DIR sha256:HEX
    echo "$1/blobs/${2%%:*}/${2#*:}"
}

# Every blob of a layout is named by the sha256 of its bytes.
assert_layout_blobs_intact() {  # DIR
    local blob name
    for blob in "$1"/blobs/sha256/*; do
        [[ -e $blob ]] || continue   # no blobs at all
        name=$(basename "$blob")
        [[ $(sha256_of "$blob") == "$name" ]] || fail "blob $blob does not hash to its name"
    done
}

# --- source trees ------------------------------------------------------------------------

# A listing of everything under DIR that a layer must carry: path, type, permission bits
# (with setuid/sticky), size of regular files, symlink target, link count of files.
tree_listing() {  # DIR
    (cd "$1" && find . -mindepth 1 -printf '%P|%y|%#m|%l\n' | while IFS='|' read -r path type mode link; do
        case $type in
            f) printf '%s|f|%s|%s|nlink=%s\n' "$path" "$mode" "$(stat -c %s -- "$path")" "$(stat -c %h -- "$path")" ;;
            l) printf '%s|l|%s\n' "$path" "$link" ;;
            *) printf '%s|%s|%s\n' "$path" "$type" "$mode" ;;
        esac
    done | LC_ALL=C sort)
}

# DIR_A and DIR_B hold the same tree: names, types, modes, sizes, link targets, hardlinks
# and file contents.
assert_same_tree() {  # EXPECTED ACTUAL WHAT
    local expected actual
    expected=$(tree_listing "$1")
    actual=$(tree_listing "$2")
    if [[ $expected != "$actual" ]]; then
        diff <(echo "$expected") <(echo "$actual") >&2 || true
        fail "$3: trees differ (< expected $1, > actual $2)"
    fi
    diff -r --no-dereference "$1" "$2" >&2 || fail "$3: file contents differ"
    local one two
    one=$(stat -c %i "$2/hard/one")
    two=$(stat -c %i "$2/hard/two")
    assert_eq "$one" "$two" "$3: hard/one and hard/two are one inode"
}

LONG_DIR=long/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})
LONG_NAME=$(printf 'n%.0s' {1..196}).txt   # a 200-byte file name

# The rich source tree the layer tests use. ORDER "reverse" creates it in another order
# (and the hardlink pair the other way round); the result is the same tree. Modes are set
# explicitly (they are content); mtimes are left as they fall. OWNER (uid:gid, as root
# only) gives every entry that owner, which a layer must not carry.
make_test_tree() {  # DIR [forward|reverse] [OWNER]
    local root=$1 order=${2:-forward} owner=${3:-}
    local -a steps=(
        "mkdir -p nested/a/b/c && printf 'deep\n' > nested/a/b/c/deep.txt"
        "printf 'hello\n' > plain.txt"
        "printf '#!/bin/sh\necho run\n' > run.sh"
        "printf 'secret\n' > secret"
        "printf '\177ELF pretend\n' > suid-bin"
        ": > empty-file"
        "seq 1 400000 > big.txt"
        "mkdir -p links && ln -s ../plain.txt links/relative && ln -s /etc/hostname links/absolute && ln -s does/not/exist links/dangling"
        "mkdir -p empty"
        "mkdir -p '$LONG_DIR' && printf 'long path\n' > '$LONG_DIR/file.txt' && printf 'long name\n' > '$LONG_DIR/$LONG_NAME'"
        "mkdir -p 'ünïcødé' && printf 'юникод\n' > 'ünïcødé/файл.txt'"
        "mkdir -p 'with space' && printf 'spaced\n' > 'with space/a file.txt'"
    )
    if [[ $order == forward ]]; then
        steps+=("mkdir -p hard && printf 'linked\n' > hard/one && ln hard/one hard/two")
    else
        steps+=("mkdir -p hard && printf 'linked\n' > hard/two && ln hard/two hard/one")
    fi
    mkdir -p "$root"
    local i
    if [[ $order == forward ]]; then
        for ((i = 0; i < ${#steps[@]}; i++)); do (cd "$root" && eval "${steps[i]}"); done
    else
        for ((i = ${#steps[@]} - 1; i >= 0; i--)); do (cd "$root" && eval "${steps[i]}"); done
    fi
    # chown clears setuid bits: owners first, modes after.
    [[ -z $owner ]] || chown -hR "$owner" "$root"
    (
        cd "$root"
        find . -type d -exec chmod 0755 {} +
        chmod 0750 empty
        chmod 0700 nested/a
        find . -type f -exec chmod 0644 {} +
        chmod 0755 run.sh
        chmod 0600 secret
        chmod 4755 suid-bin
    )
}

# A small runnable base image, written by cairn itself, from Debian's busybox-static:
# /bin/busybox, /bin/sh and friends as symlinks to it, /tmp (1777), entrypoint /bin/sh,
# PATH=/bin. Sets BASE_DIGEST to the manifest digest cairn printed.
make_busybox_base() {  # DIR TAG
    local dir=$1 tag=$2 busybox=/bin/busybox
    [[ -x $busybox ]] || skip "$busybox is missing (Debian package busybox-static)"
    if ! LC_ALL=C file -L "$busybox" 2>/dev/null | grep -q 'statically linked' &&
        ldd "$busybox" >/dev/null 2>&1; then
        skip "$busybox is dynamically linked (install busybox-static)"
    fi
    local rootfs
    rootfs=$(mktemp -d "$WORK/busybox-rootfs.XXXXXX")
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
    cp "$busybox" "$rootfs/bin/busybox"
    chmod 0755 "$rootfs/bin/busybox"
    local applet
    for applet in sh echo cat ls id env true false; do ln -s busybox "$rootfs/bin/$applet"; done
    chmod 0755 "$rootfs" "$rootfs/bin" "$rootfs/etc"
    chmod 1777 "$rootfs/tmp"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
    printf 'root:x:0:\n' >"$rootfs/etc/group"
    chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"
    cairn_ok append scratch --layer "$rootfs:/" --to "oci:$dir:$tag" --entrypoint '["/bin/sh"]' \
        --env PATH=/bin
    rm -rf "$rootfs"
    BASE_DIGEST=$(tr -d '\n' <"$OUT")
    assert_match "$BASE_DIGEST" '^sha256:[0-9a-f]{64}$' "digest printed by cairn append scratch"
}

# The image TAG of layout DIR is consistent, judged with jq, sha256sum, gzip and zstd:
# manifest and config blobs match their descriptors; every layer blob exists, matches its
# digest and size, is compressed as its media type says, and decompresses to the config's
# diff_id at the same position; history has one non-empty entry per layer.
assert_image_consistent() {  # DIR TAG
    local dir=$1 tag=$2 digest manifest config count i
    digest=$(layout_tag_digest "$dir" "$tag")
    [[ $digest == sha256:* ]] || fail "$dir/index.json has no manifest tagged $tag"
    manifest=$(blob_path "$dir" "$digest")
    assert_blob_digest "$manifest" "$digest" "$dir:$tag manifest blob"
    assert_eq "$(jq -r --arg d "$digest" '.manifests[] | select(.digest == $d) | .size' "$dir/index.json" | head -n 1)" \
        "$(stat -c %s "$manifest")" "$dir:$tag manifest size in index.json"
    assert_eq 2 "$(jq -r .schemaVersion "$manifest")" "$dir:$tag manifest schemaVersion"
    config=$(blob_path "$dir" "$(jq -r .config.digest "$manifest")")
    assert_blob_digest "$config" "$(jq -r .config.digest "$manifest")" "$dir:$tag config blob"
    assert_eq "$(jq -r .config.size "$manifest")" "$(stat -c %s "$config")" "$dir:$tag config size"
    count=$(jq '.layers | length' "$manifest")
    assert_eq "$count" "$(jq '.rootfs.diff_ids | length' "$config")" "$dir:$tag: diff_ids per layer"
    assert_eq layers "$(jq -r .rootfs.type "$config")" "$dir:$tag rootfs.type"
    assert_eq "$count" "$(jq '[.history[]? | select(.empty_layer != true)] | length' "$config")" \
        "$dir:$tag: non-empty history entries per layer"
    for ((i = 0; i < count; i++)); do
        local layer_digest media_type size blob magic diff_id
        layer_digest=$(jq -r ".layers[$i].digest" "$manifest")
        media_type=$(jq -r ".layers[$i].mediaType" "$manifest")
        size=$(jq -r ".layers[$i].size" "$manifest")
        blob=$(blob_path "$dir" "$layer_digest")
        assert_exists "$blob" "$dir:$tag layer $i blob $layer_digest is missing"
        assert_blob_digest "$blob" "$layer_digest" "$dir:$tag layer $i blob"
        assert_eq "$size" "$(stat -c %s "$blob")" "$dir:$tag layer $i size"
        magic=$(head -c 4 "$blob" | od -An -tx1 | tr -d ' \n')
        case $media_type in
            *+gzip | *.tar.gzip) [[ $magic == 1f8b* ]] || fail "$dir:$tag layer $i is $media_type but not gzip" ;;
            *+zstd) [[ $magic == 28b52ffd ]] || fail "$dir:$tag layer $i is $media_type but not zstd" ;;
            *.tar) [[ $magic != 1f8b* && $magic != 28b52ffd ]] || fail "$dir:$tag layer $i is $media_type but compressed" ;;
            *) fail "$dir:$tag layer $i has an unexpected media type $media_type" ;;
        esac
        diff_id=sha256:$(decompress "$blob" | sha256sum | cut -d' ' -f1)
        assert_eq "$(jq -r ".rootfs.diff_ids[$i]" "$config")" "$diff_id" "$dir:$tag layer $i diff_id"
    done
}

# Independent cases in one test: `run_case NAME COMMAND…` runs COMMAND in a subshell (with
# errexit) and records a failure instead of stopping, so that one bug does not hide the
# next; `finish_cases` then fails the test if any case failed.
CASE_FAILURES=()
run_case() {  # NAME COMMAND…
    local name=$1 status=0
    shift
    set +e
    # A subshell inherits no EXIT trap: what the case starts (a registry, a proxy) is stopped
    # when the case ends, by the cleanups it registered itself.
    (
        set -e
        # (Inline, not a call of _run_cleanups: bash 5.2 fails "pop_var_context" when an EXIT
        # trap calls a function while a function is being left by `exit`.)
        trap '_case_status=$?; set +e
              for ((_case_i = ${#CLEANUPS[@]} - 1; _case_i >= '"${#CLEANUPS[@]}"'; _case_i--)); do
                  eval "${CLEANUPS[_case_i]}" >/dev/null 2>&1
              done
              exit $_case_status' EXIT
        "$@"
    )
    status=$?
    set -e
    if ((status != 0)); then
        CASE_FAILURES+=("$name")
        echo "# case failed: $name" >&2
    fi
}
finish_cases() {
    ((${#CASE_FAILURES[@]} == 0)) || fail "${#CASE_FAILURES[@]} case(s) failed: ${CASE_FAILURES[*]}"
}
