"""Walking every page returns every row exactly once, for every sort."""
import pytest


def walk(api, path, limit, key=None):
    ids, cursor, pages = [], None, 0
    while True:
        url = "%s%slimit=%d" % (path, "&" if "?" in path else "?", limit)
        if cursor:
            url += "&cursor=" + cursor
        body = api.get(url).json()
        assert "data" in body, body
        page = body["pagination"]
        assert len(body["data"]) <= limit
        key = key or next(k for k in ("customer_id", "product_id", "id")
                          if k in body["data"][0])
        ids += [row[key] for row in body["data"]]
        pages += 1
        if not page["has_more"]:
            assert page["next_cursor"] is None
            return ids, pages
        assert len(body["data"]) == limit
        cursor = page["next_cursor"]


@pytest.mark.parametrize("sort", ["lifetime_value", "total_orders",
                                  "last_purchase", "name"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_customers_walk_every_row_once(api, stack, sort, order):
    ids, pages = walk(api, "/api/customers?sort=%s&order=%s" % (sort, order), 37)
    (n,), = stack.sql("SELECT count(*) FROM customers")
    assert len(ids) == n == len(set(ids))
    assert pages == -(-n // 37)


def test_customers_walk_in_sort_order(api):
    values = []
    cursor = None
    while True:
        url = "/api/customers?sort=lifetime_value&order=desc&limit=50"
        body = api.get(url + ("&cursor=" + cursor if cursor else "")).json()
        values += [float(c["lifetime_value"]) for c in body["data"]]
        cursor = body["pagination"]["next_cursor"]
        if not cursor:
            break
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("sort", ["revenue", "units_sold", "name"])
def test_products_walk_every_row_once(api, stack, sort):
    ids, _ = walk(api, "/api/products?sort=" + sort, 23)
    assert sorted(ids) == [r[0] for r in stack.sql("SELECT id FROM products ORDER BY 1")]


def test_transactions_walk_every_row_once(api, stack):
    ids, _ = walk(api, "/api/transactions", 100, key="id")
    assert ids == [r[0] for r in stack.sql(
        "SELECT id FROM transactions ORDER BY transaction_date DESC, id DESC")]


def test_transactions_walk_with_filter(api, stack):
    cid = stack.sql("SELECT customer_id FROM transactions GROUP BY 1"
                    " ORDER BY count(*) DESC LIMIT 1")[0][0]
    ids, _ = walk(api, "/api/transactions?customer_id=%d" % cid, 3, key="id")
    assert ids == [r[0] for r in stack.sql(
        "SELECT id FROM transactions WHERE customer_id = %s"
        " ORDER BY transaction_date DESC, id DESC", (cid,))]


def test_offset_pages_cover_the_list(api, stack):
    (n,), = stack.sql("SELECT count(*) FROM products")
    seen = []
    for offset in range(0, n, 60):
        body = api.get("/api/products?sort=name&limit=60&offset=%d" % offset).json()
        assert body["pagination"]["offset"] == offset
        assert body["pagination"]["total"] == n
        seen += [p["product_id"] for p in body["data"]]
    assert len(seen) == n == len(set(seen))


def test_offset_past_the_end_keeps_total(api, stack):
    (n,), = stack.sql("SELECT count(*) FROM products")
    body = api.get("/api/products?offset=100000").json()
    assert body["data"] == []
    assert body["pagination"]["total"] == n
    assert body["pagination"]["has_more"] is False


def test_page_size_default_and_ceiling(api):
    assert len(api.get("/api/products").json()["data"]) == 20
    assert len(api.get("/api/products?limit=100").json()["data"]) == 100
    assert api.get("/api/products?limit=101").status_code == 422
