"""The rollups stay exact: after random batches of inserts and status
changes through the API, every analytics endpoint read from the rollups
equals the same endpoint aggregating `transactions` directly
(MarketPulseRollups Off), and key figures equal SQL run here over
`transactions`, to the cent."""
import random
import threading
from decimal import Decimal

import pytest

from conftest import post_json

pytestmark = pytest.mark.usefixtures("writes_undone")

STATUSES = ["completed", "pending", "cancelled", "refunded"]

WINDOWS = ["", "from=2024-11-21&to=2025-11-20", "from=2025-01-10&to=2025-03-15",
           "from=2025-02-01&to=2025-02-28", "from=2025-11-14",
           "to=2025-06-30", "from=2025-05-17&to=2025-05-17",
           "from=2023-01-01&to=2023-12-31", "from=2025-10-01&to=2026-01-31"]

ANALYTICS = (
    ["/api/dashboard?" + w for w in WINDOWS]
    + ["/api/revenue?%s&granularity=%s" % (w, g)
       for w in WINDOWS for g in ("day", "week", "month")]
    + ["/api/revenue?from=2024-11-21&to=2025-11-20&granularity=week&limit=5"]
    + ["/api/customers?sort=%s&order=%s&limit=100" % (s, o)
       for s in ("lifetime_value", "total_orders", "last_purchase", "name")
       for o in ("asc", "desc")]
    + ["/api/customers?segment=smb&country=DE&limit=50",
       "/api/customers?offset=40&limit=30"]
    + ["/api/products?sort=%s&order=%s&limit=100" % (s, o)
       for s in ("revenue", "units_sold", "name") for o in ("asc", "desc")]
    + ["/api/products?category=Books", "/api/products/1", "/api/products/3",
       "/api/products/200", "/api/customers/1", "/api/customers/5"]
)


def random_item(rng):
    day = rng.randrange(0, 420)
    return {
        "customer_id": rng.randrange(1, 60),
        "product_id": rng.randrange(1, 201),
        "quantity": rng.randrange(1, 6),
        "status": rng.choice(STATUSES),
        "transaction_date": "2024-%02d-%02dT%02d:%02d:00Z" % (
            11 + day // 400, 1 + day % 28, rng.randrange(24),
            rng.randrange(60)) if day >= 400 else
        "2025-%02d-%02dT%02d:%02d:%02dZ" % (
            1 + day % 12, 1 + day % 28, rng.randrange(24),
            rng.randrange(60), rng.randrange(60)),
        **({"unit_price": "%d.%02d" % (rng.randrange(0, 500),
                                       rng.randrange(100))}
           if rng.random() < 0.3 else {}),
    }


def compare_all(rolled, direct):
    for path in ANALYTICS:
        a, b = rolled.get(path), direct.get(path)
        assert a.status_code == b.status_code == 200, (path, a.text)
        assert a.json() == b.json(), path


def paged_customers(h, sort):
    """Walks every page of a cursor list."""
    rows, cursor = [], None
    for _ in range(100):
        q = "/api/customers?sort=%s&limit=100" % sort
        r = h.get(q + ("&cursor=" + cursor if cursor else "")).json()
        rows += r["data"]
        cursor = r["pagination"]["next_cursor"]
        if not cursor:
            return rows
    raise AssertionError("too many pages")


def test_rollups_equal_direct_aggregates_after_random_writes(
        api, rolled, direct, stack):
    compare_all(rolled, direct)
    rng = random.Random(20251120)
    for round_no in range(6):
        batch = [random_item(rng) for _ in range(rng.randrange(1, 120))]
        r = post_json(api, "/api/transactions", batch)
        assert r.status_code == 201, r.text
        ids = stack.sql("SELECT id FROM transactions ORDER BY random() "
                        "LIMIT 40")
        for (tid,) in ids:
            r = api.request("PATCH", "/api/transactions/%d" % tid,
                            json={"status": rng.choice(STATUSES)})
            assert r.status_code == 200
        compare_all(rolled, direct)
    for sort in ("lifetime_value", "name"):
        assert paged_customers(rolled, sort) == paged_customers(direct, sort)


def test_rollups_equal_sql_over_transactions(api, rolled, stack):
    rng = random.Random(7)
    r = post_json(api, "/api/transactions",
                  [random_item(rng) for _ in range(200)])
    assert r.status_code == 201
    d = rolled.get("/api/dashboard?from=2025-01-01&to=2025-12-31").json()
    revenue, count, completed = stack.sql(
        "SELECT coalesce(sum(amount) FILTER (WHERE status = 'completed'), 0),"
        "       count(*), count(*) FILTER (WHERE status = 'completed')"
        "  FROM transactions WHERE transaction_date >= '2025-01-01Z'"
        "   AND transaction_date < '2026-01-01Z'")[0]
    assert Decimal(d["data"]["total_revenue"]) == revenue
    assert d["data"]["total_transactions"] == count
    assert d["data"]["status_counts"]["completed"] == completed
    rev = rolled.get("/api/revenue?from=2025-02-10&to=2025-04-20"
                     "&granularity=month").json()["data"]
    buyers, total = stack.sql(
        "SELECT count(DISTINCT customer_id), coalesce(sum(amount), 0)"
        "  FROM transactions WHERE status = 'completed'"
        "   AND transaction_date >= '2025-02-10Z'"
        "   AND transaction_date < '2025-04-21Z'")[0]
    assert rev["totals"]["unique_customers"] == buyers
    assert Decimal(rev["totals"]["total_revenue"]) == total
    march = [p for p in rev["series"] if p["date"] == "2025-03-01"][0]
    assert march["unique_customers"] == stack.sql(
        "SELECT count(DISTINCT customer_id) FROM transactions"
        " WHERE status = 'completed' AND transaction_date >= '2025-03-01Z'"
        "   AND transaction_date < '2025-04-01Z'")[0][0]


REBUILT_TABLES = {
    "sales_daily": "orders <> 0 OR amount <> 0",
    "product_daily": "orders <> 0 OR revenue <> 0",
    "product_monthly": "orders <> 0 OR revenue <> 0",
    "product_sales": "orders <> 0 OR revenue <> 0",
    "customer_sales": "true", "customer_counts": "true",
    "customer_days": "true", "customer_gaps": "customers <> 0",
    "customer_periods": "customers <> 0", "revenue_days": "true",
}


def assert_rebuild_changes_nothing(stack):
    """The incrementally kept tables equal a rebuild from scratch (the
    rebuild is rolled back), also when the rebuilding session writes
    dates its own way."""
    conn = stack.connect()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            before = {}
            for t, keep in REBUILT_TABLES.items():
                cur.execute("SELECT * FROM %s WHERE %s" % (t, keep))
                before[t] = sorted(cur.fetchall(), key=repr)
            cur.execute("SET DateStyle = 'SQL, DMY'")
            cur.execute("SELECT mp_rollup_rebuild()")
            cur.execute("RESET DateStyle")
            for t, keep in REBUILT_TABLES.items():
                cur.execute("SELECT * FROM %s WHERE %s" % (t, keep))
                assert sorted(cur.fetchall(), key=repr) == before[t], t
    finally:
        conn.rollback()
        conn.close()


def test_rebuild_finds_the_triggers_exact(stack):
    assert_rebuild_changes_nothing(stack)


def test_first_and_last_buying_days_of_new_customers(api, rolled, direct,
                                                     stack):
    """A customer's first buying day (alone in its batch, or with others)
    and the removal of its only day leave no trace a rebuild would not
    make."""
    stack.sql("INSERT INTO customers (id, name, email, segment, country,"
              " created_at) SELECT id, 'New ' || id, 'new' || id ||"
              " '@example.com', 'smb', 'DE', now()"
              " FROM generate_series(900001, 900003) AS id")
    one = post_json(api, "/api/transactions", item_on(900001, "2025-04-02"))
    assert one.status_code == 201, one.text
    two = post_json(api, "/api/transactions",
                    [item_on(900002, "2025-04-03"),
                     item_on(900002, "2025-04-09"),
                     item_on(900003, "2025-05-01")])
    assert two.status_code == 201, two.text
    assert_rebuild_changes_nothing(stack)
    compare_all(rolled, direct)
    for tid in [one.json()["data"]["id"]] + two.json()["data"]["ids"][1:]:
        r = api.request("PATCH", "/api/transactions/%d" % tid,
                        json={"status": "cancelled"})
        assert r.status_code == 200, r.text
    assert_rebuild_changes_nothing(stack)
    compare_all(rolled, direct)


def test_statements_that_flip_several_days_of_a_customer(rolled, direct,
                                                         stack):
    """One statement that starts and stops several buying days of the same
    customers at once (the day sets compared whole), then one that
    removes every sale of some customers, leave the rollups as a rebuild
    makes them."""
    flipped = stack.sql(
        "WITH u AS (UPDATE transactions SET status = CASE status"
        "  WHEN 'completed' THEN 'cancelled' ELSE 'completed' END"
        " WHERE customer_id IN (1, 2, 3)"
        "   AND status IN ('completed', 'pending') RETURNING customer_id)"
        " SELECT count(*) FROM u")[0][0]
    assert flipped > 6
    assert_rebuild_changes_nothing(stack)
    gone = stack.sql("WITH d AS (DELETE FROM transactions"
                     " WHERE customer_id IN (4, 5) RETURNING 1)"
                     " SELECT count(*) FROM d")[0][0]
    assert gone > 2
    assert_rebuild_changes_nothing(stack)
    compare_all(rolled, direct)


def test_customer_changes_reach_the_list(rolled, direct, stack):
    """The list reads a customer's name, segment and country from
    customer_sales (migration 011): new customers, a renamed one, one
    moved to another segment and country, a changed id, a statement
    changing many customers and a deleted one show in every sort and
    filter as they do aggregating `transactions`, and as a rebuild makes
    them."""
    stack.sql("INSERT INTO customers (id, name, email, segment, country,"
              " created_at) VALUES (900011, 'Zz Newcomer',"
              " 'zz900011@example.com', 'consumer', 'NO', now()),"
              " (900012, 'Zz Leaving', 'zz900012@example.com', 'smb', 'SE',"
              " now()), (900013, 'Zz Moving', 'zz900013@example.com',"
              " 'smb', 'FI', now())")
    stack.sql("UPDATE customers SET name = 'Aa Renamed' WHERE id = 7")
    stack.sql("UPDATE customers SET segment = 'enterprise', country = 'IS'"
              " WHERE id = 8")
    stack.sql("UPDATE customers SET id = 900014 WHERE id = 900013")
    stack.sql("UPDATE customers SET segment = 'smb', email = email || '.x'"
              " WHERE id BETWEEN 20 AND 60")
    stack.sql("DELETE FROM customers WHERE id = 900012")
    assert_rebuild_changes_nothing(stack)
    compare_all(rolled, direct)
    for sort in ("total_orders", "name"):
        moved = rolled.get("/api/customers?segment=enterprise&country=IS"
                           "&sort=" + sort).json()["data"]
        assert [c["customer_id"] for c in moved] == [8], sort
        nobody = rolled.get("/api/customers?country=ZZ&sort=" + sort)
        assert nobody.json()["data"] == [], sort
    for sort in ("lifetime_value", "last_purchase", "name"):
        rows = {c["customer_id"]: c for c in paged_customers(rolled, sort)}
        assert rows[7]["name"] == "Aa Renamed", sort
        assert (rows[8]["segment"], rows[8]["country"]) == ("enterprise",
                                                            "IS"), sort
        assert rows[900011]["name"] == "Zz Newcomer", sort
        assert rows[900014]["name"] == "Zz Moving", sort
        assert {rows[i]["segment"] for i in range(20, 61)} == {"smb"}, sort
        assert 900012 not in rows and 900013 not in rows, sort


def test_a_customer_without_its_rollup_row_fails_the_batch(api, stack):
    """A customer added while the customers triggers were off has no
    customer_sales row (nor its name for the list): a sale to it fails
    whole, with the error saying what to run, until mp_rollup_rebuild()
    puts the rollups back in step."""
    stack.sql("ALTER TABLE customers DISABLE TRIGGER customers_rollup_insert")
    try:
        stack.sql("INSERT INTO customers (id, name, email, segment, country,"
                  " created_at) VALUES (900021, 'Untracked',"
                  " 'u900021@example.com', 'smb', 'DE', now())")
    finally:
        stack.sql("ALTER TABLE customers ENABLE TRIGGER customers_rollup_insert")
    count = "SELECT count(*) FROM transactions"
    before = stack.sql(count)[0][0]
    logged = len(api.error_log())
    batch = [item_on(1, "2025-04-02"), item_on(900021, "2025-04-02")]
    r = post_json(api, "/api/transactions", batch)
    assert r.status_code == 500, r.text
    # the trigger's RAISE, not some other failure
    assert "SQLSTATE P0001" in api.error_log()[logged:]
    assert stack.sql(count)[0][0] == before
    stack.sql("SELECT mp_rollup_rebuild()")
    assert post_json(api, "/api/transactions", batch).status_code == 201
    assert_rebuild_changes_nothing(stack)


def test_concurrent_writers_on_the_same_days(api, rolled, direct, stack):
    """Writers racing on the same days and customers (inserts and status
    changes) leave every rollup as a rebuild makes it: none renders a day
    from a snapshot that misses another's committed write."""
    days = ["2025-06-%02dT%02d:00:00Z" % (d, h) for d in (3, 4) for h in (1, 13)]
    failures = []

    def writer(seed):
        rng = random.Random(seed)
        for _ in range(6):
            batch = [{"customer_id": rng.randrange(1, 8), "product_id": 9,
                      "quantity": 1, "status": rng.choice(STATUSES),
                      "transaction_date": rng.choice(days)}
                     for _ in range(rng.randrange(1, 30))]
            r = post_json(api, "/api/transactions", batch)
            if r.status_code != 201:
                failures.append(r.text)
                continue
            for tid in rng.sample(r.json()["data"]["ids"],
                                  min(3, len(batch))):
                r = api.request("PATCH", "/api/transactions/%d" % tid,
                                json={"status": rng.choice(STATUSES)})
                if r.status_code != 200:
                    failures.append(r.text)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert_rebuild_changes_nothing(stack)
    compare_all(rolled, direct)


def item_on(customer_id, day):
    return {"customer_id": customer_id, "product_id": 5, "quantity": 1,
            "status": "completed", "transaction_date": day + "T12:00:00Z"}


def test_the_comparison_sees_a_wrong_rollup(rolled, direct, stack):
    """Guards the tests above: the two forms really read different
    tables, so a rollup that drifts shows."""
    path = "/api/products/1"
    assert rolled.get(path).json() == direct.get(path).json()
    stack.sql("UPDATE product_sales SET revenue = revenue + 1"
              " WHERE product_id = 1")
    try:
        assert rolled.get(path).json() != direct.get(path).json()
    finally:
        stack.sql("UPDATE product_sales SET revenue = revenue - 1"
                  " WHERE product_id = 1")
