#!/bin/sh
# Replaces the stack database's data with N deterministic demo
# transactions (default 100000), generated inside PostgreSQL by mp_seed().
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100000}
case "$N" in ''|*[!0-9]*) echo "seed: N must be a whole number" >&2; exit 2 ;; esac
start=$(date +%s)
echo "SELECT mp_seed(:'n'::bigint)" | "$ROOT/scripts/stack.sh" psql -tA -v n="$N" >/dev/null
"$ROOT/scripts/stack.sh" psql -c "VACUUM (ANALYZE) customers, products, transactions"
echo "seed: $N transactions in $(( $(date +%s) - start )) s"
