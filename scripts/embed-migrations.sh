#!/bin/sh
# Writes the C list of the migrations this build expects (every file of
# sql/migrations, by version: its name without .sql), so the module can
# tell a database whose schema is older than its code needs (/api/ready
# answers 503) from one that is in step.  Usage: embed-migrations.sh DIR
set -eu
dir=$1
printf '/* Generated from sql/migrations by scripts/embed-migrations.sh. */\n'
printf '#include "mp_migrations.h"\n\n'
printf 'const char *const mp_migrations[] = {\n'
n=0
array=
for file in "$dir"/*.sql; do
    version=$(basename "$file" .sql)
    # the version is also an element of a PostgreSQL array literal
    case "$version" in
        [0-9][0-9][0-9]_*) ;;
        *) echo "embed-migrations: $file: not NNN_name.sql" >&2; exit 1 ;;
    esac
    case "$version" in
        *[!a-z0-9_]*) echo "embed-migrations: $file: a-z, 0-9 and _ only" >&2
                      exit 1 ;;
    esac
    printf '    "%s",\n' "$version"
    array="$array${array:+,}$version"
    n=$((n + 1))
done
printf '};\n'
printf 'const int mp_migrations_count = %d;\n' "$n"
printf 'const char mp_migrations_array[] = "{%s}";\n' "$array"
