#!/bin/sh
# Soak: MP_SOAK_MINUTES (10) of mixed reads and writes (scripts/load.lua,
# MP_LOAD=mixed: nine reads, cached and not, for each POST) from
# MP_SOAK_CLIENTS (256) keep-alive clients against the stack's httpd,
# one wrk run a minute.  Each minute prints req/s, socket errors, non-2xx
# answers, p99 and httpd's memory: the private dirty memory of the parent
# and all its children (smaps_rollup), so the shared segments are not
# counted once per child, read once the requests wrk left in flight have
# finished.  At the end the rollups must equal a rebuild
# from `transactions` (rolled back), and memory must have grown less than
# 5 % since minute MP_SOAK_BASELINE (1: the first); the exit status says
# whether both held.  A later baseline measures after the warm-up: the
# threads' stacks (each touches a page deeper once it has closed a
# connection, in httpd's lingering close) and malloc's arenas fill
# toward their bounds over the first minutes (docs/operations.md,
# "Soak").
# Not part of `make test`.  Works on the stack of scripts/stack.sh (its
# MP_* variables pick which); it starts it when it is not running.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK="$ROOT/scripts/stack.sh"
MINUTES=${MP_SOAK_MINUTES:-10}
CLIENTS=${MP_SOAK_CLIENTS:-256}
BASELINE=${MP_SOAK_BASELINE:-1}
PORT=${MP_PORT:-8080}
RUN=${MP_RUN_DIR:-$ROOT/run}
URL="http://127.0.0.1:$PORT"

[ "$BASELINE" -ge 1 ] && [ "$BASELINE" -lt "$MINUTES" ] || {
    echo "soak: MP_SOAK_BASELINE must be from 1 to MP_SOAK_MINUTES - 1" >&2
    exit 2
}
command -v wrk >/dev/null || { echo "soak: wrk is missing (make deps)" >&2; exit 1; }
sh "$STACK" start >/dev/null
[ "$(sh "$STACK" psql -tA -c "SELECT count(*) > 0 FROM transactions")" = t ] \
    || sh "$ROOT/scripts/seed.sh" 100000
# the writes need a key where the stack reads keys (its default)
KEY=$(sh "$ROOT/scripts/keys.sh" create --name "soak $$" --tier enterprise \
          --scopes read,write | tail -n1)

# Waits (up to 30 s) until httpd has no request in flight: wrk stops
# with up to MP_SOAK_CLIENTS requests still queued for a database slot,
# each holding its pool, and memory read then measures the queue, not
# what httpd keeps.
drained() {
    tries=0
    while [ "$tries" -lt 300 ]; do
        n=$(curl -s "$URL/metrics" |
                awk '/^marketpulse_http_requests_in_flight / { print $2 }')
        [ "${n:-}" = 0 ] && return 0
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "soak: requests still in flight after 30 s" >&2
    return 1
}

# kB of private dirty memory of httpd's parent and children
httpd_memory() {
    parent=$(head -n1 "$RUN/${MP_HTTPD_NAME:-httpd}/httpd.pid")
    for pid in $parent $(ps -o pid= --ppid "$parent"); do
        cat "/proc/$pid/smaps_rollup" 2>/dev/null || true
    done | awk '/^Private_Dirty:/ { kb += $2 } END { print kb + 0 }'
}

# The rollup tables against a rebuild from scratch, in a transaction that
# is rolled back: prints the tables that differ (nothing when exact).
rollups_differ() {
    tables="sales_daily|orders <> 0 OR amount <> 0
product_daily|orders <> 0 OR revenue <> 0
product_monthly|orders <> 0 OR revenue <> 0
product_sales|orders <> 0 OR revenue <> 0
customer_sales|true
customer_counts|true
customer_days|true
customer_gaps|customers <> 0
customer_periods|customers <> 0
revenue_days|true"
    {
        echo "BEGIN;"
        echo "$tables" | while IFS='|' read -r t keep; do
            echo "CREATE TEMP TABLE kept_$t AS SELECT * FROM $t WHERE $keep;"
        done
        echo "SELECT mp_rollup_rebuild() \\g /dev/null"
        echo "$tables" | while IFS='|' read -r t keep; do
            # rows as text: some columns (json) have no equality
            echo "SELECT '$t' WHERE EXISTS ((SELECT k::text FROM kept_$t k"
            echo "  EXCEPT ALL SELECT r::text FROM $t r WHERE $keep) UNION ALL"
            echo "  (SELECT r::text FROM $t r WHERE $keep"
            echo "  EXCEPT ALL SELECT k::text FROM kept_$t k));"
        done
        echo "ROLLBACK;"
    } | sh "$STACK" psql -qtA -v ON_ERROR_STOP=1
}

echo "soak: $MINUTES x 60 s, $CLIENTS clients, mixed reads and writes, $URL"
printf '%-6s %10s %8s %8s %10s %12s\n' minute req/s errors non2xx p99_ms \
    httpd_kB
first=""
last=""
failed=0
minute=1
while [ "$minute" -le "$MINUTES" ]; do
    out=$(MP_API_KEY="$KEY" MP_LOAD=mixed MP_LOAD_TAG="soak$$-$minute" wrk -t2 -c"$CLIENTS" \
              -d60s --timeout 10s -s "$ROOT/scripts/load.lua" "$URL")
    rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
    p99=$(echo "$out" | awk '/^requests / { print $4 }')
    errors=$(echo "$out" | awk '/^errors / { n = 0; for (i = 2; i <= NF; i++) {
        split($i, kv, "="); if (kv[1] != "status") n += kv[2] } print n }')
    non2xx=$(echo "$out" | awk '/^status / && $2 !~ /^2/ { n += $3 } END { print n + 0 }')
    drained || failed=1
    mem=$(httpd_memory)
    [ "$minute" -ne "$BASELINE" ] || first=$mem
    last=$mem
    printf '%-6s %10s %8s %8s %10s %12s\n' "$minute" "$rps" "$errors" \
        "$non2xx" "$p99" "$mem"
    [ "$errors" = 0 ] && [ "$non2xx" = 0 ] || failed=1
    minute=$((minute + 1))
done

differ=$(rollups_differ)
# two decimals, and the verdict on the kB themselves: one decimal
# printed 4.997 % as 5.0 % and judged that
growth=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')
echo "soak: httpd memory ${first} kB after minute $BASELINE, ${last} kB at the end: ${growth} %"
if [ -n "$differ" ]; then
    echo "soak: rollups differ from a rebuild: $differ"
    failed=1
else
    echo "soak: rollups equal a rebuild from transactions"
fi
awk -v a="$first" -v b="$last" 'BEGIN { exit !((b - a) * 100 < 5 * a) }' ||
    { echo "soak: memory grew 5 % or more"; failed=1; }
[ "$failed" = 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit "$failed"
