"""Load without loss, against an httpd with the stack's shipped settings
(threads sized for 256 keep-alive clients, connections for PostgreSQL):
256 concurrent keep-alive clients for MP_LOAD_SECONDS (30) on a cached
read, an uncached read and a mix with writes lose no connection and get
no answer but a 2xx; the rollups are exact afterwards.  Then two graceful
reloads during 64-client load: no failed request for a client that
retries, as HTTP clients do, a request whose connection closed before any
byte of its answer, and no lost or doubled write."""
import http.client
import os
import re
import subprocess
import threading
import time
import uuid

import pytest

from conftest import ASAN, ROOT, bound_in_time, metric, wait_until
from test_rollups import assert_rebuild_changes_nothing, compare_all

pytestmark = pytest.mark.usefixtures("writes_undone")

SECONDS = int(os.environ.get("MP_LOAD_SECONDS", "30"))
LOAD_LUA = os.path.join(ROOT, "scripts", "load.lua")


@pytest.fixture(scope="module")
def shipped(stack):
    """An httpd with nothing but the stack's own configuration."""
    h = stack.httpd("load").start()
    yield h
    h.stop()


# An answer slower than this is wrk's "timeout" error.  The module under
# ASan and UBSan (make test-asan) is several times slower, and 256 mixed
# clients on 2 cores see answers near 5 s there: slow, not lost.
WRK_TIMEOUT = "20s" if ASAN else "5s"


def wrk(httpd, mode, clients, seconds):
    """wrk's figures (its answers are counted by status only: not held to
    the document, unlike the fixture's requests)."""
    out = subprocess.run(
        ["wrk", "-t2", "-c%d" % clients, "-d%ds" % seconds, "--timeout",
         WRK_TIMEOUT, "-s", LOAD_LUA, httpd.base],
        env=dict(os.environ, MP_LOAD=mode, MP_LOAD_TAG=uuid.uuid4().hex[:8]),
        capture_output=True, text=True, timeout=seconds + 60, check=True)
    statuses = {int(code): int(n) for code, n in
                re.findall(r"^status (\d+) (\d+)$", out.stdout, re.M)}
    errors = dict((k, int(v)) for k, v in
                  re.findall(r"(\w+)=(\d+)", re.search(
                      r"^errors (.*)$", out.stdout, re.M).group(1)))
    return statuses, errors, out.stdout


def assert_no_loss(httpd, mode, expected_codes):
    statuses, errors, text = wrk(httpd, mode, 256, SECONDS)
    print(mode, text)
    assert sum(statuses.values()) > 0, text
    assert set(statuses) <= expected_codes, text
    if ASAN:
        # Under ASan an answer takes seconds, a child's 256 threads can
        # all be busy, and the event MPM then closes its idle keep-alive
        # connections (AH10159 in the log): seen 3 of 4,972 uncached
        # reads.  The run still holds the module to its memory checks;
        # closes are bounded, not zero, there.
        closed = errors.pop("read")
        assert closed * 1000 <= sum(statuses.values()), text
        errors["read"] = 0
    assert errors == {"connect": 0, "read": 0, "write": 0, "status": 0,
                      "timeout": 0}, text
    log = httpd.error_log()
    assert "AH00484" not in log           # never out of workers
    assert "Segmentation fault" not in log


@bound_in_time("256 clients at the cached rate (6,500 requests a second) "
               "with no connection closed unanswered; under ASan a few were "
               "(9 of 195,000, no child lost, nothing logged)")
def test_cached_reads_lose_nothing(shipped):
    shipped.get("/api/dashboard")
    assert_no_loss(shipped, "cached", {200})


def test_uncached_reads_lose_nothing(shipped):
    assert_no_loss(shipped, "uncached", {200})


def test_reads_and_writes_lose_nothing(stack, shipped, rolled, direct):
    before = stack.sql("SELECT count(*) FROM transactions")[0][0]
    assert_no_loss(shipped, "mixed", {200, 201})
    # wrk stops with requests in flight: let their writes end first
    assert wait_until(lambda: metric(
        shipped, "marketpulse_http_requests_in_flight") == 0, 30)
    assert stack.sql("SELECT count(*) FROM transactions")[0][0] > before
    assert_rebuild_changes_nothing(stack)
    compare_all(rolled, direct)


class RetryingClient(threading.Thread):
    """A keep-alive client that retries a request whose connection closed
    before any byte of its answer came (what HTTP clients do; POSTs carry
    an Idempotency-Key, so their retry is safe).  Anything else is a
    failure: a status other than 2xx, a connection lost mid-answer.
    http.client, not the fixture: under load its answers are counted, not
    held to the document (contract.py would take the cores the load
    needs)."""

    RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError,
                 BrokenPipeError, ConnectionRefusedError)

    def __init__(self, port, n, stop):
        super().__init__(daemon=True)
        self.port, self.n, self.stop = port, n, stop
        self.conn = None
        self.requests = self.retries = 0
        self.failures = []
        self.written = set()        # Idempotency-Keys answered 201

    def connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                   timeout=10)
        return self.conn

    def once(self, method, path, body, headers):
        for attempt in range(5):
            try:
                conn = self.connection()
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, data
            except self.RETRYABLE:
                self.conn.close()
                self.conn = None
                self.retries += 1
        raise AssertionError("no answer after 5 connections")

    def run(self):
        i = 0
        while not self.stop.is_set():
            i += 1
            if i % 5 == 0:
                key = "reload-%d-%d-%s" % (self.n, i, uuid.uuid4().hex[:6])
                body = ('{"customer_id": %d, "product_id": %d, "quantity": 1,'
                        ' "status": "completed", "transaction_date": '
                        '"2025-03-%02dT10:00:00Z"}'
                        % (1 + i % 90, 1 + self.n % 90, 1 + i % 28))
                req = ("POST", "/api/transactions", body,
                       {"Content-Type": "application/json",
                        "Idempotency-Key": key})
            elif i % 2:
                req = ("GET", "/api/dashboard", None, {})
            else:
                req = ("GET", "/api/customers?limit=5&r=%d-%d" % (self.n, i),
                       None, {})
            try:
                status, data = self.once(*req)
            except Exception as e:             # noqa: BLE001 - reported
                self.failures.append("%s %s: %r" % (req[0], req[1], e))
                self.conn = None
                continue
            self.requests += 1
            if status // 100 != 2:
                self.failures.append("%s %s: %d %s" % (req[0], req[1], status,
                                                       data[:200]))
            elif req[0] == "POST":
                self.written.add(req[3]["Idempotency-Key"])


def test_graceful_reloads_under_load_fail_nothing(stack, shipped):
    # writes an earlier test left in flight end before the count
    assert wait_until(lambda: metric(
        shipped, "marketpulse_http_requests_in_flight") == 0, 30)
    before = stack.sql("SELECT count(*) FROM transactions")[0][0]
    stop = threading.Event()
    clients = [RetryingClient(shipped.port, n, stop) for n in range(64)]
    for c in clients:
        c.start()
    try:
        for _ in range(2):
            time.sleep(SECONDS / 3)
            stack.run("reload", env=shipped.env())
        time.sleep(SECONDS / 3)
    finally:
        stop.set()
        for c in clients:
            c.join(30)
    failures = [f for c in clients for f in c.failures]
    written = set().union(*(c.written for c in clients))
    served = sum(c.requests for c in clients)
    print("requests %d, retried %d, written %d" % (
        served, sum(c.retries for c in clients), len(written)))
    assert failures == []
    assert served > 1000 and written
    assert stack.sql("SELECT count(*) FROM transactions")[0][0] \
        == before + len(written)
    log = shipped.error_log()
    assert log.count("Doing graceful restart") >= 2
    assert "Segmentation fault" not in log
    assert wait_until(lambda: shipped.get("/api/ready").status_code == 200)
