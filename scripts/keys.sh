#!/bin/sh
# API keys of mod_marketpulse (docs/security.md, "API keys"):
#
#   keys.sh create --name NAME --tier TIER --scopes read[,write][,admin]
#           prints the key once, alone on the last line: only its hash is
#           kept, so it cannot be shown again
#   keys.sh list          id, name, tier, scopes, created, last used,
#                         revoked (never a secret or a hash)
#   keys.sh revoke ID     the key stops working within
#                         MarketPulseKeyCacheTTL (30 s by default)
#
# By default against the stack of scripts/stack.sh (MP_RUN_DIR, MP_PG_PORT)
# with its pepper (auth-pepper in the run directory).  With --pepper FILE
# (the file MarketPulseAuthPepper names; run this where it is readable)
# against any database, through the usual libpq environment (PGHOST,
# PGDATABASE, PGUSER, ~/.pgpass ...) or MP_DATABASE_URL, as
# scripts/migrate.sh.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK="$ROOT/scripts/stack.sh"
PEPPER=""

die() { printf 'keys: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

db_psql() {
    if [ -z "$PEPPER" ]; then
        sh "$STACK" psql "$@"
    elif [ -n "${MP_DATABASE_URL:-}" ]; then
        psql -X -q -v ON_ERROR_STOP=1 -d "$MP_DATABASE_URL" "$@"
    else
        psql -X -q -v ON_ERROR_STOP=1 "$@"
    fi
}

pepper_file() {
    if [ -n "$PEPPER" ]; then
        echo "$PEPPER"
    else
        echo "${MP_RUN_DIR:-$ROOT/run}/auth-pepper"
    fi
}

# The pepper as hex, one trailing newline dropped: the bytes the module
# keys its HMAC with (mp_read_pepper).
pepper_hex() {
    f=$(pepper_file)
    [ -r "$f" ] || die "cannot read the pepper $f (run where it is readable, or give --pepper FILE)"
    hex=$(od -An -v -tx1 "$f" | tr -d ' \n')
    case "$hex" in *0a) hex=${hex%0a} ;; esac
    [ "${#hex}" -ge 64 ] || die "the pepper $f holds fewer than 32 bytes"
    echo "$hex"
}

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

check_scopes() {
    seen=","
    for s in $(echo "$1" | tr ',' ' '); do
        case "$s" in read|write|admin) ;; *) die "--scopes: '$s' is not read, write or admin" ;; esac
        case "$seen" in *",$s,"*) die "--scopes: '$s' given twice" ;; esac
        seen="$seen$s,"
    done
    [ "$seen" != "," ] || die "--scopes: give at least one of read, write, admin"
    case "$1" in *,|,*|*,,*) die "--scopes: '$1' is not a comma-separated list" ;; esac
}

create() {
    name="" tier="" scopes=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --name) name=${2:-}; shift 2 || usage ;;
            --tier) tier=${2:-}; shift 2 || usage ;;
            --scopes) scopes=${2:-}; shift 2 || usage ;;
            *) usage ;;
        esac
    done
    [ -n "$name" ] && [ "${#name}" -le 200 ] || die "--name: 1 to 200 characters"
    echo "$tier" | grep -Eq '^[A-Za-z0-9_-]{1,32}$' || die "--tier: 1 to 32 letters, digits, '_' or '-'"
    check_scopes "$scopes"
    hex=$(pepper_hex)
    id=$(random_hex 6)
    secret=$(random_hex 32)
    hash=$(printf '%s' "$secret" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hex" | sed 's/.*= *//')
    echo "$hash" | grep -Eq '^[0-9a-f]{64}$' || die "openssl gave no HMAC-SHA256"
    echo "INSERT INTO api_keys (id, name, tier, scopes, secret_hash)
          VALUES (:'id', :'name', :'tier', string_to_array(:'scopes', ','), :'hash')" \
        | db_psql -v id="$id" -v name="$name" -v tier="$tier" \
                  -v scopes="$scopes" -v hash="$hash"
    echo "created key $id ($name), tier $tier, scopes $scopes."
    echo "The key is shown once; keep it secret:"
    echo "mp_${id}_${secret}"
}

list() {
    db_psql -P pager=off -c "SELECT id, name, tier,
           array_to_string(scopes, ',') AS scopes,
           to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created,
           coalesce(to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-') AS last_used,
           coalesce(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-') AS revoked
      FROM api_keys ORDER BY created_at, id"
}

revoke() {
    [ $# -eq 1 ] || usage
    n=$(echo "UPDATE api_keys SET revoked_at = now()
               WHERE id = :'id' AND revoked_at IS NULL RETURNING 1" \
        | db_psql -tA -v id="$1" | grep -c 1 || true)
    [ "$n" = 1 ] || die "no key $1 that is not revoked already"
    echo "revoked key $1: it stops working within MarketPulseKeyCacheTTL (30 s by default)."
}

[ $# -ge 1 ] || usage
cmd=$1; shift
# --pepper FILE may come anywhere after the command
args=""
while [ $# -gt 0 ]; do
    if [ "$1" = --pepper ]; then
        [ $# -ge 2 ] || usage
        PEPPER=$2; shift 2
    else
        args="$args $(printf '%s' "$1" | sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/")"; shift
    fi
done
eval "set -- $args"
case "$cmd" in
    create) create "$@" ;;
    list)   list ;;
    revoke) revoke "$@" ;;
    *)      usage ;;
esac
