#!/bin/sh
# Starts and stops the local stack: PostgreSQL 15, Redis and httpd with the
# built module, on loopback ports, all state and logs under one run
# directory.  Idempotent: starting what runs is a no-op.  It stops only
# what it started, by the pid files it keeps.
#
#   stack.sh start          PostgreSQL + Redis + schema + httpd
#   stack.sh stop           everything it started
#   stack.sh status
#   stack.sh db-start | db-stop       PostgreSQL (schema migrated on start)
#   stack.sh redis-start | redis-stop
#   stack.sh httpd-start | httpd-stop | httpd-configtest
#   stack.sh reload         graceful restart of httpd (apachectl -k graceful):
#                           the configuration written again, requests in
#                           flight finished by the old children
#   stack.sh psql [args]    psql as the application user
#
# Environment (defaults in brackets):
#   MP_RUN_DIR     [<checkout>/run]  where everything lives
#   MP_PORT        [8080]   httpd      MP_PG_PORT    [25432]  PostgreSQL
#   MP_REDIS_PORT  [26379]  Redis      MP_MPM        [event]  event|worker|prefork
#   MP_HTTPD_NAME  [httpd]  subdirectory of one httpd instance, so that
#                           several can share one PostgreSQL and Redis
#   MP_EXTRA_CONF  []       a file of directives appended to httpd.conf
#   MP_DOCS_DIR    [<checkout>/node_modules/swagger-ui-dist]  MarketPulseDocs:
#                           the docs page at /api/docs, where the directory
#                           holds Swagger UI (scripts/install-deps.sh puts it
#                           there); without it the page is off
#   MP_MODULE      [<checkout>/mod_marketpulse.so]  the module httpd loads
#                           (another build: scripts/build-rev.sh)
#   MP_CLIENTS     [256]    the concurrent keep-alive clients the stack
#                           holds, none dropped: its threads are sized
#                           for them (httpd.conf.in says how)
#   MP_DB_SLOTS    [nproc]  MarketPulseDBSlots: statements at once
#   MP_EXPORT_SLOTS [2]     MarketPulseExportSlots: exports at once; DBDMax
#                           is the sum of the two (httpd.conf.in says why)
#   MP_LOGLEVEL    [warn]
#   MP_NO_RATELIMIT []      1: httpd.conf loads no mod_ratelimit (what a
#                           site without it gets: MarketPulseTierBandwidth
#                           refused)
#   MP_NO_SHMCB    []       1: httpd.conf loads no mod_socache_shmcb, so the
#                           module has no local cache (what a site without
#                           it gets: with Redis down, no backend at all)
#   MP_PG_SHARED_BUFFERS [256MB]  MP_PG_MAX_WAL [1GB]  PostgreSQL memory and
#                           checkpoint spacing; the scale benchmark sets
#                           them for 10 million rows (scripts/bench-scale.sh)
#   MP_PG_FSYNC    [on]
#   MP_ASAN        []       1: httpd, and only httpd (not PostgreSQL, Redis
#                           or the clients), runs with the AddressSanitizer
#                           and UBSan runtimes preloaded (those the module
#                           names, else the compiler $CC's [cc]), for a
#                           module built with them
#                           (MP_MODULE=<checkout>/mod_marketpulse-asan.so,
#                           `make test-asan`); reports go to files
#                           sanitizer/<httpd name>.{asan,ubsan}.<pid> in the
#                           run directory, leak suppressions t/asan/lsan.supp;
#                           MarketPulseDBWait 5000 and connect_timeout=10
#                           instead of 1000 and 2, as the module is slower
#   MP_ASAN_OPTIONS []      appended to ASAN_OPTIONS under MP_ASAN=1
#   MP_GLIBC_TUNABLES [glibc.malloc.tcache_count=0]  httpd's GLIBC_TUNABLES
#                           (empty: glibc's defaults).  No per-thread malloc
#                           cache: with 512 threads they held 9 MB of a
#                           child's 44 and grew for minutes, for no speed
#                           (docs/operations.md, "Malloc thread caches")
#   MP_AUTH        [optional]  MarketPulseAuth of /api: off|optional|required;
#                           the keys' pepper is auth-pepper in the run
#                           directory, made on first start (scripts/keys.sh
#                           reads it)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${MP_RUN_DIR:-$ROOT/run}
PORT=${MP_PORT:-8080}
# below Linux's ephemeral range (32768-60999): a fixed port inside it can
# be held by some client's outgoing connection in TIME_WAIT, and then the
# server cannot bind it for a minute
PG_PORT=${MP_PG_PORT:-25432}
REDIS_PORT=${MP_REDIS_PORT:-26379}
MPM=${MP_MPM:-event}
HTTPD_NAME=${MP_HTTPD_NAME:-httpd}
MODULE=${MP_MODULE:-$ROOT/mod_marketpulse.so}
PG_BIN=${MP_PG_BIN:-/usr/lib/postgresql/15/bin}
APACHE=${MP_APACHE:-/usr/sbin/apache2}
MODULES=${MP_APACHE_MODULES:-/usr/lib/apache2/modules}
DB=marketpulse
DB_USER=marketpulse

mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
PG="$RUN/pg"
REDIS="$RUN/redis"
HTTPD="$RUN/$HTTPD_NAME"

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

SAN_DIR="$RUN/sanitizer"
# A sanitized httpd (MP_ASAN=1) runs several times slower, so its requests
# get more time for a database slot (the least MarketPulseDBWait, ms) and
# for connecting to PostgreSQL (libpq's connect_timeout, s): the default
# configuration's bounds, not what the tests of those bounds set.
if [ "${MP_ASAN:-}" = 1 ]; then
    MIN_DB_WAIT=5000 CONNECT_TIMEOUT=10
else
    MIN_DB_WAIT=1000 CONNECT_TIMEOUT=2
fi

pid_alive() { [ -f "$1" ] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }

# PostgreSQL refuses to run as root: as root it runs as the unprivileged
# `postgres` user (from Debian's package), otherwise as the caller.
pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 && echo postgres || echo nobody
    else
        id -un
    fi
}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        # from /: the caller's directory may be closed to that user
        (cd / && runuser -u "$(pg_user)" -- "$@")
    else
        "$@"
    fi
}

# The data directory and every parent must be reachable by that user; a
# run directory below a private home (/root) is not, so the cluster then
# lives in a private temporary directory linked from the run directory.
# Prints the cluster's real directory: the postgres user gets this path,
# never one through the run directory's link.
pg_home() {
    if [ -L "$PG" ] || [ -d "$PG/data" ]; then
        readlink -f "$PG"
        return
    fi
    mkdir -p "$PG"
    if [ "$(id -u)" -eq 0 ] && ! as_pg test -x "$PG"; then
        rm -rf "$PG"
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/marketpulse-pg.XXXXXX")
        chmod 755 "$tmp"
        ln -s "$tmp" "$PG"
        say "run directory not reachable by $(pg_user); cluster in $tmp" >&2
    fi
    readlink -f "$PG"
}

pg_password() { cat "$RUN/db-password"; }

dbd_params() {
    echo "host=127.0.0.1 port=$PG_PORT dbname=$DB user=$DB_USER password=$(pg_password) connect_timeout=$CONNECT_TIMEOUT keepalives_idle=30 application_name=mod_marketpulse"
}

psql_app() {
    PGPASSWORD=$(pg_password) psql -X -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB" "$@"
}

db_init() {
    home=$1
    [ -f "$home/data/PG_VERSION" ] && return 0
    [ -f "$RUN/db-password" ] || {
        umask 077
        od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$RUN/db-password"
        umask 022
    }
    chown -R "$(pg_user)" "$home" 2>/dev/null || true
    as_pg sh -c "umask 077; echo '$(pg_password)' > '$home/pwfile'"
    as_pg "$PG_BIN/initdb" -D "$home/data" -U postgres -E UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile="$home/pwfile" >"$home/initdb.log" 2>&1 \
        || { cat "$home/initdb.log" >&2; die "initdb failed"; }
    as_pg rm -f "$home/pwfile"
    as_pg mkdir -p "$home/socket"
}

db_start() {
    home=$(pg_home)
    db_init "$home"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
        as_pg "$PG_BIN/pg_ctl" -D "$home/data" -l "$home/postgres.log" -w \
            -t 60 -o "-p $PG_PORT -k $home/socket -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=${MP_PG_SHARED_BUFFERS:-256MB} -c max_wal_size=${MP_PG_MAX_WAL:-1GB} -c shared_preload_libraries=pg_stat_statements -c fsync=${MP_PG_FSYNC:-on}" \
            start >/dev/null || { tail -20 "$home/postgres.log" >&2; die "PostgreSQL did not start"; }
        say "PostgreSQL on 127.0.0.1:$PG_PORT"
    fi
    db_bootstrap "$home"
    sh "$ROOT/scripts/migrate.sh"
}

# The application role and database, made once through the local socket;
# pg_stat_statements (statement counts, used by the tests and handy for
# operators) and pg_prewarm (the scale benchmark loads the tables into
# shared buffers first) every time, as they need a superuser.
db_bootstrap() {
    home=$1
    exists=$(as_pg psql -X -h "$home/socket" -p "$PG_PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")
    if [ "$exists" != 1 ]; then
        as_pg psql -X -q -h "$home/socket" -p "$PG_PORT" -U postgres -d postgres \
            -v ON_ERROR_STOP=1 -v pw="$(pg_password)" <<SQL
CREATE ROLE $DB_USER LOGIN PASSWORD :'pw';
CREATE DATABASE $DB OWNER $DB_USER;
SQL
    fi
    as_pg psql -X -q -h "$home/socket" -p "$PG_PORT" -U postgres -d "$DB" \
        -c "SET client_min_messages = warning" \
        -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
        -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm"
}

db_stop() {
    [ -d "$PG/data" ] || return 0
    data=$(readlink -f "$PG")/data
    if as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
        say "PostgreSQL stopped"
    fi
}

redis_start() {
    mkdir -p "$REDIS"
    pid_alive "$REDIS/redis.pid" && return 0
    # TCP for the module by default; the socket for single-host setups
    # (MarketPulseRedis unix:...), open to httpd's children
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
        --unixsocket "$REDIS/redis.sock" --unixsocketperm 777 \
        --pidfile "$REDIS/redis.pid" --dir "$REDIS" \
        --logfile "$REDIS/redis.log" --save '' --appendonly no >/dev/null
    for _ in $(seq 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    say "Redis on 127.0.0.1:$REDIS_PORT"
}

# Stops process $1 (SIGTERM, SIGKILL after 10 s), removes its pid file $2
# and says that $3 stopped.
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$1" 2>/dev/null && kill -KILL "$1"
    rm -f "$2"
    say "$3 stopped"
}

# $1: a pid file, $2: what runs there
stop_pidfile() {
    pid_alive "$1" || return 0
    stop_pid "$(head -n1 "$1")" "$1" "$2"
}

redis_stop() { stop_pidfile "$REDIS/redis.pid" Redis; }

# The sanitizer runtimes to preload, ASan's first as it must be: those the
# module was linked with, where the loader finds them (gcc's libasan and
# libubsan: libtool links with gcc, whatever CC compiled), else those of
# the compiler $CC (clang's one runtime, which carries UBSan, or gcc's
# two), as for another build without them (test_builds' older one).  With
# gcc's two, t/asan/ubsan_report_path.c, built here, gives libubsan its
# report file.  -print-file-name answers the bare name when it has none.
sanitizer_preload() {
    cc=${CC:-cc}
    needed=$(ldd "$MODULE" 2>/dev/null || true)
    asan=$(printf '%s\n' "$needed" | awk '$1 ~ /^libasan\.so/ { print $3 }')
    ubsan=$(printf '%s\n' "$needed" | awk '$1 ~ /^libubsan\.so/ { print $3 }')
    if [ -z "$asan" ]; then
        rt=$($cc -print-file-name="libclang_rt.asan-$(uname -m).so" 2>/dev/null || true)
        if [ -f "$rt" ] && [ "${rt#/}" != "$rt" ]; then
            readlink -f "$rt"
            return 0
        fi
        asan=$($cc -print-file-name=libasan.so 2>/dev/null || true)
        ubsan=$($cc -print-file-name=libubsan.so 2>/dev/null || true)
    fi
    for lib in "$asan" "$ubsan"; do
        [ -f "$lib" ] && [ "${lib#/}" != "$lib" ] \
            || die "MP_ASAN: no sanitizer runtimes for $MODULE nor in $cc (scripts/install-deps.sh)"
    done
    shim="$RUN/asan-rt/ubsan_report_path.so"
    if [ ! -f "$shim" ]; then
        mkdir -p "$RUN/asan-rt"
        $cc -shared -fPIC -O1 -o "$shim.tmp" "$ROOT/t/asan/ubsan_report_path.c" -ldl \
            && mv -f "$shim.tmp" "$shim" || die "MP_ASAN: could not build $shim"
    fi
    echo "$(readlink -f "$asan") $(readlink -f "$ubsan") $shim"
}

# Runs $APACHE (start, graceful, configtest alike: each loads the module),
# under MP_ASAN=1 with the runtimes preloaded and the report files named
# sanitizer/<httpd name>.{asan,ubsan}.<pid>.  The environment is this
# command's alone, inherited by httpd's children and nothing else.  A
# finding ends its process (ASan always, UBSan with halt_on_error), so
# nothing runs on after memory went wrong.  The options:
#   log_path                one file per process, .<pid> appended (in
#                           UBSAN_OPTIONS too: with clang it is the same
#                           runtime, with gcc libubsan hands it to libasan)
#   detect_leaks            LeakSanitizer when a process exits normally
#   fast_unwind_on_malloc=0 whole stacks for allocations made inside APR,
#                           httpd and libpq, which keep no frame pointers:
#                           a leak through them still shows the module's
#                           frames, and the suppressions can name theirs
#   allow_user_segv_handler=0, handle_abort=1
#                           httpd's handler of SIGSEGV, SIGBUS, SIGFPE and
#                           SIGABRT would end a crashing child with nothing
#                           but "exit signal" in error.log; ASan's keeps
#                           the stack
#   print_suppressions=0    a leak suppressed leaves no file behind
# No UBSan suppressions: only the module is built with UBSan, so any would
# hide its own code.  MP_ASAN_OPTIONS is appended to ASAN_OPTIONS.
apache() {
    if [ "${MP_ASAN:-}" != 1 ]; then
        GLIBC_TUNABLES="${MP_GLIBC_TUNABLES-glibc.malloc.tcache_count=0}" \
            "$APACHE" "$@"
        return
    fi
    preload=$(sanitizer_preload)
    # the children write theirs as User (www-data when started as root)
    mkdir -p "$SAN_DIR"
    chmod 1777 "$SAN_DIR"
    log="$SAN_DIR/$HTTPD_NAME"
    LD_PRELOAD="$preload" MP_UBSAN_LOG_PATH="$log.ubsan" \
    ASAN_OPTIONS="log_path=$log.asan:detect_leaks=1:fast_unwind_on_malloc=0:allow_user_segv_handler=0:handle_abort=1${MP_ASAN_OPTIONS:+:$MP_ASAN_OPTIONS}" \
    LSAN_OPTIONS="suppressions=$ROOT/t/asan/lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS="log_path=$log.asan:print_stacktrace=1:halt_on_error=1" \
        "$APACHE" "$@"
}

# The pepper of API key hashes, shared by every httpd of the stack (a key
# made once works on each), readable by its owner alone.
auth_pepper() {
    [ -f "$RUN/auth-pepper" ] && return 0
    (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$RUN/auth-pepper")
}

httpd_conf() {
    mkdir -p "$HTTPD/htdocs"
    auth_pepper
    [ -f "$MODULE" ] || die "no module at $MODULE: build it first (make)"
    if [ "$(id -u)" -eq 0 ]; then
        user_lines="User www-data
Group www-data"
    else
        user_lines=""
    fi
    extra=""
    [ -n "${MP_EXTRA_CONF:-}" ] && extra="Include \"$MP_EXTRA_CONF\""
    # a comment sign in front of the LoadModule line, or nothing
    noshmcb=""
    [ "${MP_NO_SHMCB:-}" = 1 ] && noshmcb="# MP_NO_SHMCB: "
    noratelimit=""
    [ "${MP_NO_RATELIMIT:-}" = 1 ] && noratelimit="# MP_NO_RATELIMIT: "
    # the docs page where npm installed Swagger UI; where it did not, a
    # comment that says why the page is off (its default), so the stack
    # runs without it
    docs_dir=${MP_DOCS_DIR:-$ROOT/node_modules/swagger-ui-dist}
    docs="MarketPulseDocs \"$docs_dir\""
    [ -f "$docs_dir/swagger-ui-bundle.js" ] \
        || docs="# docs page off: no Swagger UI in $docs_dir (scripts/install-deps.sh)"
    # threads for clients, connections for PostgreSQL (httpd.conf.in says
    # why); reslist wants DBDMin <= DBDKeep <= DBDMax
    clients=${MP_CLIENTS:-256}
    spare=$((clients / 4))
    [ "$spare" -ge 1 ] || spare=1
    slots=${MP_DB_SLOTS:-$(nproc)}
    export_slots=${MP_EXPORT_SLOTS:-2}
    dbdmax=$((slots + export_slots))
    # every client queued for a slot, each statement up to 20 ms: the last
    # one waits clients x 20 / slots ms, and must not get a 503 for it
    db_wait=$((clients * 20 / slots))
    [ "$db_wait" -ge "$MIN_DB_WAIT" ] || db_wait=$MIN_DB_WAIT
    dbdkeep=$dbdmax
    [ "$MPM" = prefork ] && { dbdmax=1; dbdkeep=1; }
    # sed with | as separator: none of the values holds one
    sed -e "s|@RUN@|$HTTPD|g" -e "s|@PORT@|$PORT|g" -e "s|@MPM@|$MPM|g" -e "s|@REDISPORT@|$REDIS_PORT|g" \
        -e "s|@MODULES@|$MODULES|g" -e "s|@MODULE@|$MODULE|g" \
        -e "s|@DBDPARAMS@|$(dbd_params)|g" -e "s|@DBDMAX@|$dbdmax|g" -e "s|@DBDKEEP@|$dbdkeep|g" \
        -e "s|@CLIENTS@|$clients|g" -e "s|@THREADS@|$((clients * 2))|g" \
        -e "s|@SPARE@|$spare|g" -e "s|@MAXSPARE@|$((clients * 2 + spare))|g" -e "s|@DBSLOTS@|$slots|g" \
        -e "s|@EXPORTSLOTS@|$export_slots|g" \
        -e "s|@LOGLEVEL@|${MP_LOGLEVEL:-warn}|g" -e "s|@EXTRA@|$extra|g" \
        -e "s|@NOSHMCB@|$noshmcb|g" -e "s|@NORATELIMIT@|$noratelimit|g" -e "s|@DBWAIT@|$db_wait|g" -e "s|@DOCS@|$docs|g" \
        -e "s|@AUTH@|${MP_AUTH:-optional}|g" -e "s|@PEPPER@|$RUN/auth-pepper|g" \
        "$ROOT/conf/httpd.conf.in" | awk -v u="$user_lines" '{ if ($0 == "@USER_LINES@") print u; else print }' \
        > "$HTTPD/httpd.conf"
    # A child that switched to User is not dumpable, so UBSan, which reads
    # its UBSAN_OPTIONS from /proc/self/environ when it first reports,
    # could not; with a CoreDumpDirectory mod_unixd makes it dumpable again.
    # (ASan keeps the core files away.)
    if [ "${MP_ASAN:-}" = 1 ]; then
        printf '\n# MP_ASAN\nCoreDumpDirectory "%s"\n' "$SAN_DIR" >> "$HTTPD/httpd.conf"
    fi
}

httpd_configtest() {
    httpd_conf
    apache -f "$HTTPD/httpd.conf" -t
}

httpd_start() {
    pid_alive "$HTTPD/httpd.pid" && return 0
    httpd_conf
    apache -f "$HTTPD/httpd.conf" -k start
    for _ in $(seq 100); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/health/live" 2>/dev/null || true)
        [ "${code:-000}" != 000 ] && {
            say "httpd ($MPM) on http://127.0.0.1:$PORT"
            return 0
        }
        sleep 0.1
    done
    tail -20 "$HTTPD/error.log" >&2 || true
    die "httpd did not answer on port $PORT"
}

# SIGUSR1 to the parent, through httpd's own -k graceful, after the
# configuration is written again and checked (a broken one would stop it).
httpd_reload() {
    pid_alive "$HTTPD/httpd.pid" || die "httpd ($HTTPD_NAME) is not running"
    httpd_conf
    apache -f "$HTTPD/httpd.conf" -t >/dev/null 2>&1 || apache -f "$HTTPD/httpd.conf" -t
    apache -f "$HTTPD/httpd.conf" -k graceful
    say "httpd ($HTTPD_NAME) reloading gracefully"
}

# Stops an httpd gracefully (`apachectl graceful-stop`, as Debian's
# apache2.service does): its children finish their requests and exit,
# within GracefulShutdownTimeout; then the parent, which has removed its
# pid file and would only look again at its next second, is told to stop
# at once.  Stopped at once (SIGTERM) while its workers are busy, a child
# closes their sockets from its main thread while they free them (httpd's
# close_worker_sockets): ASan caught a SEGV there in one stop of three
# after a thousand connections.  $1: the httpd's directory.
stop_httpd_dir() {
    pid_alive "$1/httpd.pid" || return 0
    parent=$(head -n1 "$1/httpd.pid")
    kill -WINCH "$parent"
    for _ in $(seq 60); do
        # exited children stay zombies until the parent's next look
        ps -o stat= --ppid "$parent" | grep -qv '^Z' || break
        sleep 0.1
    done
    stop_pid "$parent" "$1/httpd.pid" "httpd ($(basename "$1"))"
}

httpd_stop() { stop_httpd_dir "$HTTPD"; }

status() {
    if [ -d "$PG/data" ] && as_pg "$PG_BIN/pg_ctl" -D "$(readlink -f "$PG")/data" status >/dev/null 2>&1; then
        say "PostgreSQL: running on $PG_PORT"
    else
        say "PostgreSQL: stopped"
    fi
    pid_alive "$REDIS/redis.pid" && say "Redis: running on $REDIS_PORT" || say "Redis: stopped"
    for d in "$RUN"/*/; do
        [ -f "$d/httpd.pid" ] || continue
        pid_alive "$d/httpd.pid" && say "httpd $(basename "$d"): running" \
            || say "httpd $(basename "$d"): stopped"
    done
}

stop_all() {
    for d in "$RUN"/*/; do
        [ -f "$d/httpd.pid" ] && stop_httpd_dir "${d%/}"
    done
    redis_stop
    db_stop
}

export MP_RUN_DIR="$RUN" MP_PG_PORT="$PG_PORT"
case "${1:-}" in
    start)            db_start; redis_start; httpd_start ;;
    stop)             stop_all ;;
    status)           status ;;
    db-start)         db_start ;;
    db-stop)          db_stop ;;
    redis-start)      redis_start ;;
    redis-stop)       redis_stop ;;
    httpd-start)      httpd_start ;;
    httpd-stop)       httpd_stop ;;
    httpd-configtest) httpd_configtest ;;
    reload)           httpd_reload ;;
    psql)             shift; psql_app "$@" ;;
    dbd-params)       dbd_params ;;
    *) die "usage: stack.sh start|stop|status|db-start|db-stop|redis-start|redis-stop|httpd-start|httpd-stop|httpd-configtest|reload|psql" ;;
esac
