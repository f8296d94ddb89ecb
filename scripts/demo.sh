#!/bin/sh
# After `stack.sh start`: loads the demo dataset once (100,000 deterministic
# transactions, MP_DEMO_ROWS to change) and prints example requests.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${MP_PORT:-8080}
ROWS=${MP_DEMO_ROWS:-100000}

have=$("$ROOT/scripts/stack.sh" psql -tA -c "SELECT count(*) FROM transactions")
if [ "$have" != "$ROWS" ]; then
    echo "demo: loading $ROWS demo transactions"
    sh "$ROOT/scripts/seed.sh" "$ROWS"
fi

base="http://127.0.0.1:$PORT/api"
cat <<EOT

MarketPulse is running on $base  (make stop to stop it)
Browse and try the API in a browser: $base/docs

  curl -s $base/health
  curl -s $base/ready
  curl -s $base/dashboard
  curl -s '$base/dashboard?from=2025-06-01&to=2025-06-30'
  curl -s '$base/revenue?granularity=month&from=2025-01-01&to=2025-11-20'
  curl -s '$base/customers?sort=lifetime_value&limit=5'
  curl -s '$base/customers?segment=enterprise&country=DE&sort=name&order=asc'
  curl -s $base/customers/42
  curl -s '$base/products?sort=units_sold&limit=5'
  curl -s $base/products/7
  curl -s '$base/transactions?status=refunded&limit=3'
  curl -s $base/openapi.json

Logs: run/httpd/error.log and run/httpd/access.log
EOT
