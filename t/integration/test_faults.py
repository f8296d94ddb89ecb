"""Database faults: PostgreSQL stopped, restarted under pooled connections,
down at httpd start; a pool with every connection busy; a statement past
its timeout.  None may hang, crash a child or need an httpd restart."""
import threading
import time

import pytest

from conftest import fresh, metric, no_crash, timed_get, wait_until

UNAVAILABLE = 'marketpulse_db_errors_total{class="unavailable"}'


def test_database_stopped_gives_fast_503_then_recovers(api, stack, db_back_up):
    for _ in range(5):                      # fill the pool with connections
        assert api.get(fresh("/api/dashboard")).status_code == 200
    stack.stop_db()
    unavailable = metric(api, UNAVAILABLE)
    for path in ("/api/dashboard", "/api/customers", "/api/transactions",
                 "/api/ready"):
        r, took = timed_get(api, fresh(path))
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert took < 2.0
    # each counted as the database being unavailable (a pooled connection
    # that breaks may count its failed statement and its reconnect)
    assert metric(api, UNAVAILABLE) - unavailable >= 4
    assert api.get("/api/health/live").status_code == 200
    stack.start_db()
    # the first request after the restart already succeeds
    statuses = [api.get(fresh("/api/dashboard")).status_code for _ in range(20)]
    assert statuses == [200] * 20
    no_crash(api)


def test_restart_with_pooled_connections_needs_no_failed_request(api, stack,
                                                                 db_back_up):
    # connections sit in the pool of each child
    for _ in range(20):
        assert api.get(fresh("/api/products?limit=5")).status_code == 200
    stack.stop_db()
    stack.start_db()
    statuses = [api.get(fresh("/api/products?limit=5")).status_code
                for _ in range(30)]
    assert statuses == [200] * 30
    assert "reconnected" in api.error_log()
    no_crash(api)


def test_httpd_started_while_database_down(stack, db_back_up):
    stack.stop_db()
    late = stack.httpd("late").start()
    try:
        r, took = timed_get(late, fresh("/api/dashboard"))
        assert r.status_code == 503 and took < 2.0
        stack.start_db()
        assert wait_until(lambda: late.get(fresh("/api/dashboard")).status_code
                          == 200, timeout=5)
    finally:
        late.stop()


@pytest.fixture
def gated(stack):
    """An httpd with one database slot per child, one child, a short wait
    for the slot and a short statement timeout."""
    h = stack.httpd("gated", extra_conf="""
ServerLimit 1
StartServers 1
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
MarketPulseDBSlots 1
MarketPulseDBWait 300
MarketPulseStatementTimeout 1500
""").start()
    yield h
    h.stop()


def test_busy_pool_waits_bounded_and_statement_times_out(stack, gated):
    conn = stack.connect()
    conn.autocommit = False
    cur = conn.cursor()
    cur.execute("LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE")
    results = {}

    def slow():
        results["slow"] = timed_get(gated, fresh("/api/dashboard"))

    figures = ("marketpulse_db_gate_timeouts_total",
               'marketpulse_db_errors_total{class="busy"}',
               'marketpulse_db_errors_total{class="timeout"}')
    before = [metric(gated, f) for f in figures]
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)                 # the slow request holds the only slot
    r, took = timed_get(gated, fresh("/api/customers"))
    assert r.status_code == 503
    assert "busy" in r.json()["error"]["message"]
    assert took < 1.2
    t.join(10)
    conn.rollback()
    conn.close()
    slow_r, slow_took = results["slow"]
    assert slow_r.status_code == 503
    assert "timed out" in slow_r.json()["error"]["message"]
    assert 1.3 < slow_took < 4.0
    # one wait ran out (busy), one statement was cancelled (timeout)
    assert [metric(gated, f) - b for f, b in zip(figures, before)] == [1, 1, 1]
    # the slot and the connection are free again
    assert gated.get(fresh("/api/dashboard")).status_code == 200
    no_crash(gated)
