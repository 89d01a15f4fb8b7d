#!/usr/bin/env bash
# Push and pull of a ~100 MB image: `cairn copy` beside `skopeo copy`, to and from the same
# local docker-registry, in one run. Prints best-of-N times and ratios, and how much of cairn's
# push is the registry taking in its longest blob (from the registry's access log).
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
# A layer per top directory of the tree, so parallel transfers have something to share.
layers=()
for dir in "$work"/tree/usr/*; do layers+=(--layer "$dir:/usr/$(basename "$dir")"); done
CAIRN_CACHE="$work/cache" "$cairn" append scratch "${layers[@]}" --to "oci:$work/image:v1" >/dev/null 2>&1
echo "registry bench: image of $((kb / 1024)) MiB in ${#layers[@]} layers, $(nproc) cores, best of ${BENCH_RUNS:-3}"

run=0
push_cairn() { run=$((run + 1)); "$cairn" copy "oci:$work/image:v1" "$host/cairn$run:v1" 2>/dev/null; }
push_skopeo() {
    run=$((run + 1))
    # skopeo remembers where it saw each blob and would mount it from an earlier run's
    # repository instead of uploading: forget that, so both tools move the same bytes.
    rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb \
        "${HOME:-/root}/.local/share/containers/cache/blob-info-cache-v1.boltdb"
    skopeo copy -q --dest-tls-verify=false "oci:$work/image:v1" "docker://$host/skopeo$run:v1"
}
pull_cairn() { rm -rf "$work/pulled"; "$cairn" copy "$host/cairn1:v1" "oci:$work/pulled:v1" 2>/dev/null; }
pull_skopeo() {
    rm -rf "$work/pulled"
    skopeo copy -q --src-tls-verify=false "docker://$host/cairn1:v1" "oci:$work/pulled:v1"
}

t_push_cairn=$(bench_best push_cairn)
t_push_skopeo=$(bench_best push_skopeo)
# Where a push's time goes: the longest blob upload as the registry timed it (the sum of the
# durations its access log gives that upload's PATCH and PUT requests; the blobs go side by side),
# best of the runs like the times. The rest of a push's wall time is the client's own.
t_push_registry=$(python3 - "$work/registry/registry.log" <<'PY'
import re, sys
uploads = {}  # (repository, upload id) -> seconds
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'http\.request\.method=(PATCH|PUT) .*http\.request\.uri="/v2/(cairn\d+)/blobs/uploads/([0-9a-f-]+)', line)
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
)
t_pull_cairn=$(bench_best pull_cairn)
t_pull_skopeo=$(bench_best pull_skopeo)

printf '%-34s %8s\n' "command" "seconds"
printf '%-34s %8s\n' "cairn copy oci: -> registry" "$t_push_cairn"
printf '%-34s %8s\n' "  of it, the longest blob upload" "$t_push_registry"
printf '%-34s %8s\n' "skopeo copy oci: -> registry" "$t_push_skopeo"
printf '%-34s %8s\n' "cairn copy registry -> oci:" "$t_pull_cairn"
printf '%-34s %8s\n' "skopeo copy registry -> oci:" "$t_pull_skopeo"
echo "ratios (cairn / skopeo; below 1.00 is faster):"
echo "  push: $(ratio "$t_push_cairn" "$t_push_skopeo")"
echo "  push, cairn's own time beside the longest upload: $(difference "$t_push_cairn" "$t_push_registry") s"
echo "  pull: $(ratio "$t_pull_cairn" "$t_pull_skopeo")"
