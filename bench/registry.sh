#!/usr/bin/env bash
# Push and pull of a ~100 MB image: `cairn copy` beside `skopeo copy`, to and from the same
# local docker-registry, in one run. Two images of the same files: one whose files are all in
# one layer (a single blob, so neither tool has anything to do side by side), and one whose
# files are dealt into four layers (as real images are several). Prints best-of-N times and
# ratios, and how much of cairn's push is the registry taking in its longest blob (from the
# registry's access log).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
cairn=${CAIRN:?set CAIRN to the cairn binary}
work=$(mktemp -d)
cleanup() {
    bench_registry_stop
    rm -rf "$work"
}
trap cleanup EXIT
bench_registry_start "$work/registry" info  # its access log gives each request's duration
host=$bench_registry_host

kb=$(bench_make_tree "$work/tree")
# The four-layer image: the tree's files dealt in name order into four directories.
i=0
while IFS= read -r -d '' file; do
    relative=${file#"$work/tree/"}
    part="$work/parts/$((i % 4))/$(dirname "$relative")"
    mkdir -p "$part"
    cp -p "$file" "$part/"
    i=$((i + 1))
done < <(find "$work/tree" -type f -print0 | sort -z)
CAIRN_CACHE="$work/cache" "$cairn" append scratch --layer "$work/tree:/" \
    --to "oci:$work/one:v1" >/dev/null 2>&1
parts=()
for dir in "$work"/parts/*; do parts+=(--layer "$dir:/"); done
CAIRN_CACHE="$work/cache" "$cairn" append scratch "${parts[@]}" \
    --to "oci:$work/four:v1" >/dev/null 2>&1
sync  # the copies' writeback is not timed with the first push
echo "registry bench: $((kb / 1024)) MiB of files, $(nproc) cores, best of ${BENCH_RUNS:-3}"

# The longest blob upload of the pushes to repositories named PREFIX<n>, as the registry timed
# it (the sum of the durations its access log gives that upload's PATCH and PUT requests; the
# blobs go side by side), best of the runs like the times. The rest of a push's wall time is the
# client's own.
longest_upload() {  # PREFIX
    python3 - "$work/registry/registry.log" "$1" <<'PY'
import re, sys
log, prefix = sys.argv[1], re.escape(sys.argv[2])
uploads = {}  # (repository, upload id) -> seconds
for line in open(log, errors="replace"):
    m = re.search(r'http\.request\.method=(PATCH|PUT) .*http\.request\.uri="/v2/(' + prefix +
                  r'\d+)/blobs/uploads/([0-9a-f-]+)', line)
    d = re.search(r'http\.response\.duration="?([0-9.]+)(ms|s|µs)', line)
    if m and d:
        key = (m.group(2), m.group(3))
        uploads[key] = uploads.get(key, 0.0) + float(d.group(1)) * {"ms": 1e-3, "s": 1.0, "µs": 1e-6}[d.group(2)]
longest = {}
for (repository, _), seconds in uploads.items():
    longest[repository] = max(longest.get(repository, 0.0), seconds)
if not longest:
    sys.exit("registry bench: the access log holds no blob upload of cairn's pushes")
print("%.3f" % min(longest.values()))
PY
}

run=0
push_cairn() {  # IMAGE
    run=$((run + 1))
    "$cairn" copy "oci:$work/$1:v1" "$host/cairn-$1-$run:v1" 2>/dev/null
}
push_skopeo() {  # IMAGE
    run=$((run + 1))
    # skopeo remembers where it saw each blob and would mount it from an earlier run's
    # repository instead of uploading: forget that, so both tools move the same bytes.
    rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb \
        "${HOME:-/root}/.local/share/containers/cache/blob-info-cache-v1.boltdb"
    skopeo copy -q --dest-tls-verify=false "oci:$work/$1:v1" "docker://$host/skopeo-$1-$run:v1"
}
pull_cairn() {  # IMAGE
    rm -rf "$work/pulled"
    "$cairn" copy "$host/cairn-$1-1:v1" "oci:$work/pulled:v1" 2>/dev/null
}
pull_skopeo() {  # IMAGE
    rm -rf "$work/pulled"
    skopeo copy -q --src-tls-verify=false "docker://$host/cairn-$1-1:v1" "oci:$work/pulled:v1"
}

printf '%-40s %8s\n' "command" "seconds"
for image in one four; do
    layers=$(jq '.layers | length' "$work/$image/blobs/sha256/$(jq -r '.manifests[0].digest' \
        "$work/$image/index.json" | cut -d: -f2)")
    t_push_cairn=$(bench_best push_cairn "$image")
    t_push_skopeo=$(bench_best push_skopeo "$image")
    t_push_registry=$(longest_upload "cairn-$image-")
    t_pull_cairn=$(bench_best pull_cairn "$image")
    t_pull_skopeo=$(bench_best pull_skopeo "$image")
    echo "image of $layers layer(s):"
    printf '  %-38s %8s\n' "cairn copy oci: -> registry" "$t_push_cairn"
    printf '  %-38s %8s\n' "  of it, the longest blob upload" "$t_push_registry"
    printf '  %-38s %8s\n' "skopeo copy oci: -> registry" "$t_push_skopeo"
    printf '  %-38s %8s\n' "cairn copy registry -> oci:" "$t_pull_cairn"
    printf '  %-38s %8s\n' "skopeo copy registry -> oci:" "$t_pull_skopeo"
    echo "  ratios (cairn / skopeo; below 1.00 is faster):"
    echo "    push: $(ratio "$t_push_cairn" "$t_push_skopeo")"
    echo "    push, cairn's own time beside the longest upload: $(difference "$t_push_cairn" "$t_push_registry") s"
    echo "    pull: $(ratio "$t_pull_cairn" "$t_pull_skopeo")"
done
