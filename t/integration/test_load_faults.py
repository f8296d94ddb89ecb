"""Faults under load, against httpds with the stack's shipped settings:
PostgreSQL killed with SIGKILL (not a clean stop) while clients read and
write; Redis restarted empty (generations and fill locks gone) under the
same load; a client that sends its body slower than RequestReadTimeout;
a thousand connections opened and left idle.  Each: no child crash, no
hang, the expected statuses, and recovery without restarting httpd."""
import json
import os
import resource
import signal
import socket
import subprocess
import threading
import time

import pytest
from requests.structures import CaseInsensitiveDict

from conftest import CONTRACT, fresh, metric, no_crash, wait_until
from test_load import wrk
from test_rollups import assert_rebuild_changes_nothing

pytestmark = pytest.mark.usefixtures("writes_undone")


@pytest.fixture(scope="module")
def shipped(stack):
    h = stack.httpd("faults-load").start()
    yield h
    h.stop()


class Load(threading.Thread):
    """wrk in the background: MP_LOAD mode, clients, seconds (its answers
    are counted by status, not held to the document)."""

    def __init__(self, httpd, mode, clients, seconds):
        super().__init__(daemon=True)
        self.args = (httpd, mode, clients, seconds)
        self.result = None

    def run(self):
        self.result = wrk(*self.args)


def socket_errors(errors):
    """wrk's errors but "status" (its count of non-2xx answers)."""
    return {k: v for k, v in errors.items() if k != "status" and v}


def settle(httpd):
    """wrk stops with requests in flight: wait until they have ended."""
    assert wait_until(lambda: metric(
        httpd, "marketpulse_http_requests_in_flight") == 0, 30)


def postmaster(stack):
    data = os.path.join(stack.run_dir, "pg", "data")
    with open(os.path.join(os.path.realpath(data), "postmaster.pid")) as f:
        return int(f.readline())


def processes_of(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],
                         capture_output=True, text=True).stdout
    return [int(p) for p in out.split()] + [pid]


def gone(pids):
    return all(not os.path.exists("/proc/%d" % p) for p in pids)


def test_postgres_killed_under_load(stack, shipped, db_back_up):
    shipped.get("/api/dashboard")
    load = Load(shipped, "mixed", 64, 14)
    load.start()
    time.sleep(3)
    pids = processes_of(postmaster(stack))
    os.kill(pids[-1], signal.SIGKILL)
    # its backends notice the postmaster's death and exit
    assert wait_until(lambda: gone(pids), 15)
    time.sleep(2)
    stack.start_db()                      # crash recovery, same data
    load.join(60)
    statuses, errors, text = load.result
    assert set(statuses) <= {200, 201, 503}, text
    assert statuses.get(503, 0) > 0, text       # the outage was seen
    assert statuses.get(200, 0) > 0 and statuses.get(201, 0) > 0, text
    assert socket_errors(errors) == {}, text
    # back without an httpd restart
    assert wait_until(lambda: shipped.get("/api/ready").status_code == 200,
                      15)
    settle(shipped)
    assert shipped.get("/api/customers?limit=3&after=kill").status_code == 200
    assert_rebuild_changes_nothing(stack)       # no half-written batch
    no_crash(shipped)


def redis_pid(stack):
    with open(os.path.join(stack.run_dir, "redis", "redis.pid")) as f:
        return int(f.read())


def test_redis_restarted_empty_under_load(stack, shipped, direct):
    shipped.get("/api/dashboard")
    load = Load(shipped, "mixed", 64, 10)
    load.start()
    time.sleep(3)
    stack.run("redis-stop")                     # it keeps no data
    stack.run("redis-start")
    load.join(60)
    statuses, errors, text = load.result
    assert set(statuses) <= {200, 201}, text
    assert socket_errors(errors) == {}, text
    settle(shipped)
    # no answer older than the writes: the cached dashboard equals the
    # direct aggregate, once Redis serves again too
    assert wait_until(lambda: shipped.get("/api/health/cache").json()
                      ["data"]["backend"] == "redis", 15)
    for path in ("/api/dashboard", "/api/products?limit=5",
                 "/api/revenue?granularity=month"):
        assert shipped.get(path).json() == direct.get(path).json(), path
    no_crash(shipped)


# Short read timeouts, so slow and idle clients are cut in seconds; and
# no TCP_DEFER_ACCEPT (httpd's default AcceptFilter), so that connections
# which send nothing reach httpd at once instead of waiting in the kernel.
SLOW_CLIENTS = """
Timeout 5
RequestReadTimeout header=2-4,MinRate=500 body=2
AcceptFilter http none
"""


def raised_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    return soft, hard


@pytest.fixture(scope="module")
def impatient(stack):
    """A file limit above the thousand connections of the idle test, for
    this process and the httpd it starts."""
    soft, hard = raised_file_limit()
    h = stack.httpd("impatient", extra_conf=SLOW_CLIENTS).start()
    yield h
    h.stop()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def read_answer(sock, timeout):
    """What the server sent until it closed the connection, and whether
    it did within timeout."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except ConnectionResetError:
        return data, True
    except socket.timeout:
        return data, False


def test_a_body_slower_than_the_timeout_gets_408(impatient):
    body = json.dumps({"customer_id": 1, "product_id": 1, "quantity": 1})
    s = socket.create_connection(("127.0.0.1", impatient.port))
    s.sendall(("POST /api/transactions HTTP/1.1\r\nHost: x\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\n"
               "X-Request-ID: slow-body\r\n\r\n" % len(body)).encode()
              + body[:5].encode())
    start = time.monotonic()
    answer = read_answer(s, 10)[0].decode("latin-1")
    s.close()
    assert time.monotonic() - start < 6
    head, _, rest = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 408"), answer
    # raw bytes (a body that stops), the answer still held to the document
    CONTRACT.check_raw("POST", "/api/transactions", 408, CaseInsensitiveDict(
        line.split(": ", 1) for line in head.split("\r\n")[1:]),
        rest.encode())
    assert "Connection: close" in head
    assert json.loads(rest)["error"]["code"] == "REQUEST_TIMEOUT"
    assert json.loads(rest)["error"]["request_id"] == "slow-body"
    assert impatient.get("/api/health").status_code == 200
    no_crash(impatient)


def open_idle(httpd, n):
    """Connections that send nothing (raw sockets: no answer to check)."""
    return [socket.create_connection(("127.0.0.1", httpd.port))
            for _ in range(n)]


def test_idle_connections_wait_in_the_kernel(stack, shipped):
    """With httpd's default AcceptFilter (TCP_DEFER_ACCEPT) a connection
    that sends nothing is not even handed to httpd for its first 30 s:
    a thousand of them take no thread and the API answers at once."""
    soft, hard = raised_file_limit()
    idle = []
    try:
        idle = open_idle(shipped, 1000)
        start = time.monotonic()
        assert shipped.get(fresh("/api/customers"), timeout=5).status_code \
            == 200
        assert shipped.get("/api/dashboard", timeout=5).status_code == 200
        assert time.monotonic() - start < 1
    finally:
        for s in idle:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    no_crash(shipped)


def test_idle_connections_httpd_sees_are_cut(impatient):
    """Handed to httpd at once, a thousand silent connections take
    threads until mod_reqtimeout's header timeout cuts them: the API
    waits at most that long, every one is closed, nothing is restarted."""
    idle = []
    try:
        idle = open_idle(impatient, 1000)
        start = time.monotonic()
        assert impatient.get("/api/dashboard", timeout=10).status_code == 200
        assert time.monotonic() - start < 5
        deadline = time.monotonic() + 10
        for s in idle:
            closed = read_answer(s, max(0.1, deadline - time.monotonic()))[1]
            assert closed, "a connection still open after the timeout"
        assert impatient.get(fresh("/api/customers"),
                             timeout=5).status_code == 200
        assert impatient.get("/api/ready", timeout=5).status_code == 200
    finally:
        for s in idle:
            s.close()
    no_crash(impatient)
