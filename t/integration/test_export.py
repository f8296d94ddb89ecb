"""GET /api/transactions/export: streamed CSV and NDJSON whose rows and
sums match SQL, compressed by mod_deflate, and a client that goes away
midway stops the query and leaves no busy connection behind."""
import csv
import gzip
import io
import json
import socket
import time
from decimal import Decimal

import pytest

from conftest import wait_until

pytestmark = pytest.mark.usefixtures("writes_undone")


def sql_count_sum(stack, where="true", args=None):
    return stack.sql("SELECT count(*), coalesce(sum(amount), 0) FROM "
                     "transactions WHERE " + where, args)[0]


def test_csv_rows_and_sums_match_sql(api, stack):
    r = api.get("/api/transactions/export?format=csv", timeout=60)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.headers.get("Transfer-Encoding") == "chunked"
    rows = list(csv.DictReader(io.StringIO(r.text)))
    count, total = sql_count_sum(stack)
    assert len(rows) == count
    assert sum(Decimal(row["amount"]) for row in rows) == total
    keys = [(row["transaction_date"], int(row["id"])) for row in rows]
    assert keys == sorted(keys, reverse=True)          # newest first


def test_ndjson_with_filters_matches_sql(api, stack):
    r = api.get("/api/transactions/export?format=ndjson&status=refunded"
                "&from=2025-03-01&to=2025-08-31", timeout=60)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/x-ndjson"
    rows = [json.loads(line) for line in r.text.splitlines()]
    count, total = sql_count_sum(
        stack, "status = 'refunded' AND transaction_date >= '2025-03-01Z'"
        " AND transaction_date < '2025-09-01Z'")
    assert len(rows) == count > 0
    assert sum(Decimal(row["amount"]) for row in rows) == total
    assert all(row["status"] == "refunded" for row in rows)
    first = rows[0]
    assert api.get("/api/transactions/%d" % first["id"]).json()["data"] \
        == first


def test_an_empty_export_is_just_the_header(api):
    r = api.get("/api/transactions/export?customer_id=999999999")
    assert r.status_code == 200
    assert r.text == ("id,customer_id,product_id,quantity,unit_price,amount,"
                      "status,transaction_date,created_at\r\n")
    r = api.get("/api/transactions/export?format=ndjson"
                "&customer_id=999999999")
    assert r.status_code == 200 and r.text == ""


def test_export_is_compressed(api):
    plain = api.get("/api/transactions/export?customer_id=3").content
    r = api.get("/api/transactions/export?customer_id=3",
                headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(r.raw.read()) == plain


@pytest.mark.parametrize("query", ["format=xml", "status=lost",
                                   "from=2025-13-01", "customer_id=-1"])
def test_export_parameters_are_checked(api, query):
    r = api.get("/api/transactions/export?" + query)
    assert r.status_code == 422
    assert r.headers["Content-Type"] == "application/json"


def export_backends(stack):
    return stack.sql(
        "SELECT state FROM pg_stat_activity WHERE datname = 'marketpulse'"
        "   AND query LIKE '%ORDER BY transaction_date DESC, id DESC'"
        "   AND query NOT LIKE '%LIMIT%'")


def test_client_going_away_stops_the_query(api, stack):
    # enough rows that the answer cannot sit in socket buffers
    stack.sql("BEGIN; ALTER TABLE transactions DISABLE TRIGGER USER;"
              "INSERT INTO transactions (customer_id, product_id, quantity,"
              "  unit_price, amount, status, transaction_date)"
              " SELECT 1 + i % 100, 1 + i % 200, 1, 1.00, 1.00, 'pending',"
              "        timestamptz '2025-01-01Z' + i * interval '1 second'"
              "   FROM generate_series(1, 300000) i;"
              "ALTER TABLE transactions ENABLE TRIGGER USER; COMMIT")
    port = api.port
    # raw bytes: the answer is read in part only, so it is not held to the
    # document (contract.py); the exports the fixture reads whole are
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /api/transactions/export?format=ndjson HTTP/1.1\r\n"
              b"Host: 127.0.0.1\r\n\r\n")
    got = b""
    while len(got) < 65536:
        got += s.recv(65536)
    assert got.startswith(b"HTTP/1.1 200")
    assert export_backends(stack), "the export is not running"
    s.close()
    assert wait_until(lambda: all(state == "idle" for (state,)
                                  in export_backends(stack)), timeout=10), \
        export_backends(stack)
    assert wait_until(lambda: "export stopped after" in api.error_log(),
                      timeout=5)
    # every pooled connection is usable at once
    for _ in range(30):
        assert api.get("/api/transactions?limit=5").status_code == 200
    assert api.get("/api/ready").status_code == 200
