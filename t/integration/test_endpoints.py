"""Every read endpoint's happy path, with its figures checked against the
same aggregate computed directly in SQL."""
import re
from decimal import Decimal

import pytest

MONEY = re.compile(r"^-?\d+\.\d\d$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def money(value):
    return "%.2f" % value


def data(resp):
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers.get("X-Request-ID")
    return resp.json()["data"]


def test_health_and_live_answer_without_backends(api):
    for path in ("/api/health", "/api/health/live", "/api/v1/health/live"):
        assert data(api.get(path)) == {"status": "ok", "service": "marketpulse"}


def test_ready_reports_database_up(api):
    body = data(api.get("/api/ready"))
    assert body["status"] == "ready"
    assert body["components"]["database"]["status"] == "up"


def test_dashboard_totals_match_sql(api, stack):
    body = data(api.get("/api/dashboard?from=2025-06-01&to=2025-08-31"))
    assert body["period"] == {"from": "2025-06-01", "to": "2025-08-31"}
    (rev, n, avg, completed, pending, cancelled, refunded), = stack.sql(
        """SELECT sum(amount) FILTER (WHERE status = 'completed'), count(*),
                  avg(amount) FILTER (WHERE status = 'completed'),
                  count(*) FILTER (WHERE status = 'completed'),
                  count(*) FILTER (WHERE status = 'pending'),
                  count(*) FILTER (WHERE status = 'cancelled'),
                  count(*) FILTER (WHERE status = 'refunded')
             FROM transactions
            WHERE transaction_date >= '2025-06-01T00:00:00Z'
              AND transaction_date < '2025-09-01T00:00:00Z'""")
    assert body["total_revenue"] == money(rev)
    assert body["total_transactions"] == n
    assert body["avg_order_value"] == money(avg.quantize(Decimal("0.01")))
    assert body["status_counts"] == {"completed": completed, "pending": pending,
                                     "cancelled": cancelled, "refunded": refunded}


def test_dashboard_top_products_and_trend_match_sql(api, stack):
    body = data(api.get("/api/dashboard"))
    # no window given: from the first to the last day with a transaction
    first, last = stack.sql(
        "SELECT (min(transaction_date) AT TIME ZONE 'UTC')::date::text,"
        "       (max(transaction_date) AT TIME ZONE 'UTC')::date::text"
        "  FROM transactions")[0]
    assert body["period"] == {"from": first, "to": last}
    top = stack.sql(
        """SELECT product_id, sum(amount) FROM transactions
            WHERE status = 'completed' GROUP BY product_id
            ORDER BY 2 DESC, 1 LIMIT 5""")
    assert [(p["product_id"], p["revenue"]) for p in body["top_products"]] == \
        [(pid, money(rev)) for pid, rev in top]
    trend = dict(stack.sql(
        """SELECT (transaction_date AT TIME ZONE 'UTC')::date::text, sum(amount)
             FROM transactions WHERE status = 'completed'
              AND transaction_date >= %s::date - 6 GROUP BY 1""", (last,)))
    assert len(body["daily_trend"]) == 7
    assert body["daily_trend"][-1]["date"] == last
    for day in body["daily_trend"]:
        assert day["revenue"] == money(trend.get(day["date"], 0))


@pytest.mark.parametrize("granularity,trunc", [("day", "day"), ("week", "week"),
                                               ("month", "month")])
def test_revenue_series_matches_sql(api, stack, granularity, trunc):
    body = data(api.get("/api/revenue?from=2025-01-01&to=2025-06-30"
                        "&granularity=" + granularity))
    expected = {row[0]: row[1:] for row in stack.sql(
        """SELECT date_trunc(%s, transaction_date AT TIME ZONE 'UTC')::date::text,
                  sum(amount), count(*), count(DISTINCT customer_id)
             FROM transactions WHERE status = 'completed'
              AND transaction_date >= '2025-01-01T00:00:00Z'
              AND transaction_date < '2025-07-01T00:00:00Z'
            GROUP BY 1""", (trunc,))}
    assert body["series"], body
    for point in body["series"]:
        assert DATE.match(point["date"])
        rev, n, uniq = expected.get(point["date"], (0, 0, 0))
        assert point["total_revenue"] == money(rev)
        assert point["transaction_count"] == n
        assert point["unique_customers"] == uniq
        assert MONEY.match(point["avg_transaction_value"])
    total = sum(v[0] for v in expected.values())
    assert body["totals"]["total_revenue"] == money(total)
    assert body["totals"]["transaction_count"] == sum(v[1] for v in expected.values())


def test_revenue_day_series_has_every_day(api):
    body = data(api.get("/api/revenue?from=2025-03-01&to=2025-03-31"))
    assert [p["date"] for p in body["series"]] == \
        ["2025-03-%02d" % d for d in range(1, 32)]


def test_revenue_limit_keeps_latest_periods_and_their_totals(api, stack):
    body = data(api.get("/api/revenue?from=2025-03-01&to=2025-03-31&limit=3"))
    assert [p["date"] for p in body["series"]] == \
        ["2025-03-29", "2025-03-30", "2025-03-31"]
    assert body["period"] == {"from": "2025-03-29", "to": "2025-03-31"}
    (rev,), = stack.sql(
        """SELECT coalesce(sum(amount), 0) FROM transactions
            WHERE status = 'completed'
              AND transaction_date >= '2025-03-29T00:00:00Z'
              AND transaction_date < '2025-04-01T00:00:00Z'""")
    assert body["totals"]["total_revenue"] == money(rev)


def test_customers_list_matches_sql(api, stack):
    body = api.get("/api/customers?limit=5").json()
    expected = stack.sql(
        """SELECT c.id, sum(t.amount), count(t.id) FROM customers c
             JOIN transactions t ON t.customer_id = c.id AND t.status = 'completed'
            GROUP BY c.id ORDER BY 2 DESC, 1 DESC LIMIT 5""")
    assert [(c["customer_id"], c["lifetime_value"], c["total_orders"])
            for c in body["data"]] == [(i, money(v), n) for i, v, n in expected]
    (total,), = stack.sql("SELECT count(*) FROM customers")
    assert body["pagination"]["total"] == total
    assert body["pagination"]["offset"] == 0
    first = body["data"][0]
    assert set(first) == {"customer_id", "name", "segment", "country",
                          "total_orders", "lifetime_value", "avg_order_value",
                          "first_purchase", "last_purchase"}
    assert TIMESTAMP.match(first["first_purchase"])


def test_customers_filters(api, stack):
    body = api.get("/api/customers?segment=enterprise&country=de&limit=100").json()
    (n,), = stack.sql("SELECT count(*) FROM customers WHERE segment = 'enterprise'"
                      " AND country = 'DE'")
    assert body["pagination"]["total"] == n
    assert all(c["segment"] == "enterprise" and c["country"] == "DE"
               for c in body["data"])


def test_customer_detail_with_latest_transactions(api, stack):
    cid = stack.sql("SELECT customer_id FROM transactions GROUP BY 1"
                    " ORDER BY count(*) DESC, 1 LIMIT 1")[0][0]
    body = data(api.get("/api/customers/%d" % cid))
    (email, ltv, n), = stack.sql(
        """SELECT c.email, coalesce(sum(t.amount) FILTER (WHERE t.status = 'completed'), 0),
                  count(t.id) FILTER (WHERE t.status = 'completed')
             FROM customers c LEFT JOIN transactions t ON t.customer_id = c.id
            WHERE c.id = %s GROUP BY c.id""", (cid,))
    assert body["customer_id"] == cid
    assert body["email"] == email
    assert body["lifetime_value"] == money(ltv)
    assert body["total_orders"] == n
    latest = [r[0] for r in stack.sql(
        "SELECT id FROM transactions WHERE customer_id = %s"
        " ORDER BY transaction_date DESC, id DESC LIMIT 10", (cid,))]
    assert [t["id"] for t in body["latest_transactions"]] == latest


def test_products_list_and_detail_match_sql(api, stack):
    body = api.get("/api/products?sort=units_sold&limit=3").json()
    expected = stack.sql(
        """SELECT product_id, sum(quantity), sum(amount) FROM transactions
            WHERE status = 'completed' GROUP BY 1 ORDER BY 2 DESC, 1 DESC LIMIT 3""")
    assert [(p["product_id"], p["units_sold"], p["revenue"]) for p in body["data"]] \
        == [(i, u, money(r)) for i, u, r in expected]
    pid = expected[0][0]
    one = data(api.get("/api/products/%d" % pid))
    assert one["revenue"] == money(expected[0][2])
    assert one["units_sold"] == expected[0][1]
    assert len(one["daily_revenue"]) == 30
    last = stack.sql("SELECT (max(transaction_date) AT TIME ZONE 'UTC')::date::text"
                     " FROM transactions")[0][0]
    assert one["daily_revenue"][-1]["date"] == last
    daily = dict(stack.sql(
        """SELECT (transaction_date AT TIME ZONE 'UTC')::date::text, sum(amount)
             FROM transactions WHERE status = 'completed' AND product_id = %s
              AND transaction_date >= %s::date - 29 GROUP BY 1""", (pid, last)))
    for day in one["daily_revenue"]:
        assert day["revenue"] == money(daily.get(day["date"], 0))


def test_products_category_filter(api, stack):
    body = api.get("/api/products?category=Books&limit=100").json()
    (n,), = stack.sql("SELECT count(*) FROM products WHERE category = 'Books'")
    assert body["pagination"]["total"] == n == len(body["data"])


def test_transactions_newest_first_with_filters(api, stack):
    body = api.get("/api/transactions?status=refunded&from=2025-05-01"
                   "&to=2025-05-31&limit=50").json()
    expected = [r[0] for r in stack.sql(
        """SELECT id FROM transactions WHERE status = 'refunded'
              AND transaction_date >= '2025-05-01T00:00:00Z'
              AND transaction_date < '2025-06-01T00:00:00Z'
            ORDER BY transaction_date DESC, id DESC LIMIT 50""")]
    assert [t["id"] for t in body["data"]] == expected
    t = body["data"][0]
    assert MONEY.match(t["amount"]) and MONEY.match(t["unit_price"])
    assert TIMESTAMP.match(t["transaction_date"])
    assert set(body["pagination"]) == {"limit", "next_cursor", "has_more"}


def test_v1_alias_serves_the_same(api):
    assert api.get("/api/v1/dashboard").json()["data"] == \
        api.get("/api/dashboard").json()["data"]


def test_head_answers_headers_only(api):
    r = api.request("HEAD", "/api/products?limit=1")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["Content-Type"] == "application/json"


def test_json_is_compressed_by_mod_deflate(api):
    r = api.get("/api/products?limit=100", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == "gzip"
    assert len(r.json()["data"]) == 100


def test_client_request_id_is_echoed(api):
    r = api.get("/api/health", headers={"X-Request-ID": "abc-123.XYZ"})
    assert r.headers["X-Request-ID"] == "abc-123.XYZ"
    r = api.get("/api/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert r.headers["X-Request-ID"] != "bad id\twith spaces"
    assert re.match(r"^[A-Za-z0-9@_=+.:-]+$", r.headers["X-Request-ID"])


def test_window_past_the_data_is_empty_not_inverted(api):
    body = data(api.get("/api/dashboard?from=2030-01-01"))
    assert body["period"] == {"from": "2030-01-01", "to": "2030-01-01"}
    assert body["total_transactions"] == 0 and body["top_products"] == []
    assert [d["date"] for d in body["daily_trend"]][-1] == "2030-01-01"


def test_revenue_over_centuries_costs_only_the_periods_shown(api):
    r = api.get("/api/revenue?from=1900-01-01&to=9999-12-31&limit=3", timeout=5)
    body = data(r)
    assert [p["date"] for p in body["series"]] == \
        ["9999-12-29", "9999-12-30", "9999-12-31"]
    assert r.elapsed.total_seconds() < 2
    body = data(api.get("/api/revenue?from=1900-01-01&to=2025-11-20"
                        "&granularity=month&limit=2"))
    assert [p["date"] for p in body["series"]] == ["2025-10-01", "2025-11-01"]
    assert body["period"]["from"] == "2025-10-01"
