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

ratio() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
