#!/bin/sh
# Replaces the stack database's data with N deterministic demo
# transactions (default 100000), generated inside PostgreSQL by mp_seed().
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100000}
case "$N" in ''|*[!0-9]*) echo "seed: N must be a whole number" >&2; exit 2 ;; esac
start=$(date +%s)
echo "SELECT mp_seed(:'n'::bigint)" | "$ROOT/scripts/stack.sh" psql -tA -v n="$N" >/dev/null
# Every table, the rollups mp_seed rebuilt included: left to autovacuum,
# the millions of new rows in customer_days and transactions are vacuumed
# and analyzed minutes later, taking a core of a small host while it is
# being used (or measured), and an ANALYZE's snapshot holds back the
# pruning of the rollup rows every write updates.
printf '%s\n' "SELECT format('VACUUM (ANALYZE) %I', tablename)" \
    "FROM pg_tables WHERE schemaname = 'public' ORDER BY 1 \\gexec" \
    | "$ROOT/scripts/stack.sh" psql -q
echo "seed: $N transactions in $(( $(date +%s) - start )) s"
