#!/usr/bin/env bash
# Layer creation: `cairn layer` beside `tar | gzip -6`, `tar | pigz -6`, `tar | zstd -3 -T0`
# (alone, and with the two SHA-256s a layer needs) and `tar | sha256sum`, on the same ~100 MB
# tree, in one run. Prints times, sizes and ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
cairn=${CAIRN:?set CAIRN to the cairn binary}
for tool in gzip pigz zstd sha256sum; do  # a missing reference would time as a fast one
    command -v "$tool" >/dev/null || { echo "layer bench: $tool is missing (scripts/bench.sh installs it)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

kb=$(bench_make_tree "$work/tree")
tar -cf - -C "$work/tree" . >/dev/null  # warm the page cache
echo "layer bench: tree of $((kb / 1024)) MiB, $(nproc) cores, best of ${BENCH_RUNS:-3}"

t_sha=$(bench_best sh -c "tar -cf - -C '$work/tree' . | sha256sum")
t_gzip=$(bench_best sh -c "tar -cf - -C '$work/tree' . | gzip -6 > '$work/ref.gz'")
t_pigz=$(bench_best sh -c "tar -cf - -C '$work/tree' . | pigz -6 > '$work/ref.pigz'")
t_zstd=$(bench_best sh -c "tar -cf - -C '$work/tree' . | zstd -q -3 -T0 > '$work/ref.zst'")
# The same doing the hashing a layer needs (issue 11's reference): the tar's SHA-256 (the
# diff_id) and the compressed stream's (the digest), as cairn computes both.
t_zstd_hash=$(bench_best bash -c "tar -cf - -C '$work/tree' . | tee >(sha256sum > '$work/diff_id') |
    zstd -q -3 -T0 | tee '$work/ref-hashed.zst' | sha256sum > '$work/digest'")
t_cg=$(bench_best "$cairn" layer "$work/tree" --to "$work/cairn.tar.gz" --compression gzip)
t_cz=$(bench_best "$cairn" layer "$work/tree" --to "$work/cairn.tar.zst" --compression zstd)
t_cn=$(bench_best "$cairn" layer "$work/tree" --to "$work/cairn.tar" --compression none)

s_gzip=$(stat -c %s "$work/ref.gz")
s_pigz=$(stat -c %s "$work/ref.pigz")
s_zstd=$(stat -c %s "$work/ref.zst")
s_cg=$(stat -c %s "$work/cairn.tar.gz")
s_cz=$(stat -c %s "$work/cairn.tar.zst")

printf '%-28s %8s %12s\n' "command" "seconds" "bytes"
printf '%-28s %8s %12s\n' "tar | sha256sum" "$t_sha" "-"
printf '%-28s %8s %12s\n' "tar | gzip -6" "$t_gzip" "$s_gzip"
printf '%-28s %8s %12s\n' "tar | pigz -6" "$t_pigz" "$s_pigz"
printf '%-28s %8s %12s\n' "tar | zstd -3 -T0" "$t_zstd" "$s_zstd"
printf '%-28s %8s %12s\n' "the same + both sha256s" "$t_zstd_hash" "$s_zstd"
printf '%-28s %8s %12s\n' "cairn layer (none)" "$t_cn" "-"
printf '%-28s %8s %12s\n' "cairn layer (gzip)" "$t_cg" "$s_cg"
printf '%-28s %8s %12s\n' "cairn layer (zstd)" "$t_cz" "$s_cz"
echo "ratios (cairn / reference; time below 1.00 is faster, size at most 1.03 is the target):"
echo "  gzip time vs tar|pigz -6:   $(ratio "$t_cg" "$t_pigz")"
echo "  gzip time vs tar|gzip -6:   $(ratio "$t_cg" "$t_gzip")"
echo "  gzip size vs gzip -6:       $(ratio "$s_cg" "$s_gzip" 4)"
echo "  zstd time vs tar|zstd -T0:  $(ratio "$t_cz" "$t_zstd")"
echo "  zstd time vs tar|zstd -T0 with both sha256s: $(ratio "$t_cz" "$t_zstd_hash")"
echo "  zstd size vs zstd -3:       $(ratio "$s_cz" "$s_zstd" 4)"
echo "  tar+hash (none) vs tar|sha256sum: $(ratio "$t_cn" "$t_sha")"
