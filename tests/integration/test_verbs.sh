#!/usr/bin/env bash
# The everyday verbs (ls, catalog, digest, manifest, config, tag, delete, mutate, rebase,
# export, login/logout with --authfile) and the global habits (--version, -q, -v,
# --tls-verify=false, completion, man, init) against Debian's real docker-registry on
# 127.0.0.1, each result judged by skopeo, umoci, jq, sha256sum or tar, not by cairn.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_tool skopeo
require_tool umoci
require_tool jq

registry_start verbs open
HOST=$REGISTRY_HOST
LOG=$REGISTRY_LOG
export DOCKER_CONFIG=$WORK/docker-config REGISTRY_AUTH_FILE=$WORK/no-auth.json

make_busybox_base "$WORK/base" v1
cairn_ok copy "oci:$WORK/base:v1" "$HOST/base:v1"
# A second base: the first one's files plus a security fix.
mkdir -p "$WORK/fix/etc"
echo "patched" >"$WORK/fix/etc/fixed"
cairn_ok append "$HOST/base:v1" --layer "$WORK/fix:/" --to "$HOST/base:v2"
mkdir -p "$WORK/app/bin"
printf '#!/bin/sh\necho verbs app\n' >"$WORK/app/bin/hello"
chmod 0755 "$WORK/app/bin/hello"
cairn_ok append "$HOST/base:v1" --layer "$WORK/app:/app" --to "$HOST/app:v1" \
    --entrypoint '["/app/bin/hello"]'
APP_DIGEST=$(tr -d '\n' <"$OUT")
skopeo inspect --tls-verify=false --raw "docker://$HOST/app:v1" >"$WORK/app.manifest"

# The registry's access-log lines of cairn's requests since `mark` (not skopeo's; the log's
# other lines are logrus's).
mark() { wc -l <"$LOG"; }
log_since() { tail -n +"$(($1 + 1))" "$LOG" | grep -E '^127\.0\.0\.1 - - .*"cairn/[^"]*"$' || true; }
# The digests of the blobs uploaded since MARK (each upload ends in a PUT …&digest=).
uploaded_since() { log_since "$1" | grep -oE '"PUT /v2/[^ ]*/blobs/uploads/[^ ]*digest=sha256%3A[0-9a-f]{64}' | sed 's/.*%3A/sha256:/' | sort -u; }
# Layers fetched since MARK: GETs of blobs other than the config CONFIG.
layers_fetched_since() { log_since "$1" | grep -E '"GET /v2/[^ ]*/blobs/sha256:' | grep -v "${2#sha256:}" || true; }

case_digest_manifest_config() {
    cairn_ok digest "$HOST/app:v1"
    assert_eq "$(skopeo_digest "$HOST/app:v1")" "$(tr -d '\n' <"$OUT")" "cairn digest against skopeo"
    cairn_ok digest --json "$HOST/app:v1"
    assert_eq "$APP_DIGEST" "$(jq -r .digest "$OUT")" "cairn digest --json"
    cairn_ok manifest "$HOST/app:v1"
    assert_eq "$APP_DIGEST" "sha256:$(sha256sum <"$OUT" | cut -d' ' -f1)" "cairn manifest prints the stored bytes"
    cmp -s "$OUT" "$WORK/app.manifest" || fail "cairn manifest differs from skopeo inspect --raw"
    cairn_ok config "$HOST/app:v1"
    assert_eq "$(jq -r .config.digest "$WORK/app.manifest")" "sha256:$(sha256sum <"$OUT" | cut -d' ' -f1)" \
        "cairn config prints the stored config"
    assert_eq '["/app/bin/hello"]' "$(jq -c .config.Entrypoint "$OUT")" "the config's entrypoint"
    cairn_ok digest "oci:$WORK/base:v1"
    assert_eq "$BASE_DIGEST" "$(tr -d '\n' <"$OUT")" "cairn digest of a layout"
    expect_error 1 'no-such' digest "$HOST/no-such:v1"
}
run_case digest_manifest_config case_digest_manifest_config

case_tag_and_ls() {
    local before
    before=$(mark)
    cairn_ok tag "$HOST/app:v1" v1.0.1
    assert_eq "$APP_DIGEST" "$(tr -d '\n' <"$OUT")" "cairn tag prints the digest"
    assert_eq "$APP_DIGEST" "$(skopeo_digest "$HOST/app:v1.0.1")" "skopeo sees the new tag"
    assert_eq "" "$(uploaded_since "$before")" "cairn tag uploads no blob"
    assert_eq "" "$(layers_fetched_since "$before" none)" "cairn tag downloads no blob"
    cairn_ok ls "$HOST/app"
    assert_eq "$(skopeo list-tags --tls-verify=false "docker://$HOST/app" | jq -r '.Tags[]' | sort)" \
        "$(sort "$OUT")" "cairn ls against skopeo list-tags"
    assert_contains "$(cat "$OUT")" "v1.0.1" "the new tag is listed"
    cairn_ok ls --json "$HOST/app"
    assert_eq 2 "$(jq '.tags | length' "$OUT")" "tags in cairn ls --json"
    expect_error 2 'not a tag' tag "$HOST/app:v1" 'bad/tag'
    expect_error 2 'repository' ls "$HOST/app:v1"
    cairn_ok tag "oci:$WORK/base:v1" again
    assert_eq "$BASE_DIGEST" "$(layout_tag_digest "$WORK/base" again)" "cairn tag in a layout"
}
run_case tag_and_ls case_tag_and_ls

case_catalog() {
    cairn_ok catalog "$HOST"
    assert_eq "$(printf 'app\nbase')" "$(sort "$OUT")" "cairn catalog"
    cairn_ok catalog --json "$HOST"
    assert_eq '["app","base"]' "$(jq -c '.repositories | sort' "$OUT")" "cairn catalog --json"
}
run_case catalog case_catalog

case_mutate() {
    local before
    before=$(mark)
    cairn_ok mutate "$HOST/app:v1" --env GREETING=hi --label org.example.team=core \
        --cmd '["--loud"]' --user 1000:1000 --workdir /app --to "$HOST/app:mutated"
    local digest
    digest=$(tr -d '\n' <"$OUT")
    assert_eq "$digest" "$(skopeo_digest "$HOST/app:mutated")" "skopeo's digest of the mutated image"
    skopeo inspect --tls-verify=false --raw "docker://$HOST/app:mutated" >"$WORK/mutated.manifest"
    assert_eq "$(jq -r .config.digest "$WORK/mutated.manifest")" "$(uploaded_since "$before")" \
        "cairn mutate uploads the new config alone"
    assert_eq "" "$(layers_fetched_since "$before" "$(jq -r .config.digest "$WORK/app.manifest")")" \
        "cairn mutate downloads no layer"
    skopeo inspect --tls-verify=false --config "docker://$HOST/app:mutated" >"$WORK/mutated.config"
    assert_contains "$(jq -r '.config.Env[]' "$WORK/mutated.config")" "GREETING=hi" "mutated env"
    assert_eq core "$(jq -r '.config.Labels["org.example.team"]' "$WORK/mutated.config")" "mutated label"
    assert_eq '["--loud"]' "$(jq -c .config.Cmd "$WORK/mutated.config")" "mutated cmd"
    assert_eq 1000:1000 "$(jq -r .config.User "$WORK/mutated.config")" "mutated user"
    assert_eq '["/app/bin/hello"]' "$(jq -c .config.Entrypoint "$WORK/mutated.config")" "entrypoint kept"
    assert_eq "$(jq -c '[.layers[].digest]' "$WORK/app.manifest")" \
        "$(jq -c '[.layers[].digest]' "$WORK/mutated.manifest")" "mutate keeps every layer"
    expect_error 2 'KEY=VALUE' mutate "$HOST/app:v1" --env NOEQUALS --to "$HOST/app:bad"
}
run_case mutate case_mutate

case_rebase() {
    local before
    before=$(mark)
    cairn_ok rebase "$HOST/app:v1" --old-base "$HOST/base:v1" --new-base "$HOST/base:v2" \
        --to "$HOST/app:rebased"
    local digest
    digest=$(tr -d '\n' <"$OUT")
    assert_eq "$digest" "$(skopeo_digest "$HOST/app:rebased")" "skopeo's digest of the rebased image"
    skopeo inspect --tls-verify=false --raw "docker://$HOST/base:v2" >"$WORK/base2.manifest"
    skopeo inspect --tls-verify=false --raw "docker://$HOST/app:rebased" >"$WORK/rebased.manifest"
    assert_eq "$(jq -c "[.layers[].digest] + [$(jq '.layers[-1].digest' "$WORK/app.manifest")]" "$WORK/base2.manifest")" \
        "$(jq -c '[.layers[].digest]' "$WORK/rebased.manifest")" "the new base's layers, then the app's"
    assert_eq "$(jq -r .config.digest "$WORK/rebased.manifest")" "$(uploaded_since "$before")" \
        "cairn rebase uploads the new config alone (the new base's layers are mounted)"
    skopeo copy -q --src-tls-verify=false "docker://$HOST/app:rebased" "oci:$WORK/rebased:v1"
    umoci unpack --image "$WORK/rebased:v1" "$WORK/rebased-bundle" >/dev/null
    assert_eq patched "$(cat "$WORK/rebased-bundle/rootfs/etc/fixed")" "the new base's fix is in the image"
    assert_exists "$WORK/rebased-bundle/rootfs/app/bin/hello" "the app layer survived the rebase"
    expect_error 1 'not built on it' rebase "$HOST/base:v1" --old-base "$HOST/app:v1" \
        --new-base "$HOST/base:v2" --to "$HOST/app:wrong"
}
run_case rebase case_rebase

case_export() {
    cairn_ok export "$HOST/app:v1" "$WORK/app.tar"
    skopeo copy -q --src-tls-verify=false "docker://$HOST/app:v1" "oci:$WORK/exported:v1"
    umoci unpack --image "$WORK/exported:v1" "$WORK/export-bundle" >/dev/null
    mkdir -p "$WORK/export-tree"
    tar -xf "$WORK/app.tar" -C "$WORK/export-tree"
    assert_eq "$(cd "$WORK/export-bundle/rootfs" && find . | sort)" "$(cd "$WORK/export-tree" && find . | sort)" \
        "cairn export holds what umoci unpacks"
    cmp -s "$WORK/export-bundle/rootfs/app/bin/hello" "$WORK/export-tree/app/bin/hello" ||
        fail "the exported app file differs"
    run_cairn export "$HOST/app:v1" - 
    ((RC == 0)) || fail "cairn export to stdout failed: $(cat "$ERR")"
    cmp -s "$OUT" "$WORK/app.tar" || fail "export to standard output differs from export to a file"
}
run_case export case_export

case_delete() {
    cairn_ok tag "$HOST/app:v1" doomed
    cairn_ok copy "oci:$WORK/base:v1" "$HOST/doomed:v1"
    cairn_ok delete "$HOST/doomed@$BASE_DIGEST"
    if skopeo inspect --tls-verify=false "docker://$HOST/doomed:v1" >/dev/null 2>&1; then
        fail "skopeo still finds the deleted image"
    fi
    assert_eq "$APP_DIGEST" "$(skopeo_digest "$HOST/app:v1")" "other repositories keep their images"
    expect_error 2 'digest' delete "$HOST/app:v1"
}
run_case delete case_delete

case_login_logout_authfile() {
    local auth=$WORK/auth.json
    echo "a-password-to-blank" | "$CAIRN" --authfile "$auth" login -u someone --password-stdin "$HOST" \
        >"$OUT" 2>"$ERR" || fail "login: $(cat "$ERR")"
    assert_contains "$(cat "$ERR")" "$auth" "login says where the credential went"
    assert_eq "$(printf 'someone:a-password-to-blank' | base64 -w0)" "$(jq -r --arg h "$HOST" '.auths[$h].auth' "$auth")" \
        "the --authfile holds the credential"
    skopeo inspect --authfile "$auth" --tls-verify=false "docker://$HOST/app:v1" >/dev/null ||
        fail "skopeo cannot read cairn's --authfile"
    cairn_ok --authfile "$auth" logout "$HOST"
    assert_eq null "$(jq -r --arg h "$HOST" '.auths[$h]' "$auth")" "logout removed the credential"
    cairn_ok --authfile "$auth" logout "$HOST"
    assert_contains "$(cat "$ERR")" "nothing to remove" "a second logout says so"
}
run_case login_logout_authfile case_login_logout_authfile

case_quiet_verbose() {
    cairn_ok -q copy "$HOST/app:v1" "oci:$WORK/quiet:v1"
    assert_eq "" "$(cat "$ERR")" "-q leaves stderr empty"
    assert_eq "$APP_DIGEST" "$(tr -d '\n' <"$OUT")" "-q still prints the result"
    cairn_ok copy "$HOST/app:v1" "oci:$WORK/verbose:v1" -v
    assert_match "$(cat "$ERR")" "GET http://$HOST/v2/app/manifests/v1" "-v shows each request"
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$HOST" "$(printf 'u:verbose-secret' | base64 -w0)" >"$WORK/v-auth.json"
    cairn_ok -v --authfile "$WORK/v-auth.json" copy "$HOST/app:v1" "oci:$WORK/verbose2:v1"
    assert_not_contains "$(cat "$ERR")" "verbose-secret" "-v blanks the credential"
    assert_not_contains "$(cat "$ERR")" "$(printf 'u:verbose-secret' | base64 -w0)" "-v blanks the encoded credential"
    expect_error 2 'exclude' -q -v ls "$HOST/app"
}
run_case quiet_verbose case_quiet_verbose

case_tls_verify() {
    registry_start tls-verify tls
    cairn_ok copy "oci:$WORK/base:v1" "$REGISTRY_HOST/base:v1" --ca-file "$REGISTRY_CA"
    run_cairn ls "$REGISTRY_HOST/base"
    ((RC == 1)) || fail "an unknown CA was trusted (exit $RC)"
    cairn_ok --tls-verify=false ls "$REGISTRY_HOST/base"
    assert_eq v1 "$(cat "$OUT")" "--tls-verify=false reaches a registry of an unknown CA"
    cairn_ok ls --tls-verify=false "$REGISTRY_HOST/base"
    assert_eq v1 "$(cat "$OUT")" "--tls-verify=false after the command"
}
run_case tls_verify case_tls_verify

case_version_help_completion_man() {
    cairn_ok --version
    assert_match "$(cat "$OUT")" '^cairn [0-9]+\.[0-9]+' "cairn --version"
    cairn_ok version --json
    assert_match "$(jq -r .version "$OUT")" '^[0-9]+\.[0-9]+' "cairn version --json"
    cairn_ok ls --help
    if grep -qE 'TEXT|INT:|VALUE' "$OUT"; then fail "CLI11's type words in help: $(grep -E 'TEXT|INT:|VALUE' "$OUT")"; fi
    cairn_ok inspect --help
    assert_not_contains "$(cat "$OUT")" "--jobs" "inspect moves no blobs: no --jobs"
    cairn_ok completion bash
    bash -n "$OUT" || fail "the bash completion does not parse"
    local words
    # shellcheck disable=SC1090
    words=$(source "$OUT" && COMP_WORDS=(cairn mut) COMP_CWORD=1 && _cairn && printf '%s\n' "${COMPREPLY[@]}")
    assert_eq mutate "$words" "bash completes a command"
    words=$(source "$OUT" && COMP_WORDS=(cairn rebase --ol) COMP_CWORD=2 && _cairn && printf '%s\n' "${COMPREPLY[@]}")
    assert_eq --old-base "$words" "bash completes a flag"
    cairn_ok completion zsh
    assert_contains "$(cat "$OUT")" "#compdef cairn" "zsh completion"
    cairn_ok completion fish
    assert_contains "$(cat "$OUT")" "complete -c cairn" "fish completion"
    expect_error 2 'bash, zsh or fish' completion tcsh
    cairn_ok man
    assert_match "$(head -n 3 "$OUT")" '^\.TH CAIRN 1' "man page header"
    local command
    for command in build init append layer mutate rebase copy tag delete export inspect ls catalog \
        digest manifest config login logout cache completion version; do
        grep -q "cairn $command" "$OUT" || fail "the man page lacks cairn $command"
    done
    if command -v groff >/dev/null; then
        groff -man -Tutf8 -ww "$OUT" >/dev/null 2>"$WORK/groff.err" || fail "groff rejects the man page"
        [[ ! -s $WORK/groff.err ]] || fail "groff warns: $(head -3 "$WORK/groff.err")"
    fi
}
run_case version_help_completion_man case_version_help_completion_man

# The command reference in the repository names every command `cairn --help` lists.
case_command_reference() {
    local reference=$CAIRN_SOURCE_DIR/docs/commands.md name
    cairn_ok --help
    for name in $(awk '/^[A-Z].*:$/ { group = $0 } /^  [a-z]+ / && group !~ /^(Options|Global)/ { print $1 }' "$OUT"); do
        grep -qE "^### cairn $name( |$)" "$reference" || fail "docs/commands.md has no section for cairn $name"
    done
    assert_contains "$(cat "$OUT")" "rebase" "the command list was read"
}
run_case command_reference case_command_reference

case_init() {
    local project=$WORK/init-project
    mkdir -p "$project/src" "$project/web"
    printf '[package]\nname = "greeter"\nversion = "0.1.0"\nedition = "2021"\n\n[[bin]]\nname = "greeter"\npath = "src/main.rs"\n' \
        >"$project/Cargo.toml"
    printf 'fn main() {}\n' >"$project/src/main.rs"
    printf '{"name":"web","version":"1.0.0","scripts":{"build":"echo built"}}\n' >"$project/package.json"
    (cd "$project" && "$CAIRN" init) >"$OUT" 2>"$ERR" || fail "cairn init: $(cat "$ERR")"
    assert_exists "$project/cairn.toml"
    grep -q 'greeter' "$project/cairn.toml" || fail "cairn.toml does not name the binary"
    before=$(sha256sum <"$project/cairn.toml")
    expect_error 1 'already exists' init -C "$project"
    assert_eq "$before" "$(sha256sum <"$project/cairn.toml")" "init left the existing file alone"
}
run_case init case_init

# First-hour messages: --local-only needs no profile; a config that builds nothing is refused.
case_build_messages() {
    local project=$WORK/files-only
    mkdir -p "$project/site"
    echo hello >"$project/site/index.html"
    printf '[image]\nname = "site"\nbase = "oci:%s:v1"\n\n[[files]]\nsrc = "site"\ndest = "/srv"\n' \
        "$WORK/base" >"$project/cairn.toml"
    cairn_ok build --local-only -C "$project" --output "oci:$WORK/site-out:v1"
    assert_contains "$(cat "$ERR")" 'no profile "dev"' "a local build says it has no profile"
    umoci unpack --image "$WORK/site-out:v1" "$WORK/site-bundle" >/dev/null
    assert_eq hello "$(cat "$WORK/site-bundle/rootfs/srv/index.html")" "the files-only image holds the file"
    expect_error 1 'profile' build -C "$project"
    printf '[image]\nname = "empty"\nbase = "oci:%s:v1"\n' "$WORK/base" >"$project/cairn.toml"
    expect_error 1 'has no \[cargo\], \[npm\] or \[\[files\]\]: the image would hold only the runtime base' \
        build --local-only -C "$project"
}
run_case build_messages case_build_messages

finish_cases
