#!/bin/sh
# The whole test suite, as `make test` and CI run it: builds the module with
# -Werror, runs the cmocka unit tests, a short deterministic run of each
# fuzz target (one test each), then the integration tests (pytest driving a
# real PostgreSQL, Redis and httpd that it starts and stops in a temporary
# directory).  Ends with one line "N passed, N failed".
#
# MP_ASAN=1 (`make test-asan`): the same with AddressSanitizer and UBSan.
# The unit tests are built with them, the integration tests run every httpd
# on mod_marketpulse-asan.so with the runtimes preloaded (scripts/stack.sh),
# and a sanitizer report of any httpd fails the run (t/integration/conftest.py).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LOG=$(mktemp -d "${TMPDIR:-/tmp}/marketpulse-testlog.XXXXXX")
trap 'rm -rf "$LOG"' EXIT
PY=/usr/bin/python3          # Debian's, which has python3-pytest

if [ "${MP_ASAN:-}" = 1 ]; then
    build=mod_marketpulse-asan.so
    unit=unit-asan
    export MP_ASAN MP_MODULE="$ROOT/mod_marketpulse-asan.so"
else
    build=all
    unit=unit
fi

if ! make -s $build >"$LOG/build" 2>&1; then
    cat "$LOG/build"
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

make -s $unit >"$LOG/unit" 2>&1
unit_rc=$?
cat "$LOG/unit"
unit_passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$LOG/unit" | awk '{s+=$1} END {print s+0}')
unit_failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$LOG/unit" | awk '{s+=$1} END {print s+0}')
if [ "$unit_rc" -ne 0 ] && [ "$unit_failed" -eq 0 ]; then
    unit_failed=1            # a test program that crashed or did not build
fi

# Each fuzz target on the committed corpus with a fixed seed and a bounded
# number of inputs (t/fuzz/Makefile): "fuzz <target>: ok" or "FAILED".
make -s -C t/fuzz check >"$LOG/fuzz" 2>&1
fuzz_rc=$?
cat "$LOG/fuzz"
fuzz_passed=$(grep -c '^fuzz [a-z_]*: ok$' "$LOG/fuzz")
fuzz_failed=$(grep -c '^fuzz [a-z_]*: FAILED$' "$LOG/fuzz")
if [ "$fuzz_rc" -ne 0 ] && [ "$fuzz_failed" -eq 0 ]; then
    fuzz_failed=1            # the targets did not build (clang, libFuzzer?)
fi

"$PY" -m pytest -q -p no:cacheprovider --junitxml="$LOG/integration.xml" \
    t/integration "$@"
it_rc=$?
counts=$("$PY" - "$LOG/integration.xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 1 0"); sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - k, f, k)
PYEOF
)
set -- $counts
it_passed=$1 it_failed=$2 it_skipped=$3
if [ "$it_rc" -ne 0 ] && [ "$it_failed" -eq 0 ]; then
    it_failed=1              # pytest itself failed (collection, fixture)
fi

passed=$((unit_passed + fuzz_passed + it_passed))
failed=$((unit_failed + fuzz_failed + it_failed))
echo "unit: $unit_passed passed, $unit_failed failed; fuzz: $fuzz_passed passed, $fuzz_failed failed; integration: $it_passed passed, $it_failed failed, $it_skipped skipped"
if [ "$it_skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $it_skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
