#!/usr/bin/env bash
# The npm step skipped (docs/steps.md): a project whose UI output is ~300 MB of real files
# (its `npm run build` copies public/ to out/), built twice with nothing changed. Beside it:
# the same rebuild with --no-skip (what every rebuild cost before steps were skipped: npm runs,
# the output is rewritten, and its layer is a full tar pass again), `npm run build` alone, and
# `tar -c out | sha256sum`, the floor a content pass over the output pays.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
cairn=${CAIRN:?set CAIRN to the cairn binary}
for tool in npm node; do
    command -v "$tool" >/dev/null || { echo "steps bench: skipped, $tool is missing" >&2; exit 0; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
project=$work/project
ui=$project/ui
kb=$(bench_make_tree "$ui/public" 307200)
cat >"$ui/package.json" <<'EOF'
{"name": "padded-ui", "version": "1.0.0", "private": true,
 "scripts": {"build": "node build.js"}}
EOF
cat >"$ui/package-lock.json" <<'EOF'
{"name": "padded-ui", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
 "packages": {"": {"name": "padded-ui", "version": "1.0.0"}}}
EOF
cat >"$ui/build.js" <<'EOF'
const fs = require('fs');
fs.rmSync(__dirname + '/out', { recursive: true, force: true });
fs.cpSync(__dirname + '/public', __dirname + '/out', { recursive: true });
EOF
cat >"$project/cairn.toml" <<'EOF'
[image]
name = "padded"
base = "scratch"

[npm]
dir = "ui"
output = "out"
EOF
export CAIRN_CACHE=$work/cache
build() { "$cairn" build -C "$project" --local-only --output "oci:$work/out:t" "$@" 2>>"$work/build.log"; }
t_first=$(BENCH_RUNS=1 bench_best build)
# Files younger than the racy window (2 s) are read again on purpose; let them age.
sleep 3
build >/dev/null 2>&1
t_skip=$(bench_best build)
t_no_skip=$(BENCH_RUNS=1 bench_best build --no-skip)
t_npm=$(BENCH_RUNS=1 bench_best sh -c "cd '$ui' && npm run build")
t_sha=$(bench_best sh -c "tar -cf - -C '$ui/out' . | sha256sum")
files=$(find "$ui/out" -type f | wc -l)
echo "steps bench: UI output of $((kb / 1024)) MiB in $files files, best of ${BENCH_RUNS:-3}"
printf '%-52s %8s\n' "cairn build, first (npm ci, npm run build, layer)" "$t_first"
printf '%-52s %8s\n' "cairn build, nothing changed (step skipped)" "$t_skip"
printf '%-52s %8s\n' "cairn build --no-skip (the step runs, as before)" "$t_no_skip"
printf '%-52s %8s\n' "npm run build alone" "$t_npm"
printf '%-52s %8s\n' "tar -c out | sha256sum" "$t_sha"
echo "ratios:"
echo "  skipped rebuild / --no-skip rebuild:      $(ratio "$t_skip" "$t_no_skip")"
echo "  skipped rebuild / tar | sha256sum:        $(ratio "$t_skip" "$t_sha")"
