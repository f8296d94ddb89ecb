#!/bin/sh
# Builds the module as it was at a git revision of this checkout, for
# running two builds side by side (a rolling upgrade in the tests, before
# and after in scripts/bench-compare.sh):
#
#   sh scripts/build-rev.sh REV OUT.so
#
# The revision's tree is exported into a temporary directory (the work
# tree is not touched) and built there with its own Makefile.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || { echo "usage: build-rev.sh REV OUT.so" >&2; exit 2; }
REV=$1
OUT=$2
git -C "$ROOT" rev-parse --verify --quiet "$REV^{commit}" >/dev/null \
    || { echo "build-rev: $REV is not a commit of this checkout (a shallow clone?)" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/marketpulse-build.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
git -C "$ROOT" archive "$REV" | tar -x -C "$TMP"
make -s -C "$TMP" mod_marketpulse.so >"$TMP/build.log" 2>&1 \
    || { tail -20 "$TMP/build.log" >&2; echo "build-rev: $REV did not build" >&2; exit 1; }
cp "$TMP/mod_marketpulse.so" "$OUT.tmp" && mv -f "$OUT.tmp" "$OUT"
echo "build-rev: $REV -> $OUT"
