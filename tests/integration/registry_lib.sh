# Real registries for integration tests: Debian's docker-registry on 127.0.0.1 in several
# setups (open, htpasswd, tls, token), and a fault-injecting proxy in front of one.
# Sourced after lib.sh. Every process started is killed by PID when the test ends.

require_tool docker-registry
require_tool curl
# Debian's Python, with Debian's python3-jwt and python3-cryptography for the token server
# (a python3 earlier on PATH, e.g. pyenv's, may lack them).
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3

_free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits (bounded) until `file` exists: a fixture writes its port there once it listens.
_wait_for_file() {  # FILE PID WHAT
    local i
    for ((i = 0; i < 200; i++)); do
        [[ -s $1 ]] && return 0
        kill -0 "$2" 2>/dev/null || fail "$3 exited before it listened"
        sleep 0.05  # polling a fixture's start-up, bounded: not synchronisation of our own steps
    done
    fail "$3 did not start listening"
}

# A private CA and a certificate for 127.0.0.1 signed by it, in DIR: ca.crt, server.crt/key.
_make_tls() {  # DIR
    local dir=$1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cairn test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
}

# registry_start NAME [open|htpasswd|tls|token]: its config and storage under $WORK/NAME.
# Sets REGISTRY_HOST, REGISTRY_DIR, REGISTRY_LOG (the access log: one line per request, e.g.
# `"PATCH /v2/app/blobs/uploads/…" 202`), and for the modes that need them REGISTRY_USER,
# REGISTRY_PASSWORD, REGISTRY_CA, REGISTRY_CERTS_DIR (certs.d layout), TOKEN_LOG.
registry_start() {
    local name=$1 mode=${2:-open} dir=$WORK/$1 port scheme=http
    port=$(_free_port)
    mkdir -p "$dir"
    REGISTRY_DIR=$dir
    REGISTRY_HOST=127.0.0.1:$port
    REGISTRY_LOG=$dir/log
    REGISTRY_USER=tester
    REGISTRY_PASSWORD="s3cret pass"
    {
        printf 'version: 0.1\nlog:\n  level: info\n'
        printf 'storage:\n  filesystem:\n    rootdirectory: %s/storage\n  delete:\n    enabled: true\n' "$dir"
        printf 'http:\n  addr: %s\n' "$REGISTRY_HOST"
    } >"$dir/config.yml"
    case $mode in
        open) ;;
        htpasswd)
            require_tool htpasswd
            htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$dir/htpasswd" 2>/dev/null
            printf 'auth:\n  htpasswd:\n    realm: cairn-test\n    path: %s/htpasswd\n' "$dir" >>"$dir/config.yml"
            ;;
        tls)
            require_tool openssl
            _make_tls "$dir"
            printf '  tls:\n    certificate: %s/server.crt\n    key: %s/server.key\n' "$dir" "$dir" >>"$dir/config.yml"
            REGISTRY_CA=$dir/ca.crt
            REGISTRY_CERTS_DIR=$dir/certs.d
            mkdir -p "$REGISTRY_CERTS_DIR/$REGISTRY_HOST"
            cp "$REGISTRY_CA" "$REGISTRY_CERTS_DIR/$REGISTRY_HOST/ca.crt"
            scheme=https
            ;;
        token)
            require_tool openssl
            "$PYTHON" -c 'import jwt, cryptography' 2>/dev/null || skip "python3-jwt or python3-cryptography is missing"
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cairn token signer" \
                -keyout "$dir/token.key" -out "$dir/token.crt" 2>/dev/null
            TOKEN_LOG=$dir/token.log
            "$PYTHON" "$CAIRN_SOURCE_DIR/tests/fixtures/token_server.py" --cert "$dir/token.crt" \
                --key "$dir/token.key" --issuer cairn-test-issuer --service cairn-test \
                --user "$REGISTRY_USER" --password "$REGISTRY_PASSWORD" \
                --expires-in "${TOKEN_EXPIRES_IN:-300}" --port-file "$dir/token.port" \
                --log "$TOKEN_LOG" >"$dir/token.out" 2>&1 &
            local token_pid=$!
            on_exit "kill $token_pid; wait $token_pid"
            _wait_for_file "$dir/token.port" "$token_pid" "the token server"
            {
                printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n' "$(cat "$dir/token.port")"
                printf '    service: cairn-test\n    issuer: cairn-test-issuer\n    rootcertbundle: %s/token.crt\n' "$dir"
            } >>"$dir/config.yml"
            ;;
        *) fail "registry_start: unknown mode $mode" ;;
    esac
    # The registry reads REGISTRY_* variables as configuration (REGISTRY_AUTH_FILE, which
    # tests export for cairn, would be "auth.file"): it gets none of them.
    local unset_vars=()
    local var
    for var in $(compgen -e | grep '^REGISTRY_' || true); do unset_vars+=(-u "$var"); done
    env "${unset_vars[@]}" docker-registry serve "$dir/config.yml" >"$REGISTRY_LOG" 2>&1 &
    local pid=$!
    on_exit "kill $pid; wait $pid"
    local i
    for ((i = 0; i < 200; i++)); do
        curl -s -k -o /dev/null "$scheme://$REGISTRY_HOST/v2/" && return 0
        kill -0 "$pid" 2>/dev/null || fail "docker-registry exited: $(grep -m3 -iE 'error|fatal|panic' "$REGISTRY_LOG")"
        sleep 0.05  # polling the registry's start-up, bounded
    done
    fail "docker-registry did not answer on $REGISTRY_HOST"
}

# fault_proxy_start RULES_JSON: the proxy in front of REGISTRY_HOST; sets PROXY_HOST, PROXY_LOG.
fault_proxy_start() {
    local dir
    dir=$(mktemp -d "$WORK/proxy.XXXXXX")
    printf '%s\n' "$1" >"$dir/rules.json"
    PROXY_LOG=$dir/log
    "$PYTHON" "$CAIRN_SOURCE_DIR/tests/fixtures/fault_proxy.py" --upstream "$REGISTRY_HOST" \
        --rules "$dir/rules.json" --port-file "$dir/port" --log "$PROXY_LOG" >"$dir/out" 2>&1 &
    local pid=$!
    on_exit "kill $pid; wait $pid"
    _wait_for_file "$dir/port" "$pid" "the fault proxy"
    PROXY_HOST=127.0.0.1:$(cat "$dir/port")
}

# The file holding a blob in the registry's storage.
registry_blob_file() {  # sha256:HEX
    local hex=${1#sha256:}
    echo "$REGISTRY_DIR/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

skopeo_digest() {  # REF [skopeo options…]
    local ref=$1
    shift
    skopeo inspect --tls-verify=false "$@" "docker://$ref" | jq -r .Digest
}
