#!/bin/sh
# Benchmark on loopback with wrk: the read endpoints against a static copy
# of each one's own answer, served as a file by the same httpd in the same
# run, so the ratio says how close the module comes to httpd's fastest
# path.  Uncached figures come from a second httpd of the stack with
# MarketPulseCache Off (port MP_PORT+1, same database); cached ones, after
# one request filled the entry, in each coherence mode: `strict` from the
# stack's own httpd (every hit checked with Redis), `notified` from a
# third (MP_PORT+2, MarketPulseCacheCoherence notified: hits from the
# host's memory).  Each static copy is served by the httpd measured.
# The `ratelimit` row measures what API keys and rate limits cost a
# cached hit: a fourth httpd (MP_PORT+3), its /api/dashboard asked with
# an API key of a tier too large to refuse anything (the key checked
# from the child's lookup cache, the count pipelined into the hit's
# Redis round trip) against its /api/v1/dashboard (the same cache entry,
# in a <Location> with MarketPulseAuth off and MarketPulseRateLimit Off),
# alternated.
#
#   MP_BENCH_ROWS    [1000000]  transactions in the database (re-seeded if
#                               the count differs)
#   MP_BENCH_SECONDS [5]        per measurement  MP_BENCH_CONNECTIONS [16]
#   MP_BENCH_THREADS [2]        MP_BENCH_ROUNDS [5]
#   MP_BENCH_MODES [uncached cached notified ratelimit]  the rows to measure
# Each endpoint and its static copy are measured alternately, ROUNDS times
# each, and the medians are printed: on a small machine shared by wrk,
# httpd, PostgreSQL and Redis single runs swing by a third.
# Uses the stack of scripts/stack.sh (MP_RUN_DIR, MP_PORT ...), starting it
# if needed; it leaves it running.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK="$ROOT/scripts/stack.sh"
PORT=${MP_PORT:-8080}
ROWS=${MP_BENCH_ROWS:-1000000}
SECONDS_EACH=${MP_BENCH_SECONDS:-5}
ROUNDS=${MP_BENCH_ROUNDS:-5}
CONNS=${MP_BENCH_CONNECTIONS:-16}
THREADS=${MP_BENCH_THREADS:-2}
RUN=${MP_RUN_DIR:-$ROOT/run}
HTDOCS="$RUN/${MP_HTTPD_NAME:-httpd}/htdocs"
base="http://127.0.0.1:$PORT"

. "$ROOT/scripts/bench-lib.sh"
bench_prepare

# the httpds this script adds: name, port, configuration
NOCACHE_PORT=$((PORT + 1))
NOTIFIED_PORT=$((PORT + 2))
RATELIMIT_PORT=$((PORT + 3))
printf '<Location /api>\n    MarketPulseCache Off\n</Location>\n' \
    > "$RUN/bench-nocache.conf"
printf 'MarketPulseCacheCoherence notified\n' > "$RUN/bench-notified.conf"
printf '%s\n' 'MarketPulseTier bench 10000000/1h' '<Location /api>' \
    '    MarketPulseAuth optional' '</Location>' '<Location /api/v1>' \
    '    MarketPulseAuth off' '    MarketPulseRateLimit Off' '</Location>' \
    > "$RUN/bench-ratelimit.conf"
added_httpd() {
    MP_HTTPD_NAME=bench-$1 MP_PORT=$2 MP_EXTRA_CONF="$RUN/bench-$1.conf" \
        sh "$STACK" "httpd-$3" >/dev/null
}
stop_added() {
    added_httpd nocache "$NOCACHE_PORT" stop
    added_httpd notified "$NOTIFIED_PORT" stop
    added_httpd ratelimit "$RATELIMIT_PORT" stop
}
trap stop_added EXIT
added_httpd nocache "$NOCACHE_PORT" start
added_httpd notified "$NOTIFIED_PORT" start
added_httpd ratelimit "$RATELIMIT_PORT" start
nocache="http://127.0.0.1:$NOCACHE_PORT"
notified="http://127.0.0.1:$NOTIFIED_PORT"

# prints "req/s p99 static_req/s static_p99" as medians over the rounds;
# $3, a request header for the first URL
measure_pair() {
    : > "$RUN/bench-a" ; : > "$RUN/bench-b"
    for _ in $(seq "$ROUNDS"); do
        measure "$1" "${3:-}" >> "$RUN/bench-a"
        settle
        measure "$2" >> "$RUN/bench-b"
    done
    echo "$(cut -d' ' -f1 "$RUN/bench-a" | median) $(cut -d' ' -f2 "$RUN/bench-a" | median)" \
         "$(cut -d' ' -f1 "$RUN/bench-b" | median) $(cut -d' ' -f2 "$RUN/bench-b" | median)"
}

mkdir -p "$HTDOCS" "$RUN/bench-notified/htdocs"
printf '%-10s %-9s %8s %12s %10s %14s %10s %8s\n' endpoint mode bytes "req/s" "p99 ms" "static req/s" "static p99" ratio
{ echo "$ENDPOINTS"; echo "$CACHED_ENDPOINTS" | sed 's/|cached|/|notified|/'; } |
while IFS='|' read -r name mode path; do
    case " ${MP_BENCH_MODES:-uncached cached notified ratelimit} " in
        *" $mode "*) ;;
        *) continue ;;
    esac
    # the httpd answering, and the document root of its static copies
    case $mode in
        cached) host=$base; docs=$HTDOCS ;;
        notified) host=$notified; docs="$RUN/bench-notified/htdocs" ;;
        *) host=$nocache; docs=$HTDOCS ;;
    esac
    url="$host$path"
    [ "$mode" = uncached ] || curl -fsS -o /dev/null "$url"  # fill the entry
    curl -fsS "$url" -o "$docs/bench-$name.json"
    bytes=$(wc -c < "$docs/bench-$name.json")
    static="$base/bench-$name.json"
    [ "$mode" != notified ] || static="$notified/bench-$name.json"
    set -- $(measure_pair "$url" "$static")
    rps=$1 p99=$2 srps=$3 sp99=$4
    ratio=$(awk -v a="$rps" -v b="$srps" 'BEGIN { printf "%.4f", a / b }')
    printf '%-10s %-9s %8s %12s %10s %14s %10s %8s\n' "$name" "$mode" "$bytes" "$rps" "$p99" "$srps" "$sp99" "$ratio"
done

# Rate limits on a cached hit: limited against unlimited, same httpd,
# same entry, alternated; the cost from the medians, and the spread of
# the rounds' own ratios.
case " ${MP_BENCH_MODES:-uncached cached notified ratelimit} " in
    *" ratelimit "*)
        limited="http://127.0.0.1:$RATELIMIT_PORT/api/dashboard"
        unlimited="http://127.0.0.1:$RATELIMIT_PORT/api/v1/dashboard"
        key="X-API-Key: $(sh "$ROOT/scripts/keys.sh" create --name "bench $$" \
                            --tier bench --scopes read | tail -n1)"
        curl -fsS -o /dev/null -H "$key" "$limited"
        curl -fsS -D - -o /dev/null -H "$key" "$limited" |
            grep -qi '^RateLimit: "bench"' || {
            echo "bench: $limited carries no RateLimit field of the key's tier" >&2
            exit 1; }
        set -- $(measure_pair "$limited" "$unlimited" "$key")
        spread=$(paste -d' ' "$RUN/bench-a" "$RUN/bench-b" |
                 awk '{ r = $1 / $3; if (NR == 1 || r < lo) lo = r;
                        if (NR == 1 || r > hi) hi = r }
                      END { printf "%.3f-%.3f", lo, hi }')
        printf '\n%-10s %-9s %12s %10s %16s %12s %8s %12s\n' endpoint mode \
            "key+limit r/s" "p99 ms" "auth off r/s" "p99 ms" cost "pair ratios"
        printf '%-10s %-9s %12s %10s %16s %12s %7s%% %12s\n' dashboard ratelimit \
            "$1" "$2" "$3" "$4" \
            "$(awk -v a="$1" -v b="$3" 'BEGIN { printf "%.1f", (1 - a / b) * 100 }')" \
            "$spread"
        ;;
esac
rm -f "$RUN/bench-a" "$RUN/bench-b"
echo "(cached: strict = every hit checked with Redis, notified = hits from this host's memory)"
echo "($ROWS transactions, wrk -t$THREADS -c$CONNS -d${SECONDS_EACH}s, medians of $ROUNDS alternating rounds, $(nproc) cores; ratio = endpoint req/s / static copy req/s, same httpd)"
