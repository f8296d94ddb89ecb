#!/bin/sh
# Writes stdin as a C string constant named $1, one source line per input
# line, so the module carries docs/openapi.json without reading files.
set -eu
name=$1
printf '/* Generated from docs/openapi.json by scripts/embed-json.sh. */\n'
printf 'const char %s[] =\n' "$name"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/'
printf ';\n'
