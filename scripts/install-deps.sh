#!/bin/sh
# Installs the Debian packages mod_marketpulse builds, runs and tests with.
# Skips what is installed already; uses sudo when not root.  (libFuzzer,
# for t/fuzz, is in libclang-rt-dev, which clang only recommends.)
set -eu

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
[ -z "$missing" ] && exit 0

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
exit 0
