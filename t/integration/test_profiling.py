"""The query profile against the real stack: a statement held up by a
lock shows in the ring of slow statements and in the error log with its
request id; a reset empties the profile but not the Prometheus counters;
a graceful restart starts it empty; it answers only where admin is on."""
import os
import signal
import threading
import time
import uuid

import pytest

from conftest import metric, wait_until

SLOW_MS = 200


@pytest.fixture(scope="module")
def profiled(stack):
    h = stack.httpd("profiled", extra_conf=(
        "MarketPulseSlowQueryMs %d\nMarketPulseVerySlowQueryMs 100000\n"
        "<Location /api>\n    MarketPulseCache Off\n</Location>\n" % SLOW_MS))
    h.start()
    yield h
    h.stop()


def profile(h):
    r = h.get("/api/health/profiling")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def statement(data, label):
    return next((s for s in data["statements"] if s["statement"] == label),
                None)


def test_a_slow_statement_is_kept_with_its_request_id(stack, profiled):
    rid = "slow-" + uuid.uuid4().hex
    conn = stack.connect()
    conn.autocommit = False
    answers = []
    try:
        with conn.cursor() as cur:
            cur.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
            t = threading.Thread(target=lambda: answers.append(profiled.get(
                "/api/products/1", headers={"X-Request-ID": rid})))
            t.start()
            time.sleep(2 * SLOW_MS / 1000.0)
    finally:
        conn.rollback()
        conn.close()
    t.join(10)
    assert answers and answers[0].status_code == 200
    data = profile(profiled)
    assert data["thresholds"] == {"slow_ms": SLOW_MS, "very_slow_ms": 100000}
    mine = [q for q in data["slow_queries"] if q["request_id"] == rid]
    assert len(mine) == 1
    assert mine[0]["statement"] == "product_by_id"
    assert mine[0]["duration_ms"] >= SLOW_MS
    figures = statement(data, "product_by_id")
    assert figures["slow"] >= 1 and figures["very_slow"] == 0
    assert figures["max_ms"] >= SLOW_MS
    assert figures["min_ms"] <= figures["avg_ms"] <= figures["max_ms"]
    assert wait_until(lambda: "[request %s] slow statement product_by_id" % rid
                      in profiled.error_log())


def test_figures_count_every_run(profiled):
    before = statement(profile(profiled), "customer_by_id")
    for _ in range(5):
        assert profiled.get("/api/customers/1").status_code == 200
    after = statement(profile(profiled), "customer_by_id")
    assert after["count"] - (before["count"] if before else 0) == 5
    assert after["errors"] == (before["errors"] if before else 0)
    assert after["min_ms"] <= after["p95_ms"] <= after["max_ms"]


def test_a_reset_empties_the_profile_not_the_counters(profiled):
    profiled.get("/api/customers/1")
    series = ('marketpulse_db_statement_duration_seconds_count'
              '{statement="customer_by_id"}')
    counted = metric(profiled, series)
    assert counted >= 1
    r = profiled.request("POST", "/api/admin/profiling/reset")
    assert r.status_code == 200 and r.json()["data"] == {"reset": True}
    data = profile(profiled)
    assert data["statements"] == [] and data["slow_queries"] == []
    assert metric(profiled, series) == counted      # monotonic


def test_a_graceful_restart_starts_an_empty_profile(stack, profiled):
    profiled.get("/api/customers/1")
    assert statement(profile(profiled), "customer_by_id")["count"] >= 1
    with open(os.path.join(stack.run_dir, profiled.name, "httpd.pid")) as f:
        os.kill(int(f.read().split()[0]), signal.SIGUSR1)
    # the new generation's children answer with the new segment
    assert wait_until(lambda: statement(profile(profiled),
                                        "customer_by_id") is None, timeout=15)


def test_the_profile_answers_only_where_admin_is_on(stack):
    h = stack.httpd("no-profile", extra_conf=(
        "<Location /api/health/profiling>\n    MarketPulseAdmin Off\n"
        "</Location>\n")).start()
    try:
        r = h.get("/api/health/profiling")
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "FORBIDDEN"
    finally:
        h.stop()
