# What the wrk benchmarks share (sourced by bench.sh and bench-compare.sh):
# the endpoints, a ready stack, one measurement, a median, and waiting
# for PostgreSQL to be idle.
# Needs ROOT, STACK, ROWS, THREADS, CONNS and SECONDS_EACH set by the
# caller.

# name | mode | path
CACHED_ENDPOINTS="dashboard|cached|/api/dashboard
revenue30|cached|/api/revenue?from=2025-10-22&to=2025-11-20
topcust|cached|/api/customers?sort=lifetime_value&limit=10
topprod|cached|/api/products?sort=revenue&limit=10"
ENDPOINTS="dashboard|uncached|/api/dashboard
revenue|uncached|/api/revenue?from=2024-11-21&to=2025-11-20
customers|uncached|/api/customers?limit=20
$CACHED_ENDPOINTS"

# wrk is there, the stack runs and holds ROWS transactions
bench_prepare() {
    command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)" >&2; exit 1; }
    sh "$STACK" start >/dev/null
    have=$(sh "$STACK" psql -tA -c "SELECT count(*) FROM transactions")
    if [ "$have" != "$ROWS" ]; then
        echo "bench: seeding $ROWS transactions"
        sh "$ROOT/scripts/seed.sh" "$ROWS"
    fi
}

# prints "req/s p99_ms" for one URL [with one request header]
measure() {
    # --timeout: wrk leaves requests slower than its timeout (2 s by
    # default) out of the latency figures; count them in instead
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_EACH}s" --timeout 60s \
              --latency ${2:+-H "$2"} "$1")
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    [ -z "$non2xx" ] || echo "bench: $1 had $non2xx non-2xx answers" >&2
    errors=$(echo "$out" | awk '/Socket errors/')
    [ -z "$errors" ] || echo "bench: $1: $errors" >&2
    echo "$rps $p99"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# After wrk stops, PostgreSQL still works off the queued statements of
# slow endpoints; the next measurement waits until the module's sessions
# are idle (at most 10 s) so it does not pay for them.
settle() {
    for _ in $(seq 100); do
        busy=$(sh "$STACK" psql -tA -c "SELECT count(*) FROM pg_stat_activity
                WHERE application_name = 'mod_marketpulse' AND state = 'active'")
        [ "$busy" = 0 ] && return 0
        sleep 0.1
    done
}
