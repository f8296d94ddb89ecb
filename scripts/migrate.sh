#!/bin/sh
# Applies the numbered migrations in sql/migrations that are not yet
# recorded in schema_migrations, each in one transaction with its record;
# re-running it is a no-op.
#
# Against the stack's database (stack.sh psql, which names host, port,
# user and database itself: MP_RUN_DIR and MP_PG_PORT pick the stack), or,
# with MP_DATABASE_URL set, against that one: a libpq connection string or
# URI ("postgresql://marketpulse@db1/marketpulse"; the password from
# ~/.pgpass or PGPASSWORD, as psql takes it).  On a site with replicas,
# the primary.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK="$ROOT/scripts/stack.sh"

db_psql() {
    if [ -n "${MP_DATABASE_URL:-}" ]; then
        psql -X -q -v ON_ERROR_STOP=1 -d "$MP_DATABASE_URL" "$@"
    else
        "$STACK" psql "$@"
    fi
}

db_psql -c "SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now())"

for file in "$ROOT"/sql/migrations/*.sql; do
    version=$(basename "$file" .sql)
    done_already=$(echo "SELECT 1 FROM schema_migrations WHERE version = :'v'" \
        | db_psql -tA -v v="$version")
    [ "$done_already" = 1 ] && continue
    printf '\\i %s\nINSERT INTO schema_migrations (version) VALUES (:'"'"'v'"'"');\n' "$file" \
        | db_psql -1 -v v="$version"
    echo "migrate: applied $version"
done
