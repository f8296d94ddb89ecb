#!/bin/sh
# Installs the Debian packages mod_marketpulse builds, runs and tests with,
# then the npm packages of package.json (exact versions, package-lock.json)
# into ./node_modules.  Skips what is installed already; uses sudo when not
# root.  (libFuzzer, for t/fuzz, is in libclang-rt-dev, which clang only
# recommends.)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# The npm packages (@redocly/cli lints docs/openapi.json in `make test`):
# `npm ci` installs exactly the lock file's tree, once per change of it;
# the tests then run offline.  Node.js 20.19 or later with npm, as the
# machine has it (Debian 12's own nodejs, 18, is too old for @redocly/cli
# 2); without it the lint test fails and says why, the rest runs.
npm_packages() {
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-deps: no npm: install Node.js 20.19 or later" >&2
        return 0
    fi
    stamp=$ROOT/node_modules/.installed-package-lock.json
    cmp -s "$ROOT/package-lock.json" "$stamp" 2>/dev/null && return 0
    echo "install-deps: npm ci (package-lock.json)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/package-lock.json" "$stamp"
}

PACKAGES="apache2 apache2-dev libaprutil1-dbd-pgsql libpq-dev libjansson-dev
libhiredis-dev libcmocka-dev redis-server postgresql postgresql-client
wrk apache2-utils prometheus python3 python3-pytest python3-psycopg2 python3-requests python3-jsonschema curl make gcc clang
libclang-rt-dev ca-certificates"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    npm_packages
    exit 0
fi

echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Debian's packages start their system services; this project runs its own
# on other ports, so keep the package scripts from starting any.
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    created_policy=1
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
[ -n "$created_policy" ] && $SUDO rm -f "$policy"
npm_packages
exit 0
