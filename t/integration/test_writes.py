"""The write path against the real stack: POST /api/transactions (one,
batch, every error status), Idempotency-Key (replay, 409, racing
retries), PATCH /api/transactions/{id}, and read-your-writes through the
cache."""
import threading
import uuid
from decimal import Decimal

import pytest

from conftest import post_json

pytestmark = pytest.mark.usefixtures("writes_undone")


def count_transactions(stack):
    return stack.sql("SELECT count(*) FROM transactions")[0][0]


def item(**kw):
    base = {"customer_id": 1, "product_id": 2, "quantity": 3}
    base.update(kw)
    return base


def test_single_post_answers_201_with_location(api, stack):
    price = stack.sql("SELECT unit_price FROM products WHERE id = 2")[0][0]
    r = post_json(api, "/api/transactions",
                  item(transaction_date="2025-06-01T10:00:00+02:00"))
    assert r.status_code == 201, r.text
    tx = r.json()["data"]
    assert r.headers["Location"] == "/api/transactions/%d" % tx["id"]
    assert tx["unit_price"] == "%.2f" % price
    assert Decimal(tx["amount"]) == price * 3
    assert tx["status"] == "completed"
    assert tx["transaction_date"] == "2025-06-01T08:00:00Z"
    again = api.get(r.headers["Location"])
    assert again.status_code == 200
    assert again.json()["data"] == tx
    row = stack.sql("SELECT amount, status FROM transactions WHERE id = %s",
                    (tx["id"],))
    assert row == [(price * 3, "completed")]


def test_batch_post_inserts_all_in_item_order(api, stack):
    items = [item(customer_id=c, quantity=1 + c % 4, unit_price="10.50",
                  status="pending") for c in range(1, 51)]
    r = post_json(api, "/api/v1/transactions", items)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["count"] == 50 and len(data["ids"]) == 50
    assert "Location" not in r.headers
    rows = stack.sql("SELECT id, customer_id, amount FROM transactions "
                     "WHERE id = ANY(%s) ORDER BY id", (data["ids"],))
    assert [r[0] for r in rows] == data["ids"]
    assert [r[1] for r in rows] == list(range(1, 51))
    assert [r[2] for r in rows] == [Decimal("10.50") * (1 + c % 4)
                                    for c in range(1, 51)]


def test_every_invalid_field_of_every_item_is_listed(api, stack):
    before = count_transactions(stack)
    r = post_json(api, "/api/transactions", [
        item(),
        {"customer_id": 0, "product_id": "2", "quantity": 0},
        item(status="lost", unit_price=1.5, transaction_date="yesterday",
             amount="9.99", colour="red"),
        "not an object",
    ])
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "VALIDATION_ERROR"
    fields = {d["field"] for d in err["details"]}
    assert fields == {
        "items[1].customer_id", "items[1].product_id", "items[1].quantity",
        "items[2].status", "items[2].unit_price", "items[2].transaction_date",
        "items[2].amount", "items[2].colour", "items[3]"}
    assert count_transactions(stack) == before


def test_unknown_customer_or_product_is_a_field_error(api, stack):
    before = count_transactions(stack)
    r = post_json(api, "/api/transactions",
                  [item(), item(customer_id=999999999), item(product_id=99999)])
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert {"field": "items[1].customer_id",
            "issue": "no customer has this id"} in details
    assert {"field": "items[2].product_id",
            "issue": "no product has this id"} in details
    assert count_transactions(stack) == before      # all or nothing


@pytest.mark.parametrize("body, details", [
    # only products unknown: the insert leaves the items out, no error
    ([item(), item(product_id=99999), item(product_id=99998)],
     [("items[1].product_id", "no product has this id"),
      ("items[2].product_id", "no product has this id")]),
    # only a customer unknown: the foreign key fails the statement
    (item(customer_id=999999999),
     [("customer_id", "no customer has this id")]),
    (item(customer_id=999999999, product_id=99999),
     [("customer_id", "no customer has this id"),
      ("product_id", "no product has this id")]),
])
def test_unknown_ids_are_found_after_the_insert_fails(api, stack, body,
                                                       details):
    before = count_transactions(stack)
    rollup = stack.sql("SELECT sum(orders) FROM sales_daily")[0][0]
    key = str(uuid.uuid4())
    r = post_json(api, "/api/transactions", body,
                  headers={"Idempotency-Key": key})
    assert r.status_code == 422, r.text
    assert [(d["field"], d["issue"])
            for d in r.json()["error"]["details"]] == details
    assert count_transactions(stack) == before
    assert stack.sql("SELECT sum(orders) FROM sales_daily")[0][0] == rollup
    assert stack.sql("SELECT count(*) FROM idempotency_keys WHERE key = %s",
                     (key,))[0][0] == 0
    # the connection is usable, and the key is free for a corrected body
    r = post_json(api, "/api/transactions", item(),
                  headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text


def test_product_created_during_the_insert_is_503_retry(api, stack):
    """The insert statement's snapshot misses a product that another
    session commits before the module looks for unknown ids: the item was
    left out, yet no id is unknown.  Nothing is saved and the answer is a
    503 asking for a retry, which then succeeds.  A test-only trigger
    holds the insert on an advisory lock while the product is created."""
    stack.sql("CREATE FUNCTION test_hold_insert() RETURNS trigger"
              " LANGUAGE plpgsql AS $$ BEGIN"
              " PERFORM pg_advisory_lock(424242);"
              " PERFORM pg_advisory_unlock(424242); RETURN NULL; END $$")
    stack.sql("CREATE TRIGGER test_hold_insert AFTER INSERT ON transactions"
              " FOR EACH STATEMENT EXECUTE FUNCTION test_hold_insert()")
    holder = stack.connect()
    answer = {}
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(424242)")
        before = count_transactions(stack)
        body = [item(), item(product_id=9001)]
        poster = threading.Thread(target=lambda: answer.update(
            r=post_json(api, "/api/transactions", body)))
        poster.start()
        for _ in range(100):
            waiting = stack.sql("SELECT count(*) FROM pg_locks"
                                " WHERE locktype = 'advisory'"
                                "   AND objid = 424242 AND NOT granted")
            if waiting[0][0]:
                break
            threading.Event().wait(0.05)
        else:
            raise AssertionError("the insert never reached the trigger")
        stack.sql("INSERT INTO products (id, sku, name, category,"
                  " unit_price) VALUES (9001, 'SKU-9001', 'Late Lamp',"
                  " 'Home', 12.50)")
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(424242)")
        poster.join(10)
        r = answer["r"]
        assert r.status_code == 503, r.text
        assert r.json()["error"]["message"].startswith(
            "A product of the request was created while it was being written")
        assert count_transactions(stack) == before
    finally:
        holder.close()
        stack.sql("DROP TRIGGER test_hold_insert ON transactions")
        stack.sql("DROP FUNCTION test_hold_insert()")
    r = post_json(api, "/api/transactions", body)
    assert r.status_code == 201, r.text
    assert count_transactions(stack) == before + 2


@pytest.mark.parametrize("sqlstate", ["deadlock_detected",
                                      "serialization_failure"])
def test_conflict_with_a_concurrent_write_is_503_retry(api, stack, sqlstate):
    """SQLSTATE class 40 aborts a transaction because of another one:
    nothing is saved, the answer says so and asks for a retry, which then
    succeeds.  A test-only trigger raises the SQLSTATE on the update."""
    tx = post_json(api, "/api/transactions", item()).json()["data"]
    stack.sql("CREATE FUNCTION test_conflict() RETURNS trigger"
              " LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'test conflict'"
              " USING ERRCODE = '%s'; END $$" % sqlstate)
    stack.sql("CREATE TRIGGER test_conflict BEFORE UPDATE ON transactions"
              " FOR EACH ROW WHEN (OLD.id = %d)"
              " EXECUTE FUNCTION test_conflict()" % tx["id"])
    try:
        r = api.request("PATCH", "/api/transactions/%d" % tx["id"],
                        json={"status": "refunded"})
    finally:
        stack.sql("DROP TRIGGER test_conflict ON transactions")
        stack.sql("DROP FUNCTION test_conflict()")
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "1"
    assert r.json()["error"]["message"] == (
        "The database aborted the request because of a conflict with a "
        "concurrent one; retry.")
    assert stack.sql("SELECT status FROM transactions WHERE id = %s",
                     (tx["id"],)) == [(tx["status"],)]
    r = api.request("PATCH", "/api/transactions/%d" % tx["id"],
                    json={"status": "refunded"})
    assert r.status_code == 200, r.text


def test_single_object_fields_have_no_prefix(api):
    r = post_json(api, "/api/transactions", {"customer_id": 1})
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["error"]["details"]}
    assert fields == {"product_id", "quantity"}


@pytest.mark.parametrize("body,status", [
    ('{"customer_id": 1,', 400),
    ('', 400),
    ('[]', 422),
    ('42', 422),
])
def test_malformed_or_wrong_shape(api, body, status):
    r = api.request("POST", "/api/transactions", data=body,
                    headers={"Content-Type": "application/json"})
    assert r.status_code == status
    assert r.json()["error"]["request_id"]


def test_wrong_content_type_is_415(api, stack):
    before = count_transactions(stack)
    r = api.request("POST", "/api/transactions", data='{"customer_id": 1}',
                    headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert r.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert count_transactions(stack) == before


def test_batch_over_the_limit_is_413(api, stack):
    before = count_transactions(stack)
    r = post_json(api, "/api/transactions", [item()] * 501)
    assert r.status_code == 413
    assert "MarketPulseMaxBatch" in r.json()["error"]["message"]
    assert count_transactions(stack) == before


def test_body_over_the_limit_is_413(api):
    big = b'[' + b' ' * (1024 * 1024 + 10) + b']'
    r = api.request("POST", "/api/transactions", data=big,
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_amount_overflow_is_422_not_500(api):
    r = post_json(api, "/api/transactions",
                  item(quantity=1000000, unit_price="9999999999.99"))
    assert r.status_code == 422
    # every id exists: the failure is the amount, not an unknown id
    assert "amount" in r.json()["error"]["message"]
    assert not r.json()["error"].get("details")


def test_idempotent_retry_returns_the_first_answer(api, stack):
    key = str(uuid.uuid4())
    body = [item(quantity=2), item(quantity=3)]
    first = post_json(api, "/api/transactions", body,
                      {"Idempotency-Key": key})
    assert first.status_code == 201
    before = count_transactions(stack)
    again = post_json(api, "/api/v1/transactions", body,
                      {"Idempotency-Key": key})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_transactions(stack) == before


def test_idempotent_single_replays_its_location(api):
    key = str(uuid.uuid4())
    first = post_json(api, "/api/transactions", item(),
                      {"Idempotency-Key": key})
    again = post_json(api, "/api/transactions", item(),
                      {"Idempotency-Key": key})
    assert again.status_code == 201
    assert again.headers["Location"] == first.headers["Location"]


def test_same_key_other_body_is_409(api, stack):
    key = str(uuid.uuid4())
    assert post_json(api, "/api/transactions", item(),
                     {"Idempotency-Key": key}).status_code == 201
    before = count_transactions(stack)
    r = post_json(api, "/api/transactions", item(quantity=4),
                  {"Idempotency-Key": key})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "CONFLICT"
    assert count_transactions(stack) == before


def test_malformed_idempotency_key_is_422(api):
    r = post_json(api, "/api/transactions", item(),
                  {"Idempotency-Key": "x" * 300})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "Idempotency-Key"


def test_racing_retries_insert_once(api, stack):
    key = str(uuid.uuid4())
    marker = "2025-03-03T03:03:%02dZ" % (uuid.uuid4().int % 60)
    body = [item(customer_id=7, transaction_date=marker)] * 20
    before = stack.sql("SELECT count(*) FROM transactions WHERE customer_id"
                       " = 7 AND transaction_date = %s", (marker,))[0][0]
    answers = []
    barrier = threading.Barrier(8)

    def retry():
        barrier.wait()
        r = post_json(api, "/api/transactions", body,
                      {"Idempotency-Key": key})
        answers.append((r.status_code, r.text))

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _ in answers] == [201] * 8
    assert len({text for _, text in answers}) == 1
    after = stack.sql("SELECT count(*) FROM transactions WHERE customer_id"
                      " = 7 AND transaction_date = %s", (marker,))[0][0]
    assert after - before == 20


def test_patch_changes_status_and_analytics_follow(api, stack):
    tx = post_json(api, "/api/transactions", item(
        customer_id=11, quantity=5,
        transaction_date="2025-11-20T12:00:00Z")).json()["data"]
    before = api.get("/api/dashboard").json()["data"]
    r = api.request("PATCH", "/api/transactions/%d" % tx["id"],
                    json={"status": "refunded"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "refunded"
    after = api.get("/api/dashboard")
    assert after.headers["X-Cache"] == "MISS"
    a = after.json()["data"]
    assert Decimal(a["total_revenue"]) == \
        Decimal(before["total_revenue"]) - Decimal(tx["amount"])
    assert a["status_counts"]["refunded"] == \
        before["status_counts"]["refunded"] + 1
    assert stack.sql("SELECT status FROM transactions WHERE id = %s",
                     (tx["id"],)) == [("refunded",)]


@pytest.mark.parametrize("path,body,status", [
    ("/api/transactions/999999999", {"status": "refunded"}, 404),
    ("/api/transactions/abc", {"status": "refunded"}, 422),
    ("/api/transactions/1", {"status": "gone"}, 422),
    ("/api/transactions/1", {"status": "refunded", "quantity": 2}, 422),
    ("/api/transactions/1", {}, 422),
    ("/api/transactions/1", ["refunded"], 422),
])
def test_patch_errors(api, path, body, status):
    r = api.request("PATCH", path, json=body)
    assert r.status_code == status
    assert r.json()["error"]["request_id"]


def test_patch_needs_json(api):
    r = api.request("PATCH", "/api/transactions/1", data="status=refunded",
                    headers={"Content-Type":
                             "application/x-www-form-urlencoded"})
    assert r.status_code == 415


def test_post_is_read_by_the_next_cached_read(api):
    customer = 23
    path = "/api/customers/%d" % customer
    api.get(path)
    cached = api.get(path)
    assert cached.headers["X-Cache"] == "HIT"
    orders = cached.json()["data"]["total_orders"]
    r = post_json(api, "/api/transactions", item(customer_id=customer))
    assert r.status_code == 201
    fresh = api.get(path)
    assert fresh.headers["X-Cache"] == "MISS"
    assert fresh.json()["data"]["total_orders"] == orders + 1


def test_transaction_by_id(api, stack):
    tid = stack.sql("SELECT min(id) FROM transactions")[0][0]
    r = api.get("/api/transactions/%d" % tid)
    assert r.status_code == 200
    assert r.json()["data"]["id"] == tid
    assert api.get("/api/transactions/999999999").status_code == 404
    assert api.get("/api/transactions/0").status_code == 422


def test_methods_of_the_transaction_routes(api):
    r = api.request("DELETE", "/api/transactions/1")
    assert r.status_code == 405
    assert "PATCH" in r.headers["Allow"] and "GET" in r.headers["Allow"]
    r = api.request("PUT", "/api/transactions")
    assert r.status_code == 405
    assert "POST" in r.headers["Allow"]
