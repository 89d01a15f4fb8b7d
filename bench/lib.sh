# Shared helpers for the benchmarks: a test tree, best-of-N timing, ratio printing.

# Seconds (with fraction) of the fastest of $BENCH_RUNS runs of a command (stdout discarded).
bench_best() {
    local best="" start end elapsed i
    for ((i = 0; i < ${BENCH_RUNS:-3}; i++)); do
        start=$(date +%s.%N)
        "$@" >/dev/null
        end=$(date +%s.%N)
        elapsed=$(echo "$end - $start" | bc -l)
        if [[ -z $best ]] || (($(echo "$elapsed < $best" | bc -l))); then best=$elapsed; fi
    done
    printf '%.3f' "$best"
}

# A ~100 MB tree of real files (libraries, binaries, text) from this machine's /usr.
bench_make_tree() {
    local dest=$1 limit_kb=${2:-102400}
    mkdir -p "$dest"
    local total=0 size file
    while IFS= read -r -d '' file; do
        size=$(stat -c %s "$file")
        ((total + size / 1024 > limit_kb)) && break
        mkdir -p "$dest/$(dirname "$file")"
        cp -p "$file" "$dest/$file"
        total=$((total + size / 1024))
    done < <(find /usr/lib/x86_64-linux-gnu /usr/bin /usr/share/doc /usr/share/perl -xdev -type f \
        -size -20M -print0 2>/dev/null | sort -z)
    echo "$total"
}

ratio() { echo "scale=${3:-2}; $1 / $2" | bc -l | sed 's/^\./0./'; }  # A B [DIGITS]
# A - B in seconds, with its leading zero (bc prints .1 and -.1).
difference() { echo "$1 - $2" | bc -l | sed 's/^\(-\?\)\./\10./'; }

# Starts Debian's docker-registry on a free port of 127.0.0.1, storing under DIR; sets
# bench_registry_host and bench_registry_pid (the caller's exit trap kills it).
bench_registry_start() {  # DIR [LOG_LEVEL: error, or info for an access log with durations]
    local dir=$1 level=${2:-error} port i
    mkdir -p "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$dir/config.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$port
log:
  level: $level
YAML
    docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    bench_registry_pid=$!
    bench_registry_host=127.0.0.1:$port
    for ((i = 0; i < 100; i++)); do
        curl -sf "http://$bench_registry_host/v2/" >/dev/null && return 0
        sleep 0.1
    done
    echo "bench: docker-registry did not start: $(tail -3 "$dir/registry.log")" >&2
    return 1
}

# Kills the registry bench_registry_start started, if any.
bench_registry_stop() {
    if [[ -n ${bench_registry_pid:-} ]]; then
        kill "$bench_registry_pid" 2>/dev/null || true
        wait "$bench_registry_pid" 2>/dev/null || true
    fi
}
