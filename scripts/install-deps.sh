#!/bin/sh
# Installs the Debian packages mod_marketpulse builds, runs and tests with,
# then the Node packages of package-lock.json into node_modules.  Skips
# what is installed already; uses sudo when not root.  (libFuzzer, for
# t/fuzz, is in libclang-rt-dev, which clang only recommends; Chromium and
# its WebDriver drive the docs page's test, with a font for its text.)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES="apache2 apache2-dev libaprutil1-dbd-pgsql libpq-dev libjansson-dev
libhiredis-dev libcmocka-dev redis-server postgresql postgresql-client
wrk apache2-utils prometheus python3 python3-pytest python3-psycopg2 python3-requests python3-jsonschema curl make gcc clang
libclang-rt-dev ca-certificates chromium chromium-driver fonts-dejavu-core"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
# npm comes with Node.js wherever that came from (Debian's nodejs has it
# as a package of its own; another build of nodejs bundles it)
if ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

apt_install() {
    # Debian's packages start their system services; this project runs its
    # own on other ports, so keep the package scripts from starting any.
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
    return 0
}

if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    apt_install
fi

# The Node packages, at the exact versions of package-lock.json: `npm ls`
# (offline) passes when node_modules already holds them, so `make test`
# reaches no registry once they are in.  No install scripts run: none of
# these packages needs one, and @scarf/scarf's (a dependency of
# swagger-ui-dist) would report the install over the network.
cd "$ROOT"
if ! npm ls --all >/dev/null 2>&1; then
    echo "install-deps: npm ci (node_modules from package-lock.json)"
    npm ci --ignore-scripts --no-audit --no-fund
fi
exit 0
