#!/usr/bin/env bash
# The ship phase of an app-only rebuild (`cairn build`: layers + push) beside the raw cost of
# its new bytes: tar | pigz -6 | sha256sum of the app tree, then a monolithic upload of that
# blob with curl, to the same local docker-registry, in one run. The runtime base grows from
# 10 MB to 500 MB: what cairn does for it (check each of its layers is already there) must not
# grow with it. Target: ratio <= 1.2 at every size, and flat.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
cairn=${CAIRN:?set CAIRN to the cairn binary}
sizes=(${BENCH_SHIP_SIZES:-10 50 200 500})  # MB of runtime base
runs=${BENCH_RUNS:-3}
work=$(mktemp -d)
cleanup() {
    bench_registry_stop
    rm -rf "$work"
}
trap cleanup EXIT
bench_registry_start "$work/registry"
host=$bench_registry_host
export CAIRN_CACHE=$work/cache

# The app: ~20 MB of real files (binaries, libraries), one of which every run changes.
app_kb=$(bench_make_tree "$work/app-tree" 20480)

# A runtime base of SIZE MB of incompressible data, in layers of at most 50 MB.
make_base() {
    local size=$1 part=0 left=$1 chunk layers=()
    mkdir -p "$work/base$size"
    while ((left > 0)); do
        chunk=$((left < 50 ? left : 50))
        head -c "$((chunk * 1024 * 1024))" /dev/urandom >"$work/base$size/part$part"
        layers+=(--layer "$work/base$size/part$part:/data/part$part")
        part=$((part + 1))
        left=$((left - chunk))
    done
    "$cairn" append scratch "${layers[@]}" --to "$host/base$size:v1" >/dev/null 2>&1
    rm -rf "$work/base$size"
    echo "$part"
}

make_project() {
    local size=$1 dir=$work/project$size
    mkdir -p "$dir"
    cp -a "$work/app-tree" "$dir/app"
    cat >"$dir/cairn.toml" <<TOML
[image]
name = "ship$size"
base = "$host/base$size:v1"
entrypoint = ["/srv/usr/bin/true"]

[[files]]
src = "app"
dest = "/srv"

[profiles.bench]
registry = "$host"
tag = "v1"
TOML
    echo "$dir"
}

# cairn: an app-only rebuild; prints seconds of its layers and push phases together.
ship_cairn() {
    local project=$1
    "$cairn" build bench -C "$project" --no-deploy --metrics "$work/metrics.json" >/dev/null 2>&1
    jq -r '.seconds.layers + .seconds.push' "$work/metrics.json"
}

# The reference: hash + compress + upload of just the app layer, as bare tools do it.
ship_reference() {
    local project=$1 start end digest location
    start=$(date +%s.%N)
    digest=sha256:$(tar -C "$project" -cf - app | pigz -6 | tee "$work/ref.blob" | sha256sum | cut -d' ' -f1)
    location=$(curl -sf -X POST -D - -o /dev/null "http://$host/v2/reference/blobs/uploads/" |
        tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
    [[ $location == http* ]] || location="http://$host$location"
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' \
        --data-binary @"$work/ref.blob" "$location&digest=$digest" -o /dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

min() { if [[ -z $1 ]] || (($(echo "$2 < $1" | bc -l))); then echo "$2"; else echo "$1"; fi; }

echo "ship bench: app layer of $((app_kb / 1024)) MiB changed each run, runtime base of" \
    "${sizes[*]} MB, $(nproc) cores, best of $runs"
printf '%-10s %7s %10s %10s %7s\n' "base MB" "layers" "cairn s" "ref s" "ratio"
first_cairn=""
for size in "${sizes[@]}"; do
    base_layers=$(make_base "$size")
    project=$(make_project "$size")
    # The first build pushes the app layer and mounts the base's layers into the repository.
    "$cairn" build bench -C "$project" --no-deploy >/dev/null 2>&1
    best_cairn="" best_ref=""
    for ((run = 0; run < runs; run++)); do
        echo "run $run $RANDOM" >"$project/app/version.txt"
        best_cairn=$(min "$best_cairn" "$(ship_cairn "$project")")
        best_ref=$(min "$best_ref" "$(ship_reference "$project")")
    done
    [[ -n $first_cairn ]] || first_cairn=$best_cairn
    printf '%-10s %7s %10.3f %10.3f %7s\n' "$size" "$base_layers" "$best_cairn" "$best_ref" \
        "$(ratio "$best_cairn" "$best_ref")"
    last_cairn=$best_cairn
done
echo "ratios (cairn ship / raw cost of the new layer; target <= 1.20): column above"
echo "flatness (cairn ship at ${sizes[-1]} MB / at ${sizes[0]} MB base): $(ratio "$last_cairn" "$first_cairn")"
