"""PostgreSQL restarted while batches are being posted: every batch is
wholly in or answered with an error, no httpd child crashes, the next
requests succeed, and retrying the failed batches with their
Idempotency-Key lands each exactly once."""
import datetime
import threading
import time
import uuid

import pytest
import requests

from conftest import post_json, wait_until

pytestmark = pytest.mark.usefixtures("writes_undone")

BATCH = 50
CUSTOMER = 13


def marker(n):
    """A transaction_date no other row has: the batch's fingerprint."""
    at = datetime.datetime(2025, 7, 1, tzinfo=datetime.timezone.utc) \
        + datetime.timedelta(seconds=n)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def batch_rows(stack, n):
    return stack.sql("SELECT count(*) FROM transactions WHERE customer_id = "
                     "%s AND transaction_date = %s", (CUSTOMER, marker(n)))[0][0]


def test_postgres_restart_under_write_load(api, stack, db_back_up):
    answers = {}
    keys = {}
    stop = threading.Event()
    counter = iter(range(10 ** 6))
    lock = threading.Lock()

    def writer():
        while not stop.is_set():
            with lock:
                n = next(counter)
            keys[n] = str(uuid.uuid4())
            body = [{"customer_id": CUSTOMER, "product_id": 1 + i % 200,
                     "quantity": 1, "transaction_date": marker(n)}
                    for i in range(BATCH)]
            try:
                r = post_json(api, "/api/transactions", body,
                              {"Idempotency-Key": keys[n]}, timeout=15)
                answers[n] = (r.status_code, body)
            except requests.RequestException as e:
                answers[n] = (str(e), body)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    stack.run("db-stop")
    time.sleep(0.5)
    stack.start_db()
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join()

    statuses = [s for s, _ in answers.values()]
    assert statuses.count(201) > 5, statuses
    assert any(s != 201 for s in statuses), "the restart was not seen"
    for n, (status, body) in answers.items():
        rows = batch_rows(stack, n)
        if status == 201:
            assert rows == BATCH, (n, status, rows)
        else:
            assert status in (503,), (n, status)
            assert rows in (0, BATCH), (n, status, rows)
    # the next requests succeed, and each failed batch lands exactly once
    assert wait_until(lambda: api.get("/api/ready").status_code == 200, 10)
    for n, (status, body) in answers.items():
        if status != 201:
            r = post_json(api, "/api/transactions", body,
                          {"Idempotency-Key": keys[n]})
            assert r.status_code == 201, r.text
            assert batch_rows(stack, n) == BATCH
    log = api.error_log()
    assert "exit signal" not in log and "Segmentation" not in log
