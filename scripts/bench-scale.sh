#!/bin/sh
# Scale benchmark of the write path and the rollups (cache off), each
# figure next to its baseline measured in the same run:
#   reads   wrk on an httpd reading the rollups, against single requests
#           to a second httpd with MarketPulseRollups Off (aggregating
#           `transactions` directly: too slow to load with wrk)
#   ingest  POSTs of 500-transaction batches, with the rollup triggers on
#           and, as the baseline, off (the rollups are rebuilt afterwards)
#   export  every row as CSV: rows/s and the growth of httpd's resident
#           memory, against psql's COPY of the same query
#
#   MP_BENCH_ROWS [10000000]  transactions (re-seeded if the count differs
#                             by more than the ingest of earlier runs)
#   MP_BENCH_SECONDS [10]  MP_BENCH_CONNECTIONS [16]  MP_BENCH_THREADS [2]
#   MP_BENCH_INGEST_CONNECTIONS [4]
#   MP_BENCH_REPEATS [3]  wrk runs per figure: the table shows the median
#                         (a p99 of one 10 s run on 2 shared cores moves by
#                         half from run to run) and the p99s' range
#   MP_BENCH_DB_SLOTS [cores]  MarketPulseDBSlots of the measured httpd:
#                          how many statements it runs at once, all its
#                          children together.  About the cores PostgreSQL
#                          gets: more only makes the backends take turns
#                          on the cores (docs/directives.md).  The reads
#                          are also measured with the stack's own setting
#                          (the cores too, unless MP_DB_SLOTS says
#                          otherwise: the same figures then).
# Uses the stack of scripts/stack.sh (MP_RUN_DIR, MP_PORT), starting it if
# needed; it leaves it running and stops the httpds it added.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK="$ROOT/scripts/stack.sh"
PORT=${MP_PORT:-8080}
ROWS=${MP_BENCH_ROWS:-10000000}
SECS=${MP_BENCH_SECONDS:-10}
CONNS=${MP_BENCH_CONNECTIONS:-16}
THREADS=${MP_BENCH_THREADS:-2}
INGEST_CONNS=${MP_BENCH_INGEST_CONNECTIONS:-4}
REPEATS=${MP_BENCH_REPEATS:-3}
DB_SLOTS=${MP_BENCH_DB_SLOTS:-$(nproc)}
RUN=${MP_RUN_DIR:-$ROOT/run}
ROLLED_PORT=$((PORT + 2))
DIRECT_PORT=$((PORT + 3))
DEFAULT_PORT=$((PORT + 4))

command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)" >&2; exit 1; }
# PostgreSQL sized for 10 million rows (~3 GB with indexes) when this
# starts it; a running stack keeps its settings (printed below)
export MP_PG_SHARED_BUFFERS=${MP_PG_SHARED_BUFFERS:-3GB}
export MP_PG_MAX_WAL=${MP_PG_MAX_WAL:-8GB}
sh "$STACK" start >/dev/null
psql_q() { sh "$STACK" psql -tA -c "$1"; }
have=$(psql_q "SELECT count(*) FROM transactions")
if [ "$have" -lt "$ROWS" ] || [ "$have" -gt $((ROWS + ROWS / 10)) ]; then
    echo "bench: seeding $ROWS transactions"
    sh "$ROOT/scripts/seed.sh" "$ROWS"
fi

instance() {  # name port server-directives location-directives
    printf '%b<Location /api>\n    MarketPulseCache Off\n%b</Location>\n' \
        "$3" "$4" > "$RUN/bench-$1.conf"
    MP_HTTPD_NAME="bench-$1" MP_PORT="$2" MP_EXTRA_CONF="$RUN/bench-$1.conf" \
        sh "$STACK" httpd-start >/dev/null
}
stop_instances() {
    MP_HTTPD_NAME=bench-rolled MP_PORT=$ROLLED_PORT sh "$STACK" httpd-stop >/dev/null || true
    MP_HTTPD_NAME=bench-direct MP_PORT=$DIRECT_PORT sh "$STACK" httpd-stop >/dev/null || true
    MP_HTTPD_NAME=bench-default MP_PORT=$DEFAULT_PORT sh "$STACK" httpd-stop >/dev/null || true
}
trap stop_instances EXIT
instance rolled "$ROLLED_PORT" "MarketPulseDBSlots $DB_SLOTS\n" ""
instance default "$DEFAULT_PORT" "" ""
# the baseline's statements aggregate millions of rows: let them finish
instance direct "$DIRECT_PORT" "MarketPulseStatementTimeout 300000\n" \
    "    MarketPulseRollups Off\n"
rolled="http://127.0.0.1:$ROLLED_PORT"
default="http://127.0.0.1:$DEFAULT_PORT"
direct="http://127.0.0.1:$DIRECT_PORT"

# "req/s p99_ms non2xx" of one wrk run on one URL (extra wrk arguments
# after it)
measure_once() {
    url=$1; shift
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 60s --latency "$@" "$url")
    echo "$out" | awk '
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx/ { bad = $NF }
        $1 == "99%" { v = $2
            if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
            else if (v ~ /ms$/) { sub(/ms$/, "", v) }
            else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
            p99 = v }
        END { printf "%s %.2f %d\n", rps, p99, bad + 0 }'
}

# Each figure is REPEATS runs of a command giving one line of numbers;
# these summarize a column of those lines
repeat() {
    i=0
    while [ "$i" -lt "$REPEATS" ]; do "$@"; i=$((i + 1)); done
}
column_sorted() { echo "$1" | awk -v c="$2" '{ print $c }' | sort -n; }
median_of() {
    column_sorted "$1" "$2" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
range_of() {  # "lowest-highest"
    v=$(column_sorted "$1" "$2")
    echo "$(echo "$v" | head -n1)-$(echo "$v" | tail -n1)"
}
sum_of() { echo "$1" | awk -v c="$2" '{ s += $c } END { print s + 0 }'; }

# "req/s p99_ms non2xx p99_range": the median req/s and p99 (each on its
# own), the non-2xx summed, the range of the p99s
measure() {
    runs=$(repeat measure_once "$@")
    echo "$(median_of "$runs" 1) $(median_of "$runs" 2) $(sum_of "$runs" 3)" \
         "$(range_of "$runs" 2)"
}

# median milliseconds of 3 sequential requests
single_ms() {
    for _ in 1 2 3; do
        curl -fsS -o /dev/null -w '%{time_total}\n' "$1"
    done | sort -n | awk 'NR == 2 { printf "%.1f", $1 * 1000 }'
}

cursor_at() {  # URL of a list page whose next_cursor lies deep in it
    curl -fsS "$1" | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p'
}

# measure a warm database, not the first reads of 3 GB from disk
psql_q "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')" >/dev/null
# settings that move the figures: a local ALTER SYSTEM of an earlier
# diagnosis (pg_stat_statements.track = all times every statement of the
# triggers; wal_compression changes the WAL of every write) outlives the
# stack's restarts
settings() {
    for name in shared_buffers max_wal_size checkpoint_timeout \
                synchronous_commit wal_compression pg_stat_statements.track; do
        printf '%s %s, ' "$name" "$(psql_q "SHOW $name")"
    done | sed 's/, $//'
}
echo "PostgreSQL: $(settings)"
echo "== reads ($ROWS transactions, wrk -t$THREADS -c$CONNS -d${SECS}s, $(nproc) cores, cache off)"
echo "   rollups: MarketPulseDBSlots $DB_SLOTS; stack setting: the stack's DBSlots; direct: one request at a time"
# deep pages: 100 rows (the most a client may ask for) and the default
# size (no limit given: MarketPulseDefaultPageSize, 20)
cust_cursor=$(cursor_at "$rolled/api/customers?limit=100&offset=200000")
tx_cursor=$(cursor_at "$rolled/api/transactions?limit=100&to=2025-05-01")
cust_cursor_default=$(cursor_at "$rolled/api/customers?offset=200000")
tx_cursor_default=$(cursor_at "$rolled/api/transactions?to=2025-05-01")
echo "   each wrk figure: the median of $REPEATS runs, with the range of the p99s"
printf '%-26s %9s %8s %13s %6s | %9s %8s %13s | %12s\n' endpoint "req/s" \
    "p99 ms" "p99 range" non2xx "stack r/s" "p99 ms" "p99 range" "direct ms"
for path in "/api/dashboard" \
            "/api/revenue?from=2024-11-21&to=2025-11-20" \
            "/api/customers?limit=100&cursor=$cust_cursor" \
            "/api/transactions?limit=100&cursor=$tx_cursor" \
            "/api/customers?cursor=$cust_cursor_default" \
            "/api/transactions?cursor=$tx_cursor_default"; do
    curl -fsS -o /dev/null "$rolled$path"; curl -fsS -o /dev/null "$default$path"
    set -- $(measure "$rolled$path") $(measure "$default$path")
    base=$(single_ms "$direct$path" 2>/dev/null || echo "failed")
    printf '%-26s %9s %8s %13s %6s | %9s %8s %13s | %12s\n' \
        "$(echo "$path" | cut -c1-26)" "$1" "$2" "$4" "$3" "$5" "$6" "$8" "$base"
done

echo "== ingest (batches of 500 through POST, wrk -c$INGEST_CONNS -d${SECS}s; scripts/bench-ingest.lua)"
# the writes need a key where the stack reads keys (its default)
INGEST_KEY=$(sh "$ROOT/scripts/keys.sh" create --name "bench-scale $$" \
                 --tier enterprise --scopes read,write | tail -n1)
ingest_once() {  # mode: same|fresh -> "tx/s non2xx"
    out=$(MP_API_KEY="$INGEST_KEY" MP_BATCH_MODE=$1 wrk -t2 -c"$INGEST_CONNS" -d"${SECS}s" --timeout 60s \
              -s "$ROOT/scripts/bench-ingest.lua" "$rolled/api/transactions")
    echo "$out" | awk '/^Requests\/sec:/ { rps = $2 } /Non-2xx/ { bad = $NF }
        END { printf "%.0f %d\n", rps * 500, bad + 0 }'
}
ingest() {  # mode -> "median_tx/s non2xx lowest-highest"
    runs=$(repeat ingest_once "$1")
    echo "$(median_of "$runs" 1) $(sum_of "$runs" 2) $(range_of "$runs" 1)"
}
for mode in same fresh; do
    set -- $(ingest $mode)
    echo "$mode batches, with rollups (triggers): $1 transactions/s (runs $3; $2 non-2xx)"
done
psql_q "ALTER TABLE transactions DISABLE TRIGGER USER" >/dev/null
for mode in same fresh; do
    set -- $(ingest $mode)
    echo "$mode batches, baseline without triggers: $1 transactions/s (runs $3; $2 non-2xx)"
done
psql_q "ALTER TABLE transactions ENABLE TRIGGER USER" >/dev/null
start=$(date +%s)
psql_q "SELECT mp_rollup_rebuild()" >/dev/null
echo "(rollups rebuilt after the baseline in $(( $(date +%s) - start )) s)"

echo "== export of every row as CSV"
rss_kb() {  # resident KB of this instance's httpd processes
    pid=$(cat "$RUN/bench-rolled/httpd.pid")
    ps -o rss= --pid "$pid" --ppid "$pid" | awk '{ s += $1 } END { print s }'
}
before=$(rss_kb)
peak=$before
curl -fsS -o /dev/null -w '%{size_download} %{time_total}\n' \
    "$rolled/api/transactions/export?format=csv" > "$RUN/bench-export" &
curl_pid=$!
while kill -0 "$curl_pid" 2>/dev/null; do
    now=$(rss_kb); [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.5
done
wait "$curl_pid"
read -r bytes secs < "$RUN/bench-export"
rows=$(psql_q "SELECT count(*) FROM transactions")
echo "module: $rows rows, $bytes bytes in ${secs}s ($(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f", r / s }') rows/s); httpd RSS $before KB -> peak $peak KB (+$(( (peak - before) / 1024 )) MB)"
start=$(date +%s.%N)
sh "$STACK" psql -c "\\copy (SELECT id, customer_id, product_id, quantity, unit_price, amount, status, transaction_date, created_at FROM transactions ORDER BY transaction_date DESC, id DESC) TO '/dev/null' WITH CSV HEADER" >/dev/null
# printf, not echo: dash's echo reads "\c" as "stop output here"
printf 'baseline psql \\copy of the same query: %ss\n' \
    "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')"
rm -f "$RUN/bench-export"
