#!/usr/bin/env bash
# Text cairn did not write reaches the user safely: strings from an image (Env, User,
# WorkingDir, Labels, annotations, media types) and from errors are shown with their control
# characters written out; credentials cairn holds never appear in any output, even when a
# registry echoes them back; `login -p` is accepted the way docker accepts it; an unknown
# command or an impossible port is a usage error naming it.
# The image is edited with umoci (an independent tool), the registry is Debian's docker-registry
# behind a proxy that echoes requests.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_tool umoci
require_tool jq
require_tool skopeo

ESC=$'\e'
# Any C0 control but newline, DEL, or a C1 control (as UTF-8 or a lone byte) in a file.
assert_no_controls() {  # FILE WHAT
    if LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]' "$1" >"$WORK/controls" 2>/dev/null; then
        fail "$2: raw control characters reach the output: $(od -c "$WORK/controls" | head -5)"
    fi
}

make_busybox_base "$WORK/base" v1

# --- image-controlled strings in `inspect` -------------------------------------------------
case_inspect_escapes() {
    local layout=$WORK/evil
    cp -a "$WORK/base" "$layout"
    umoci config --image "$layout:v1" --tag v1 \
        --config.env "LD_PRELOAD=/tmp/evil.so"$'\r'"$ESC[2KEnv:         TZ=UTC" \
        --config.user "root"$'\x7f'"$ESC]0;owned"$'\a' \
        --config.workingdir "/app"$'\xc2\x9b'"31m" \
        --config.label "note=ok"$'\xe2\x80\xae'"txt.exe" \
        --config.label "clear=$ESC[2J$ESC[H" \
        --manifest.annotation "org.example.title=x"$'\n'"Digest:      sha256:forged" \
        >/dev/null 2>"$WORK/umoci.err" || fail "umoci config: $(cat "$WORK/umoci.err")"
    cairn_ok inspect "oci:$layout:v1"
    assert_no_controls "$OUT" "inspect"
    local text
    text=$(cat "$OUT")
    assert_contains "$text" 'LD_PRELOAD=/tmp/evil.so\r\x1b[2KEnv:         TZ=UTC' "the Env value, escaped"
    assert_contains "$text" 'User:        root\x7f\x1b]0;owned\x07' "the User, escaped"
    assert_contains "$text" 'WorkingDir:  /app\u009b31m' "the WorkingDir (a C1 CSI), escaped"
    assert_contains "$text" 'note=ok\u202etxt.exe' "a label with a right-to-left override"
    assert_contains "$text" 'clear=\x1b[2J\x1b[H' "a label clearing the screen"
    assert_contains "$text" 'x\nDigest:      sha256:forged' "an annotation posing as a second line"
    assert_eq 1 "$(grep -c '^Digest:' "$OUT")" "the Digest lines (one real, none forged)"
    # --json escapes what JSON must (every C0 control: ESC, CR, BEL); a reader gets the exact
    # strings back.
    cairn_ok inspect --json "oci:$layout:v1"
    ! LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f]' "$OUT" || fail "inspect --json: a raw C0 control"
    assert_eq "/app"$'\xc2\x9b'"31m" "$(jq -r .config.workdir "$OUT")" "the WorkingDir through --json"
    # --raw into a pipe or file stays byte for byte (its digest must hold).
    cairn_ok inspect --raw "oci:$layout:v1"
    assert_eq "$(layout_tag_digest "$layout" v1)" "sha256:$(sha256_of "$OUT")" "--raw into a file, byte for byte"
    # A media type is image-controlled too: a layer's, edited into the manifest by hand.
    local manifest digest new
    digest=$(layout_tag_digest "$layout" v1)
    manifest=$(blob_path "$layout" "$digest")
    jq -c '.layers[0].mediaType = "application/vnd.oci.image.layer.v1.tar+gzip\u001b[8m"' "$manifest" >"$WORK/m.json"
    new=sha256:$(sha256_of "$WORK/m.json")
    cp "$WORK/m.json" "$(blob_path "$layout" "$new")"
    jq -c --arg d "$new" --argjson s "$(stat -c %s "$WORK/m.json")" \
        '.manifests[0].digest = $d | .manifests[0].size = $s' "$layout/index.json" >"$WORK/index.json"
    cp "$WORK/index.json" "$layout/index.json"
    run_cairn inspect "oci:$layout:v1"
    assert_no_controls "$OUT" "inspect of a manifest with a hostile media type"
    assert_no_controls "$ERR" "stderr of inspect of a manifest with a hostile media type"
}
run_case inspect_escapes case_inspect_escapes

# --- control characters in errors -----------------------------------------------------------
case_error_escapes() {
    expect_error 1 'no\\x1b\[31mdir' inspect "oci:$WORK/no${ESC}[31mdir:v1"
    assert_no_controls "$ERR" "an error naming a path with an escape"
    expect_error 2 'unknown command "x\\x1b\]0;t\\x07"' "x${ESC}]0;t"$'\a'
    assert_no_controls "$ERR" "an unknown command with an escape"
}
run_case error_escapes case_error_escapes

# --- credentials echoed by a registry ---------------------------------------------------------
registry_start secrets htpasswd
AUTH=$WORK/auth.json
BASIC=$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY_HOST" "$BASIC" >"$AUTH"
export REGISTRY_AUTH_FILE=$AUTH DOCKER_CONFIG=$WORK/docker-config

assert_no_secret() {  # FILE WHAT
    local text
    text=$(cat "$1")
    assert_not_contains "$text" "$REGISTRY_PASSWORD" "$2: the password"
    assert_not_contains "$text" "$BASIC" "$2: the Basic credential"
    assert_not_contains "$text" "$(jq -rn --arg p "$REGISTRY_PASSWORD" '$p|@uri')" "$2: the URL-encoded password"
}

case_echoed_credentials() {
    # The proxy forwards to the real registry, then answers a manifest PUT with the request
    # echoed: its Authorization header holds the Basic credential.
    local proxy_auth=$WORK/proxy-auth.json
    fault_proxy_start '[{"method": "PUT", "path": "/manifests/", "times": 100, "action": "echo", "status": 400}]'
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$PROXY_HOST" "$BASIC" >"$proxy_auth"
    REGISTRY_AUTH_FILE=$proxy_auth expect_error 1 "$PROXY_HOST" copy "oci:$WORK/base:v1" "$PROXY_HOST/app:v1"
    assert_contains "$(cat "$PROXY_LOG")" "FAULT echo" "the proxy's log"
    assert_contains "$(cat "$ERR")" "***" "the blanked credential in the error"
    assert_no_secret "$ERR" "a copy whose registry echoes the request"
    # The same with -v style detail absent: and for a pull, a 500 on the manifest GET.
    fault_proxy_start '[{"method": "GET", "path": "/manifests/", "times": 100, "action": "echo", "status": 500}]'
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$PROXY_HOST" "$BASIC" >"$proxy_auth"
    cairn_ok copy "oci:$WORK/base:v1" "$REGISTRY_HOST/app:v1"
    REGISTRY_AUTH_FILE=$proxy_auth expect_error 1 "$PROXY_HOST" inspect "$PROXY_HOST/app:v1"
    assert_no_secret "$ERR" "an inspect whose registry echoes the request"
}
run_case echoed_credentials case_echoed_credentials

# --- cairn login -p / --password=… -------------------------------------------------------------
case_login_password_flag() {
    rm -rf "$DOCKER_CONFIG"
    cairn_ok login "$REGISTRY_HOST" -u "$REGISTRY_USER" -p "$REGISTRY_PASSWORD"
    assert_contains "$(cat "$ERR")" "--password-stdin" "the warning about -p"
    assert_contains "$(cat "$ERR")" "$DOCKER_CONFIG/config.json" "where the credential is stored"
    assert_no_secret "$ERR" "login -p"
    assert_no_secret "$OUT" "login -p (stdout)"
    # skopeo logs in with what cairn stored.
    skopeo inspect --tls-verify=false --authfile "$DOCKER_CONFIG/config.json" \
        "docker://$REGISTRY_HOST/app:v1" >/dev/null 2>"$WORK/skopeo.err" ||
        fail "skopeo with cairn's stored credential: $(cat "$WORK/skopeo.err")"
    # --password=WRONG: refused by the registry, and the wrong password is not repeated.
    expect_error 1 "$REGISTRY_HOST" login "$REGISTRY_HOST" -u "$REGISTRY_USER" --password=not-the-password-42
    assert_not_contains "$(cat "$ERR")" "not-the-password-42" "a refused --password="
    # Against a registry that echoes the login's request.
    fault_proxy_start '[{"method": "GET", "path": "^/v2/", "times": 100, "action": "echo", "status": 500}]'
    expect_error 1 "$PROXY_HOST" login "$PROXY_HOST" -u "$REGISTRY_USER" --password "$REGISTRY_PASSWORD"
    assert_contains "$(cat "$PROXY_LOG")" "FAULT echo" "the proxy's log for login"
    assert_no_secret "$ERR" "a login whose registry echoes the request"
    expect_error 2 "exclude each other" login "$REGISTRY_HOST" -u x -p abc --password-stdin
}
run_case login_password_flag case_login_password_flag

# --- unknown commands and impossible ports -----------------------------------------------------
case_usage() {
    expect_error 2 'unknown command "biuld" \(did you mean "build"\?\)' biuld
    expect_error 2 'unknown command "cpoy" \(did you mean "copy"\?\)' cpoy oci:a oci:b
    expect_error 2 'unknown command "frobnicate"; the commands are .*inspect' frobnicate
    expect_error 2 'no command given; the commands are' 
    local ref
    for ref in 127.0.0.1:70000/app:v1 "localhost:65536/app:v1" "docker://example.com:99999/a:b"; do
        expect_error 2 'port [0-9]+ .*not a TCP port' inspect "$ref"
        expect_error 2 'not a TCP port' copy "oci:$WORK/base:v1" "$ref"
    done
}
run_case usage case_usage

finish_cases
