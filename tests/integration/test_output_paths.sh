#!/usr/bin/env bash
# Outputs the user names are written the way GNU tar and skopeo write theirs: through a device,
# a FIFO or /dev/stdout (never replacing the node), to the target of a symbolic link, keeping
# an existing file's mode; and an output inside an input tree is never archived into itself.
# Judged for every command that writes a file: layer --to, export, copy to oci-archive: and
# docker-archive:, build --metrics. The machine's own /dev/null is never a target: the device
# here is a copy of it (1,3) made with mknod in the test's directory.
source "$(dirname "$0")/lib.sh"
require_tool jq
require_tool mkfifo coreutils

SRC=$WORK/src
mkdir -p "$SRC/sub"
printf 'hello\n' >"$SRC/hello.txt"
seq 1 20000 >"$SRC/sub/numbers.txt"
cairn_ok append scratch --layer "$SRC:/app" --to "oci:$WORK/layout:v1"
LAYOUT="oci:$WORK/layout:v1"

# A project of files alone (no cargo, no npm: nothing to compile) for `build --metrics`.
PROJECT=$WORK/project
mkdir -p "$PROJECT/files"
printf 'config\n' >"$PROJECT/files/app.conf"
cat >"$PROJECT/cairn.toml" <<TOML
[image]
name = "files-only"
base = "scratch"

[[files]]
src = "files"
dest = "/etc/app"

[profiles.dev]
registry = "127.0.0.1:5000"
tag = "v1"
TOML

# Each writer, given an output path ($1): writes to it, by its own means.
write_layer() { run_cairn layer "$SRC" --to "$1"; }
write_oci_archive() { run_cairn copy "$LAYOUT" "oci-archive:$1"; }
write_docker_archive() { run_cairn copy "$LAYOUT" "docker-archive:$1"; }
write_metrics() { run_cairn build dev --local-only -C "$PROJECT" --output "oci:$WORK/built:v1" --metrics "$1"; }
write_export() { run_cairn export "oci:$WORK/layout:v1" "$1"; }
WRITERS=(write_layer write_oci_archive write_docker_archive write_metrics write_export)

# What each writer writes to a plain new file, to compare with what reaches other outputs.
# (Metrics hold times: they are judged as JSON instead.)
reference_of() {  # WRITER -> path of its plain output
    local file=$WORK/reference-$1
    [[ -e $file ]] || { "$1" "$file"; ((RC == 0)) || { cat "$ERR" >&2; fail "$1 to a plain file failed"; }; }
    echo "$file"
}
assert_same_output() {  # WRITER FILE WHAT
    if [[ $1 == write_metrics ]]; then
        jq -e .digest "$2" >/dev/null || fail "$3: the metrics are not JSON with a digest"
    else
        cmp -s "$(reference_of "$1")" "$2" || fail "$3: the bytes differ from a plain file's"
    fi
}

# --- a device (a copy of /dev/null): written through, still the same device ---------------------
case_device() {
    if ! mknod "$WORK/null" c 1 3 2>/dev/null; then
        note "mknod is not allowed here: the device case is skipped"
        return 0
    fi
    chmod 0666 "$WORK/null"
    local writer
    for writer in "${WRITERS[@]}"; do
        "$writer" "$WORK/null"
        ((RC == 0)) || { cat "$ERR" >&2; fail "$writer to a device failed (exit $RC)"; }
        [[ -c $WORK/null ]] || fail "$writer replaced the device node with: $(stat -c %F "$WORK/null")"
        assert_eq "1,3 666" "$(stat -c '%t,%T %a' "$WORK/null")" "$writer: the device's numbers and mode"
    done
    ! compgen -G "$WORK/.tmp-*" >/dev/null || fail "temporary files left beside the device: $(ls -A "$WORK")"
    ! compgen -G "$WORK/.null*" >/dev/null || fail "a staging directory left beside the device"
}
run_case device case_device

# --- a FIFO with a reader: the reader gets the bytes, the FIFO stays ------------------------------
case_fifo() {
    local writer
    for writer in "${WRITERS[@]}"; do
        rm -f "$WORK/fifo" "$WORK/from-fifo"
        mkfifo "$WORK/fifo"
        timeout 120 cat "$WORK/fifo" >"$WORK/from-fifo" &
        local reader=$!
        "$writer" "$WORK/fifo"
        ((RC == 0)) || { kill "$reader" 2>/dev/null; cat "$ERR" >&2; fail "$writer to a FIFO failed"; }
        wait "$reader" || fail "$writer: the FIFO's reader did not get to the end"
        [[ -p $WORK/fifo ]] || fail "$writer replaced the FIFO"
        assert_same_output "$writer" "$WORK/from-fifo" "$writer through a FIFO"
    done
}
run_case fifo case_fifo

# --- /dev/stdout: to a file the shell opened, and to a pipe ---------------------------------------
case_stdout() {
    local writer
    for writer in write_layer write_oci_archive write_docker_archive write_export; do
        "$writer" /dev/stdout   # run_cairn sends stdout to $OUT, a file
        ((RC == 0)) || { cat "$ERR" >&2; fail "$writer to /dev/stdout failed"; }
        assert_same_output "$writer" "$OUT" "$writer to /dev/stdout (a file)"
    done
    [[ -L /dev/stdout ]] || fail "/dev/stdout is no longer a symbolic link"
    # The layer's report goes to stderr when its bytes go to stdout.
    write_layer /dev/stdout
    assert_contains "$(cat "$ERR")" "digest sha256:" "the layer's report on stderr"
    # Through a pipe.
    local piped
    piped=$("$CAIRN" layer "$SRC" --to /dev/stdout 2>/dev/null | sha256sum | cut -d' ' -f1)
    assert_eq "$(sha256_of "$(reference_of write_layer)")" "$piped" "the layer through a pipe"
    "$CAIRN" copy "$LAYOUT" "oci-archive:/dev/stdout" 2>/dev/null | tar -tf - >"$WORK/piped.list" ||
        fail "copy to oci-archive:/dev/stdout through a pipe"
    grep -qx 'index.json' "$WORK/piped.list" || fail "the piped oci-archive has no index.json"
}
run_case stdout case_stdout

# --- a symbolic link: its target is written, the link stays; a dangling one is created ---------
case_symlink() {
    local writer
    for writer in "${WRITERS[@]}"; do
        rm -rf "$WORK/links"
        mkdir -p "$WORK/links/real"
        printf 'old\n' >"$WORK/links/real/target"
        ln -s real/target "$WORK/links/link"
        "$writer" "$WORK/links/link"
        ((RC == 0)) || { cat "$ERR" >&2; fail "$writer to a symbolic link failed"; }
        [[ -L $WORK/links/link ]] || fail "$writer replaced the symbolic link"
        assert_same_output "$writer" "$WORK/links/real/target" "$writer through a link"
        ln -s real/new "$WORK/links/dangling"
        "$writer" "$WORK/links/dangling"
        ((RC == 0)) || { cat "$ERR" >&2; fail "$writer to a dangling link failed"; }
        [[ -L $WORK/links/dangling ]] || fail "$writer replaced the dangling link"
        assert_same_output "$writer" "$WORK/links/real/new" "$writer through a dangling link"
    done
}
run_case symlink case_symlink

# --- an existing file keeps its mode; a directory is refused -------------------------------------
case_mode() {
    local writer
    for writer in "${WRITERS[@]}"; do
        printf 'old\n' >"$WORK/private"
        chmod 0600 "$WORK/private"
        "$writer" "$WORK/private"
        ((RC == 0)) || { cat "$ERR" >&2; fail "$writer over a 0600 file failed"; }
        assert_eq 600 "$(stat -c %a "$WORK/private")" "$writer: the mode of the file it replaced"
        assert_same_output "$writer" "$WORK/private" "$writer over a 0600 file"
    done
    mkdir -p "$WORK/a-directory"
    expect_error 1 'a-directory.*is a directory' layer "$SRC" --to "$WORK/a-directory"
    expect_error 1 'a-directory' copy "$LAYOUT" "oci-archive:$WORK/a-directory"
}
run_case mode case_mode

# --- an output inside an input: left out, so the layer is the same on every run --------------
case_output_inside_input() {
    local tree=$WORK/tree digest1 digest2
    mkdir -p "$tree"
    printf 'data\n' >"$tree/data.txt"
    cairn_ok layer "$tree" --to "$tree/l.tar"
    digest1=$(layer_field digest)
    assert_contains "$(cat "$ERR")" "leaving out" "the warning for the output inside the input"
    cairn_ok layer "$tree" --to "$tree/l.tar"   # now l.tar exists before the walk too
    digest2=$(layer_field digest)
    assert_eq "$digest1" "$digest2" "layer DIR --to DIR/l.tar twice"
    tar -tzf "$tree/l.tar" >"$WORK/l.list"
    grep -qx 'data.txt' "$WORK/l.list" || fail "the layer lacks data.txt: $(cat "$WORK/l.list")"
    ! grep -E 'l\.tar|\.tmp-' "$WORK/l.list" || fail "the layer holds its own output"
    rm "$tree/l.tar"   # no longer this command's output: it would be archived
    "$CAIRN" layer "$tree" --to - >"$tree/stdout.tar" 2>/dev/null
    assert_eq "$digest1" "sha256:$(sha256_of "$tree/stdout.tar")" "layer DIR --to - > DIR/stdout.tar"
    rm "$tree/stdout.tar"
    # append: an archive target, a layout target and the cache inside the layer's input.
    local target first second
    for target in "oci-archive:$tree/image.tar" "docker-archive:$tree/image.docker.tar" "oci:$tree/layout:v1"; do
        cairn_ok append scratch --layer "$tree:/app" --to "$target"
        first=$(tr -d '\n' <"$OUT")
        cairn_ok append scratch --layer "$tree:/app" --to "$target"
        second=$(tr -d '\n' <"$OUT")
        assert_eq "$first" "$second" "append --layer DIR --to $target twice"
    done
    rm -rf "$tree"/image.tar "$tree"/image.docker.tar "$tree"/layout
    (
        export CAIRN_CACHE=$tree/cache
        cairn_ok append scratch --layer "$tree:/app" --to "oci:$WORK/cache-inside:v1"
        first=$(tr -d '\n' <"$OUT")
        cairn_ok append scratch --layer "$tree:/app" --to "oci:$WORK/cache-inside:v2"
        assert_eq "$first" "$(tr -d '\n' <"$OUT")" "append with the cache inside the layer's input"
    )
    rm -rf "$tree/cache"
    # build: [[files]] of the whole project, its default output (cairn-out/) and --metrics inside.
    local whole=$WORK/whole
    mkdir -p "$whole"
    printf 'x\n' >"$whole/x.txt"
    sed -e 's|src = "files"|src = "."|' "$PROJECT/cairn.toml" >"$whole/cairn.toml"
    cairn_ok build dev --local-only -C "$whole" --metrics "$whole/metrics.json"
    first=$(jq -r .digest "$whole/metrics.json")
    cairn_ok build dev --local-only -C "$whole" --metrics "$whole/metrics.json"
    assert_eq "$first" "$(jq -r .digest "$whole/metrics.json")" "build of [[files]] '.' twice (cairn-out/ and metrics inside)"
}
run_case output_inside_input case_output_inside_input

finish_cases
