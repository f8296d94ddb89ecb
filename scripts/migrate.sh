#!/bin/sh
# Applies the numbered migrations in sql/migrations that are not yet
# recorded in schema_migrations, each in one transaction with its record.
# Runs against the stack's database (stack.sh psql, which names host,
# port, user and database itself: MP_RUN_DIR and MP_PG_PORT pick the
# stack); re-running it is a no-op.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK="$ROOT/scripts/stack.sh"

"$STACK" psql -c "SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now())"

for file in "$ROOT"/sql/migrations/*.sql; do
    version=$(basename "$file" .sql)
    done_already=$(echo "SELECT 1 FROM schema_migrations WHERE version = :'v'" \
        | "$STACK" psql -tA -v v="$version")
    [ "$done_already" = 1 ] && continue
    printf '\\i %s\nINSERT INTO schema_migrations (version) VALUES (:'"'"'v'"'"');\n' "$file" \
        | "$STACK" psql -1 -v v="$version"
    echo "migrate: applied $version"
done
