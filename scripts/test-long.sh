#!/bin/sh
# The long runs, as `make test-long` and CI (after `make test`) run them:
#   asan  the whole suite against the module built with AddressSanitizer
#         and UBSan (MP_ASAN=1 scripts/test.sh: any report fails it);
#   fuzz  each libFuzzer target for MP_LONG_FUZZ_SECONDS (60) from the
#         committed corpus (t/fuzz, `make fuzz`);
#   load  t/integration/test_load.py with MP_LONG_LOAD_SECONDS (120) per
#         run instead of 30: 256 keep-alive clients on cached, uncached
#         and mixed reads, and the graceful reloads under 64 clients.
# Each part runs even when one before it failed; one line per part, then
# "N parts passed, N failed", and the exit status says whether all held.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=/usr/bin/python3
FUZZ_SECONDS=${MP_LONG_FUZZ_SECONDS:-60}
LOAD_SECONDS=${MP_LONG_LOAD_SECONDS:-120}

results=""
part() {
    name=$1; shift
    echo "== test-long: $name"
    start=$(date +%s)
    if "$@"; then verdict=passed; else verdict=FAILED; fi
    results="$results
$name: $verdict in $(($(date +%s) - start)) s"
}

part asan env MP_ASAN=1 sh scripts/test.sh
part fuzz make -s fuzz FUZZ_SECONDS="$FUZZ_SECONDS"
part load env MP_LOAD_SECONDS="$LOAD_SECONDS" \
    "$PY" -m pytest -q -p no:cacheprovider t/integration/test_load.py

echo "== test-long$results"
failed=$(echo "$results" | grep -c ': FAILED in ')
passed=$(echo "$results" | grep -c ': passed in ')
echo "$passed parts passed, $failed failed"
[ "$failed" -eq 0 ]
