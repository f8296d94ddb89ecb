"""Timestamps leave as RFC 3339 to the second in every form (list, one
row, CSV, NDJSON), rewritten in C from PostgreSQL's text; cursors keep
them to the microsecond, so rows that share a second page exactly; and
a DateStyle set on the role does not change any of it."""
import base64
import csv
import io
import json

import pytest

pytestmark = pytest.mark.usefixtures("writes_undone")

SECOND = "2031-01-02T03:04:05Z"
# the same second, apart by microseconds; inserted out of order
MICROS = ["000001", "5", "999999", "0", "25"]


@pytest.fixture(scope="module")
def same_second(stack):
    """Five completed sales of one customer within one second, newer than
    anything seeded: (customer_id, ids newest first)."""
    cid = stack.sql("SELECT min(id) FROM customers")[0][0]
    pid = stack.sql("SELECT min(id) FROM products")[0][0]
    for us in MICROS:
        stack.sql("INSERT INTO transactions (customer_id, product_id,"
                  " quantity, unit_price, amount, status, transaction_date)"
                  " VALUES (%s, %s, 1, 10, 10, 'completed',"
                  " ('2031-01-02 03:04:05.' || %s || '+00')::timestamptz)",
                  (cid, pid, us))
    ids = [r[0] for r in stack.sql(
        "SELECT id FROM transactions WHERE transaction_date >= '2031-01-01Z'"
        " ORDER BY transaction_date DESC, id DESC")]
    assert len(ids) == len(MICROS)
    return cid, ids


def cursor_key(cursor):
    padded = cursor + "=" * (-len(cursor) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))["k"]


def walk_one_by_one(h, path):
    rows, cursor = [], None
    while True:
        body = h.get(path + ("&cursor=" + cursor if cursor else "")).json()
        rows += body["data"]
        cursor = body["pagination"]["next_cursor"]
        if not cursor or len(rows) >= len(MICROS):
            return rows, cursor


@pytest.mark.parametrize("filters", ["", "&from=2031-01-02&to=2031-01-02",
                                     "&customer_id={cid}"])
def test_rows_within_one_second_page_exactly(rolled, same_second, filters):
    cid, ids = same_second
    rows, _ = walk_one_by_one(
        rolled, "/api/transactions?limit=1" + filters.format(cid=cid))
    assert [r["id"] for r in rows] == ids
    assert {r["transaction_date"] for r in rows} == {SECOND}


def test_cursor_keeps_the_microseconds(rolled, same_second):
    body = rolled.get("/api/transactions?limit=1").json()
    assert cursor_key(body["pagination"]["next_cursor"]) \
        == "2031-01-02T03:04:05.999999Z"
    body = rolled.get("/api/customers?sort=last_purchase&limit=1").json()
    assert body["data"][0]["customer_id"] == same_second[0]
    assert body["data"][0]["last_purchase"] == SECOND
    assert cursor_key(body["pagination"]["next_cursor"]) \
        == "2031-01-02T03:04:05.999999Z"


def test_every_form_shows_the_same_text(rolled, same_second):
    cid, ids = same_second
    one = rolled.get("/api/transactions/%d" % ids[0]).json()["data"]
    listed = rolled.get("/api/transactions?limit=1").json()["data"][0]
    assert one == listed
    assert one["transaction_date"] == SECOND
    assert len(one["created_at"]) == 20 and one["created_at"].endswith("Z")
    path = "/api/transactions/export?from=2031-01-02&to=2031-01-02&format="
    csv_rows = list(csv.DictReader(io.StringIO(rolled.get(path + "csv").text)))
    assert [int(r["id"]) for r in csv_rows] == ids
    assert {r["transaction_date"] for r in csv_rows} == {SECOND}
    assert csv_rows[0]["created_at"] == one["created_at"]
    nd = [json.loads(line)
          for line in rolled.get(path + "ndjson").text.splitlines()]
    assert nd[0] == one
    customer = rolled.get("/api/customers/%d" % cid).json()["data"]
    assert customer["last_purchase"] == SECOND
    assert customer["latest_transactions"][0] == one


def test_a_role_datestyle_changes_nothing(stack, rolled, same_second):
    expected = rolled.get("/api/transactions?limit=3").json()
    stack.sql("ALTER ROLE marketpulse SET DateStyle = 'SQL, DMY'")
    h = stack.httpd("datestyle", extra_conf="<Location /api>\n"
                    "    MarketPulseCache Off\n</Location>\n")
    try:
        h.start()                      # new sessions, with the role's setting
        assert h.get("/api/transactions?limit=3").json() == expected
    finally:
        stack.sql("ALTER ROLE marketpulse RESET DateStyle")
        h.stop()
