#!/bin/sh
# Before and after: the endpoints of scripts/bench.sh (uncached and
# cached) against two builds of the module in the same run, the build of
# a git revision (the baseline) and this checkout's, alternated pair by
# pair so that both see the same machine:
#
#   sh scripts/bench-compare.sh REV
#
#   MP_BENCH_PAIRS   [5]  alternating pairs per endpoint; medians printed
#                         with the range of the pairs
#   and bench.sh's MP_BENCH_ROWS, MP_BENCH_SECONDS, MP_BENCH_CONNECTIONS,
#   MP_BENCH_THREADS.  Uses the stack of scripts/stack.sh (MP_RUN_DIR,
#   MP_PORT), starting it if needed; its four httpds (ports MP_PORT+2 to
#   +5) are stopped at the end.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK="$ROOT/scripts/stack.sh"
[ $# -eq 1 ] || { echo "usage: bench-compare.sh REV" >&2; exit 2; }
REV=$1
PORT=${MP_PORT:-8080}
ROWS=${MP_BENCH_ROWS:-1000000}
SECONDS_EACH=${MP_BENCH_SECONDS:-5}
PAIRS=${MP_BENCH_PAIRS:-5}
CONNS=${MP_BENCH_CONNECTIONS:-16}
THREADS=${MP_BENCH_THREADS:-2}
RUN=${MP_RUN_DIR:-$ROOT/run}
mkdir -p "$RUN"

. "$ROOT/scripts/bench-lib.sh"
make -s -C "$ROOT" mod_marketpulse.so >/dev/null
sh "$ROOT/scripts/build-rev.sh" "$REV" "$RUN/baseline.so" >/dev/null
bench_prepare

nocache_conf="$RUN/bench-nocache.conf"
printf '<Location /api>\n    MarketPulseCache Off\n</Location>\n' > "$nocache_conf"

# name port module conf: one httpd of the comparison
httpd() {
    MP_HTTPD_NAME="compare-$1" MP_PORT=$2 MP_MODULE=$3 MP_EXTRA_CONF=$4 \
        sh "$STACK" "httpd-$5" >/dev/null
}
each_httpd() {
    httpd base-cached $((PORT + 2)) "$RUN/baseline.so" "" "$1"
    httpd base-nocache $((PORT + 3)) "$RUN/baseline.so" "$nocache_conf" "$1"
    httpd new-cached $((PORT + 4)) "$ROOT/mod_marketpulse.so" "" "$1"
    httpd new-nocache $((PORT + 5)) "$ROOT/mod_marketpulse.so" "$nocache_conf" "$1"
}
trap 'each_httpd stop' EXIT
each_httpd start

# "median (min-max)" of a column of numbers
summary() {
    sort -n | awk '{ v[NR] = $1 } END { printf "%s (%s-%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

printf '%-10s %-9s %-26s %-26s %7s %-22s %-22s\n' endpoint mode \
    "baseline req/s" "this req/s" ratio "baseline p99 ms" "this p99 ms"
echo "$ENDPOINTS" | while IFS='|' read -r name mode path; do
    if [ "$mode" = cached ]; then
        a="http://127.0.0.1:$((PORT + 2))$path" b="http://127.0.0.1:$((PORT + 4))$path"
        curl -fsS -o /dev/null "$a"; curl -fsS -o /dev/null "$b"  # fill
    else
        a="http://127.0.0.1:$((PORT + 3))$path" b="http://127.0.0.1:$((PORT + 5))$path"
    fi
    : > "$RUN/compare-a"; : > "$RUN/compare-b"
    for i in $(seq "$PAIRS"); do
        # alternate which build goes first, so neither always follows
        # the other's leftover load
        if [ $((i % 2)) -eq 1 ]; then
            measure "$a" >> "$RUN/compare-a"; settle
            measure "$b" >> "$RUN/compare-b"; settle
        else
            measure "$b" >> "$RUN/compare-b"; settle
            measure "$a" >> "$RUN/compare-a"; settle
        fi
    done
    ra=$(cut -d' ' -f1 "$RUN/compare-a" | median)
    rb=$(cut -d' ' -f1 "$RUN/compare-b" | median)
    printf '%-10s %-9s %-26s %-26s %7s %-22s %-22s\n' "$name" "$mode" \
        "$(cut -d' ' -f1 "$RUN/compare-a" | summary)" \
        "$(cut -d' ' -f1 "$RUN/compare-b" | summary)" \
        "$(awk -v a="$ra" -v b="$rb" 'BEGIN { printf "%.3f", b / a }')" \
        "$(cut -d' ' -f2 "$RUN/compare-a" | summary)" \
        "$(cut -d' ' -f2 "$RUN/compare-b" | summary)"
done
rm -f "$RUN/compare-a" "$RUN/compare-b"
echo "(baseline $REV, this checkout $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- mod_marketpulse || echo '+changes'); $ROWS transactions, wrk -t$THREADS -c$CONNS -d${SECONDS_EACH}s, $PAIRS alternating pairs, $(nproc) cores; ratio = this / baseline, medians)"
