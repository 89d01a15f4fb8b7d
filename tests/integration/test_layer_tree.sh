#!/usr/bin/env bash
# `cairn layer DIR:/app` on a tree with every kind of entry a layer must carry, in each
# compression; judged by sha256sum, gzip, zstd and GNU tar.
source "$(dirname "$0")/lib.sh"
require_tool tar
require_tool gzip
require_tool zstd

SRC=$WORK/src
owner=
if [[ $(id -u) == 0 ]]; then owner=65534:65534; fi   # a real host user a layer must not name
make_test_tree "$SRC" forward "$owner"

# Every layer path the tree must give: app, and app/<each path under SRC>.
expected_names=$( { echo app; (cd "$SRC" && find . -mindepth 1 -printf 'app/%P\n'); } | LC_ALL=C sort)

check_layer() {  # COMPRESSION MEDIA_TYPE
    local compression=$1 media_type=$2
    local blob=$WORK/layer-$compression
    cairn_ok layer "$SRC:/app" --to "$blob" --compression "$compression"

    # What cairn prints is what it wrote.
    local digest diff_id size
    digest=$(layer_field digest)
    diff_id=$(layer_field diff_id)
    size=$(layer_field size)
    assert_match "$digest" '^sha256:[0-9a-f]{64}$' "$compression: digest line"
    assert_blob_digest "$blob" "$digest" "$compression: printed digest vs sha256sum of the file"
    assert_eq "$(stat -c %s "$blob")" "$size" "$compression: printed size vs file size"
    assert_eq "$media_type" "$(layer_field media_type)" "$compression: media type"

    local tarball=$WORK/layer-$compression.tar
    case $compression in
        gzip)
            gzip -t <"$blob" || fail "gzip -t rejects the gzip layer"
            gzip -dc <"$blob" >"$tarball"
            # A fixed gzip header: no file name (FLG.FNAME) and MTIME 0.
            local header
            header=$(head -c 10 "$blob" | od -An -tu1 | tr -s ' ' | sed 's/^ //')
            read -r -a bytes <<<"$header"
            (((bytes[3] & 8) == 0)) || fail "gzip header stores a file name"
            assert_eq "0 0 0 0" "${bytes[4]} ${bytes[5]} ${bytes[6]} ${bytes[7]}" "gzip header MTIME"
            ;;
        zstd)
            assert_eq 28b52ffd "$(head -c 4 "$blob" | od -An -tx1 | tr -d ' \n')" "zstd magic"
            zstd -tq <"$blob" || fail "zstd -t rejects the zstd layer"
            zstd -dcq <"$blob" >"$tarball"
            ;;
        none)
            cp "$blob" "$tarball"
            assert_eq "$digest" "$diff_id" "uncompressed layer: digest equals diff_id"
            ;;
    esac
    assert_blob_digest "$tarball" "$diff_id" "$compression: printed diff_id vs sha256 of the decompressed tar"
    TARBALLS+=("$tarball")

    # GNU tar reads it without a word of complaint.
    local names listing
    names=$(tar -tf "$tarball" --quoting-style=literal 2>"$WORK/tar.err") || fail "tar -tf failed: $(cat "$WORK/tar.err")"
    [[ ! -s $WORK/tar.err ]] || fail "tar -tf warns: $(cat "$WORK/tar.err")"
    listing=$(tar -tvf "$tarball" --numeric-owner --full-time --quoting-style=literal)

    # Exactly the tree (so no FIFO, nothing extra), each entry once, sorted, parents first.
    local stripped
    # shellcheck disable=SC2001 # one substitution per line of a list
    stripped=$(sed 's:/$::' <<<"$names")
    LC_ALL=C sort -c -u <<<"$stripped" || fail "$compression: entries are not sorted byte-wise, or repeat"
    [[ $(head -n 1 <<<"$names") == app/ ]] || fail "$compression: the first entry is not app/"
    if [[ $stripped != "$expected_names" ]]; then
        diff <(echo "$expected_names") <(echo "$stripped") >&2 || true
        fail "$compression: the layer's entries are not the tree's (< tree, > layer)"
    fi
    local parent
    while IFS= read -r name; do
        parent=$(dirname "$name")
        [[ $parent == . ]] || grep -qxF -- "$parent/" <<<"$names" || fail "$compression: $name has no $parent/ entry"
    done <<<"$stripped"

    # uid/gid 0, numeric and by name; every mtime the epoch (no SOURCE_DATE_EPOCH).
    awk '$2 != "0/0" { print; bad = 1 } END { exit bad }' <<<"$listing" >&2 ||
        fail "$compression: an entry is not owned by 0/0"
    tar -tvf "$tarball" --full-time --quoting-style=literal |
        awk '$2 != "0/0" && $2 != "root/root" { print; bad = 1 } END { exit bad }' >&2 ||
        fail "$compression: an entry carries a host user or group name"
    awk '$4 " " $5 != "1970-01-01 00:00:00" { print; bad = 1 } END { exit bad }' <<<"$listing" >&2 ||
        fail "$compression: an mtime is not 0 without SOURCE_DATE_EPOCH"

    # One copy of the hardlinked content; the other name links to the first in order.
    grep -qE '^h.* app/hard/two link to app/hard/one$' <<<"$listing" ||
        fail "$compression: app/hard/two is not stored as a hardlink to app/hard/one"

    # Extracted by GNU tar, it is the source tree again.
    local out=$WORK/extract-$compression
    mkdir "$out"
    tar -xf "$tarball" -C "$out" --numeric-owner 2>"$WORK/tar.err" || fail "tar -x failed: $(cat "$WORK/tar.err")"
    [[ ! -s $WORK/tar.err ]] || fail "tar -x warns: $(cat "$WORK/tar.err")"
    assert_same_tree "$SRC" "$out/app" "$compression: extracted layer"
    assert_eq 4755 "$(stat -c %a "$out/app/suid-bin")" "$compression: setuid mode"
    assert_eq 600 "$(stat -c %a "$out/app/secret")" "$compression: 0600 mode"
    assert_eq 750 "$(stat -c %a "$out/app/empty")" "$compression: empty dir mode"
    assert_eq "" "$(ls -A "$out/app/empty")" "$compression: empty dir stays empty"
    assert_eq ../plain.txt "$(readlink "$out/app/links/relative")" "$compression: relative symlink"
    assert_eq /etc/hostname "$(readlink "$out/app/links/absolute")" "$compression: absolute symlink"
    assert_eq does/not/exist "$(readlink "$out/app/links/dangling")" "$compression: dangling symlink"
    assert_eq "" "$(find "$out" \( ! -uid 0 -o ! -gid 0 \) -print)" "$compression: extracted entries not owned by 0:0"
    rm -rf "$out" "$blob"
}

TARBALLS=()
check_layer gzip application/vnd.oci.image.layer.v1.tar+gzip
check_layer zstd application/vnd.oci.image.layer.v1.tar+zstd
check_layer none application/vnd.oci.image.layer.v1.tar
# The tar stream does not depend on the compression.
cmp "${TARBALLS[0]}" "${TARBALLS[1]}" || fail "the tar inside the gzip and the zstd layer differ"
cmp "${TARBALLS[0]}" "${TARBALLS[2]}" || fail "the tar inside the gzip layer and the uncompressed layer differ"

# --to -: the blob on stdout, the fields on stderr.
cairn_ok layer "$SRC:/app" --to -
stdout_digest=sha256:$(sha256_of "$OUT")
grep -qx "digest $stdout_digest" "$ERR" || fail "--to -: stderr does not give the digest of stdout ($stdout_digest): $(cat "$ERR")"
gzip -dc <"$OUT" | cmp - "${TARBALLS[0]}" || fail "--to - writes another layer than --to FILE"

# A FIFO is skipped with a warning, without blocking on it.
FIFO_SRC=$WORK/fifo-src
mkdir -p "$FIFO_SRC"
printf 'ok\n' >"$FIFO_SRC/ok.txt"
mkfifo "$FIFO_SRC/pipe"
CAIRN_TIMEOUT=20
cairn_ok layer "$FIFO_SRC:/app" --to "$WORK/fifo.tar.gz"
CAIRN_TIMEOUT=120
grep -qi 'warning.*pipe' "$ERR" || fail "no warning names the skipped FIFO: $(cat "$ERR")"
fifo_names=$(tar -tzf "$WORK/fifo.tar.gz")
assert_eq $'app/\napp/ok.txt' "$fifo_names" "layer of a tree with a FIFO"
