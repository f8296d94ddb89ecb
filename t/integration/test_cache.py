"""The cache against a real Redis and shared memory: hits and misses,
ETags, TTL, invalidation seen by a second httpd, Redis killed or frozen
under load, and a stampede of misses that reaches PostgreSQL once."""
import gzip
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import bound_in_time, free_port, fresh, wait_until


def unique(path):
    return "%s%su=%s" % (path, "&" if "?" in path else "?", uuid.uuid4().hex)


def test_miss_then_hit_serves_the_same_bytes(api):
    path = unique("/api/products?limit=7&category=Books")
    first = api.get(path)
    second = api.get(path)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache"] == "MISS"
    assert second.headers["X-Cache"] == "HIT"
    assert first.content == second.content
    assert first.headers["ETag"] == second.headers["ETag"]
    assert second.headers["ETag"].startswith('"')      # strong
    assert second.headers["Cache-Control"] == "max-age=30"


def test_equal_requests_share_an_entry(api):
    tag = uuid.uuid4().hex
    assert api.get("/api/products?limit=3&sort=name&u=" + tag) \
        .headers["X-Cache"] == "MISS"
    again = api.get("/api/v1/products?u=%s&sort=name&limit=3" % tag)
    assert again.headers["X-Cache"] == "HIT"


IDENTITY = {"Accept-Encoding": "identity"}


def test_if_none_match_answers_304(api):
    path = unique("/api/dashboard")
    etag = api.get(path, headers=IDENTITY).headers["ETag"]
    for header in (etag, "W/" + etag, '"other", ' + etag, "*"):
        r = api.get(path, headers=dict(IDENTITY, **{"If-None-Match": header}))
        assert r.status_code == 304, header
        assert r.content == b""
        assert r.headers["ETag"] == etag
    r = api.get(path, headers=dict(IDENTITY, **{"If-None-Match": '"nope"'}))
    assert r.status_code == 200


def test_if_none_match_with_the_gzip_etag(api):
    # mod_deflate sends the tag as "<md5>-gzip"; clients send that back
    path = unique("/api/customers?limit=3")
    gz = {"Accept-Encoding": "gzip"}
    etag = api.get(path, headers=gz).headers["ETag"]
    assert etag.endswith('-gzip"')
    r = api.get(path, headers=dict(gz, **{"If-None-Match": etag}))
    assert r.status_code == 304


def test_a_miss_answers_304_when_the_client_has_the_bytes(api):
    tag = uuid.uuid4().hex
    path = "/api/products?limit=2&u=" + tag
    etag = api.get(path, headers=IDENTITY).headers["ETag"]
    api.request("POST", "/api/admin/cache/clear")
    r = api.get(path, headers=dict(IDENTITY, **{"If-None-Match": etag}))
    assert r.headers["X-Cache"] == "MISS"
    assert r.status_code == 304


def test_hits_are_compressed_by_mod_deflate(api):
    path = unique("/api/products?limit=100")
    plain = api.get(path).content
    r = api.get(path, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.headers["X-Cache"] == "HIT"
    assert r.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(r.raw.read()) == plain


def test_errors_and_operations_are_not_cached(api):
    for _ in range(2):
        r = api.get("/api/products?limit=0")
        assert r.status_code == 422 and "X-Cache" not in r.headers
    assert "X-Cache" not in api.get("/api/health").headers
    assert "X-Cache" not in api.get("/api/ready").headers


def test_health_cache_reports_figures(api):
    path = unique("/api/dashboard")
    api.get(path)
    api.get(path)
    body = api.get("/api/health/cache").json()["data"]
    assert body["enabled"] is True
    assert body["backend"] == "redis" and body["redis"] == "up"
    assert body["hits"] >= 1 and body["misses"] >= 1
    assert 0 < body["hit_ratio"] < 1


def test_ttl_expiry(stack):
    h = stack.httpd("ttl", extra_conf="MarketPulseCachePrefix ttl:\n"
                    "<Location /api>\nMarketPulseCacheTTL 1\n</Location>\n").start()
    try:
        path = unique("/api/dashboard")
        assert h.get(path).headers["X-Cache"] == "MISS"
        r = h.get(path)
        assert r.headers["X-Cache"] == "HIT"
        assert r.headers["Cache-Control"] == "max-age=1"
        time.sleep(1.3)
        assert h.get(path).headers["X-Cache"] == "MISS"
    finally:
        h.stop()


def test_invalidation_is_seen_by_a_second_httpd(stack, api):
    other = stack.httpd("second").start()
    (pid, name), = stack.sql("SELECT id, name FROM products ORDER BY id LIMIT 1")
    path = "/api/products/%d" % pid
    try:
        api.request("POST", "/api/admin/cache/clear")
        assert api.get(path).headers["X-Cache"] == "MISS"
        r = other.get(path)
        assert r.headers["X-Cache"] == "HIT"          # one shared Redis
        stack.sql("UPDATE products SET name = name || ' (renamed)' WHERE id = %s",
                  (pid,))
        assert other.get(path).json()["data"]["name"] == name   # still cached
        clear = api.request("POST", "/api/admin/cache/clear")
        assert clear.status_code == 200
        assert clear.json()["data"]["cleared"] is True
        r = other.get(path)
        assert r.headers["X-Cache"] == "MISS"
        assert r.json()["data"]["name"] == name + " (renamed)"
    finally:
        stack.sql("UPDATE products SET name = %s WHERE id = %s", (name, pid))
        api.request("POST", "/api/admin/cache/clear")
        other.stop()


def test_admin_endpoint_needs_admin_location(stack):
    h = stack.httpd("noadmin", extra_conf="<Location /api/admin>\n"
                    "MarketPulseAdmin Off\n</Location>\n").start()
    try:
        r = h.request("POST", "/api/admin/cache/clear")
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "FORBIDDEN"
        assert h.get("/api/admin/cache/clear").status_code == 405
    finally:
        h.stop()


class Redis:
    """A Redis of the test's own, to kill and freeze."""

    def __init__(self, tmp, password=None):
        self.port = free_port()
        self.dir = tmp
        self.password = password
        self.proc = None

    def start(self):
        auth = ["--requirepass", self.password] if self.password else []
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.dir)]
            + auth, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(lambda: self.cli("ping") == "PONG", timeout=5)
        return self

    def cli(self, *args, db=0):
        auth = ["--no-auth-warning", "-a", self.password] if self.password \
            else []
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), "-n", str(db)] + auth
            + list(args), capture_output=True, text=True).stdout.strip()

    def dbsize(self, db=0):
        return int(self.cli("dbsize", db=db))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def own_redis(stack, tmp_path):
    redis = Redis(tmp_path).start()
    h = stack.httpd("cache-" + uuid.uuid4().hex[:6], extra_conf=(
        "MarketPulseRedis 127.0.0.1:%d\nMarketPulseCachePrefix own:\n" % redis.port)
    ).start()
    yield redis, h
    h.stop()
    redis.stop()


@pytest.mark.parametrize("password,stored", [("s3cret", True),
                                              ("wrong", False)])
def test_a_redis_with_a_password_and_a_database(stack, tmp_path, password,
                                                stored):
    """`password=` and `db=` log each new connection in (AUTH, SELECT):
    entries land in that database.  A wrong password leaves Redis out
    (the answers still come, from PostgreSQL) instead of failing them."""
    redis = Redis(tmp_path, password="s3cret").start()
    h = stack.httpd("auth-" + uuid.uuid4().hex[:6], extra_conf=(
        "MarketPulseRedis 127.0.0.1:%d password=%s db=3\n"
        "MarketPulseCachePrefix auth:\n" % (redis.port, password))).start()
    try:
        path = fresh("/api/products?limit=3")
        first, second = h.get(path), h.get(path)
        assert first.status_code == 200 and second.status_code == 200
        assert second.json() == first.json()
        assert redis.dbsize(db=0) == 0
        if stored:
            assert second.headers["X-Cache"] == "HIT"
            assert redis.dbsize(db=3) > 0
        else:
            assert redis.dbsize(db=3) == 0
    finally:
        h.stop()
        redis.stop()


PATHS = ["/api/dashboard", "/api/products?limit=10", "/api/customers?limit=5",
         "/api/revenue?granularity=week", "/api/transactions?limit=5"]


def hammer(h, seconds, out):
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        start = time.monotonic()
        r = h.get(PATHS[i % len(PATHS)])
        out.append((r.status_code, time.monotonic() - start,
                    r.headers.get("X-Cache")))
        i += 1


def test_redis_killed_under_load_falls_back(own_redis):
    redis, h = own_redis
    for p in PATHS:
        h.get(p)
    results = []
    threads = [threading.Thread(target=hammer, args=(h, 3.0, results))
               for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    redis.signal(signal.SIGKILL)
    # asked while the load goes on: each failed probe keeps the breaker
    # open, but once the load stops its open period (2 s) runs out, and
    # a child that has not tried Redis since cannot call it down
    time.sleep(1.0)
    body = h.get("/api/health/cache").json()["data"]
    for t in threads:
        t.join()
    assert results and all(status == 200 for status, _, _ in results)
    assert body["backend"] == "shm" and body["redis"] == "down"
    assert body["fallbacks"] > 0
    assert h.get(PATHS[0]).headers["X-Cache"] in ("HIT", "MISS")
    # Redis back (empty): the module returns to it by itself
    redis.start()
    # every child comes back once its breaker lets a probe through
    assert wait_until(lambda: h.get(unique("/api/dashboard")).ok
                      and redis.dbsize() > 0, timeout=8)


@bound_in_time("every request within 0.5 s while Redis is frozen")
def test_frozen_redis_costs_at_most_the_timeout(own_redis):
    redis, h = own_redis
    for p in PATHS:
        h.get(p)
    redis.signal(signal.SIGSTOP)
    try:
        results = []
        hammer(h, 2.5, results)
        assert all(status == 200 for status, _, _ in results)
        slowest = max(took for _, took, _ in results)
        # MarketPulseRedisTimeout is 50 ms; the margin covers the database
        assert slowest < 0.5, slowest
    finally:
        redis.signal(signal.SIGCONT)
    before = redis.dbsize()
    assert wait_until(lambda: h.get(unique("/api/dashboard")).ok
                      and redis.dbsize() > before, timeout=8)


@bound_in_time("the one filler answers 100 concurrent misses within "
               "the 2 s a waiter waits (FILL_WAIT) before it queries itself")
def test_hundred_concurrent_misses_query_once(stack, api):
    marker = "%nullif(sum(orders) FILTER%"   # the dashboard totals statement
    count = ("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
             " WHERE query LIKE %s")
    before = stack.sql(count, (marker,))[0][0]
    path = unique("/api/dashboard?from=2025-02-01")
    with ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(pool.map(lambda _: api.get(path, timeout=20), range(100)))
    assert all(r.status_code == 200 for r in answers)
    assert len({r.content for r in answers}) == 1
    misses = [r.headers["X-Request-ID"] for r in answers
              if r.headers["X-Cache"] == "MISS"]
    assert len(misses) == 1, "misses (see their log lines): %s" % misses
    after = stack.sql(count, (marker,))[0][0]
    assert after - before == 1


def test_concurrent_misses_on_an_empty_redis_query_once(stack, own_redis):
    """A store without a generation (new, flushed or restarted): the first
    requests race to seed one.  Those that lose read the winner's and wait
    for the one fill; none computes the answer without the fill lock."""
    redis, h = own_redis
    marker = "%nullif(sum(orders) FILTER%"   # the dashboard totals statement
    count = ("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
             " WHERE query LIKE %s")
    for day in ("2025-03-01", "2025-03-02", "2025-03-03"):
        assert redis.cli("flushall") == "OK"
        before = stack.sql(count, (marker,))[0][0]
        path = unique("/api/dashboard?from=" + day)
        with ThreadPoolExecutor(max_workers=60) as pool:
            answers = list(pool.map(lambda _: h.get(path, timeout=20),
                                    range(60)))
        assert all(r.status_code == 200 for r in answers)
        assert len({r.content for r in answers}) == 1
        states = [r.headers["X-Cache"] for r in answers]
        assert states.count("MISS") == 1, states
        assert stack.sql(count, (marker,))[0][0] - before == 1


def test_no_stale_answer_after_an_outage(stack, own_redis):
    """An invalidation that could not reach Redis (it was frozen) still
    retires what Redis held, whichever child reaches Redis first."""
    redis, h = own_redis
    (pid, name), = stack.sql("SELECT id, name FROM products ORDER BY id DESC LIMIT 1")
    path = "/api/products/%d" % pid
    h.get(path)
    assert h.get(path).headers["X-Cache"] == "HIT"
    redis.signal(signal.SIGSTOP)
    try:
        stack.sql("UPDATE products SET name = name || ' (during outage)'"
                  " WHERE id = %s", (pid,))
        r = h.request("POST", "/api/admin/cache/clear")
        # this host is fresh, other hosts only once Redis answers: say so
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"
        assert "Retry" in r.json()["error"]["message"]
        assert h.get(path).json()["data"]["name"] == name + " (during outage)"
    finally:
        redis.signal(signal.SIGCONT)
    try:
        # back on Redis, no answer may show the old name
        assert wait_until(lambda: h.get("/api/health/cache").json()["data"]
                          ["backend"] == "redis", timeout=6)
        for _ in range(10):
            assert h.get(path).json()["data"]["name"] == name + " (during outage)"
    finally:
        stack.sql("UPDATE products SET name = %s WHERE id = %s", (name, pid))
        h.request("POST", "/api/admin/cache/clear")


def test_shared_memory_only_without_redis(stack):
    h = stack.httpd("shm-only", extra_conf="MarketPulseRedis off\n").start()
    try:
        path = unique("/api/customers?limit=4")
        assert h.get(path).headers["X-Cache"] == "MISS"
        assert h.get(path).headers["X-Cache"] == "HIT"
        body = h.get("/api/health/cache").json()["data"]
        assert body["backend"] == "shm" and body["redis"] == "not_configured"
        assert h.get("/api/ready").json()["data"]["components"]["cache"] == \
            {"status": "shm"}
    finally:
        h.stop()


def test_redis_over_a_unix_socket(stack):
    sock = os.path.join(stack.run_dir, "redis", "redis.sock")
    h = stack.httpd("unix", extra_conf="MarketPulseRedis unix:%s\n"
                    "MarketPulseCachePrefix unix:\n" % sock).start()
    try:
        path = unique("/api/dashboard")
        assert h.get(path).headers["X-Cache"] == "MISS"
        assert h.get(path).headers["X-Cache"] == "HIT"
        body = h.get("/api/health/cache").json()["data"]
        assert body["backend"] == "redis" and body["fallbacks"] == 0
    finally:
        h.stop()


def test_shared_memory_holds_many_entries_at_its_smallest_size(stack):
    """The smallest size the directive accepts starts (shmcb lays its index
    out for answers of a few KB) and keeps hundreds of answers: keys are
    spread over all of its sub-caches."""
    h = stack.httpd("shm-small", extra_conf="MarketPulseRedis off\n"
                    "MarketPulseCacheShmSize 1048576\n").start()
    try:
        # 1 MB: 8 sub-caches of 31 slots; a miss takes two (lock, entry)
        paths = [unique("/api/products?limit=1") for _ in range(80)]
        for p in paths:
            assert h.get(p).headers["X-Cache"] == "MISS"
        hits = sum(h.get(p).headers["X-Cache"] == "HIT" for p in paths)
        assert hits >= 76, hits
    finally:
        h.stop()


def test_a_hit_never_skips_validation(api):
    path = unique("/api/products?limit=5")
    api.get(path)
    assert api.get(path).headers["X-Cache"] == "HIT"
    r = api.get(path + "&limit=10")                 # repeated: a 422
    assert r.status_code == 422 and "X-Cache" not in r.headers


def test_a_limit_allowed_elsewhere_is_not_served_here(stack, api):
    wide = stack.httpd("wide", extra_conf="<Location /api>\n"
                       "MarketPulseMaxPageSize 500\n</Location>\n").start()
    try:
        path = unique("/api/products?limit=150")
        assert wide.get(path).status_code == 200     # cached by that host
        assert api.get(path).status_code == 422      # over this host's 100
    finally:
        wide.stop()


@bound_in_time("20 concurrent requests answered within 1.5 s")
def test_waiters_do_not_stall_when_the_filler_has_no_answer(api):
    path = unique("/api/customers/999999999")
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: api.get(path), range(20)))
    assert all(r.status_code == 404 for r in answers)
    assert time.monotonic() - start < 1.5


@bound_in_time("the cache's health asked within the breaker's 2 s after "
               "the answering child's last Redis failure, else it says redis")
def test_a_miss_without_any_backend_keeps_its_etag(stack):
    """Redis configured but unreachable (nothing listens on its port) and
    no mod_socache_shmcb: no backend is left to store in, yet the answer
    still carries its ETag and If-None-Match still gets a 304, whether the
    child tries Redis (and fails) or its breaker has stopped trying."""
    h = stack.httpd("no-backend", env={"MP_NO_SHMCB": "1"},
                    extra_conf="MarketPulseRedis 127.0.0.1:%d\n" % free_port()
                    ).start()
    try:
        assert "MP01201" in h.error_log()        # shmcb is not loaded
        path = unique("/api/dashboard")
        etags = set()
        # three failures in a row open a child's breaker: ask well past that
        for i in range(10):
            r = h.get(path, headers=IDENTITY)
            assert r.status_code == 200
            assert r.headers.get("X-Cache") == "MISS", (i, dict(r.headers))
            assert "ETag" in r.headers, i
            etags.add(r.headers["ETag"])
            again = h.get(path, headers=dict(IDENTITY, **{
                "If-None-Match": r.headers["ETag"]}))
            assert again.status_code == 304, (i, dict(again.headers))
            assert again.content == b""
        assert len(etags) == 1                   # the same bytes each time
        cache = h.get("/api/health/cache").json()["data"]
        assert cache["backend"] == "off" and cache["stores"] == 0
    finally:
        h.stop()


def httpd_children(h):
    """The pids of h's children (its parent's pid is in httpd.pid)."""
    with open(os.path.join(h.stack.run_dir, h.name, "httpd.pid")) as f:
        parent = int(f.read().split()[0])
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                        kids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return kids


def tcp_connection(local_port, remote_port):
    """Whether the kernel still has this loopback connection: a socket
    that took a reset is closed and leaves /proc/net/tcp."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, remote = line.split()[1:3]
            if (int(local.split(":")[1], 16) == local_port
                    and int(remote.split(":")[1], 16) == remote_port):
                return True
    return False


@bound_in_time("a child has read the request head within the 0.3 s before "
               "it is stopped")
def test_an_answer_to_a_client_gone_is_not_stored(stack):
    """A client that asked with Expect: 100-continue and reset the
    connection before httpd wrote the 100: writing it fails, httpd marks
    the connection aborted and ap_rwrite writes nothing of the answer, so
    the save filter sees an empty 200.  It must not be stored for the
    next client.  httpd's children are stopped while the rest of the
    request and the reset arrive, and resumed only once the kernel has
    taken the reset (under load a loopback reset can be handled late, and
    the 100 then goes out); Linux still hands over the bytes that came
    before it, so the request is read whole and its 100 fails.  Loopback
    resets still lose that race now and then (about one run in four on 2
    cores): such a run is staged again."""
    h = stack.httpd("gone", extra_conf="MarketPulseCachePrefix gone:\n").start()
    try:
        # the staging races the kernel; a run where the 100 still went out
        # (the whole answer logged) is staged again, on a new path
        for _ in range(5):
            path = unique("/api/dashboard")
            line = request_and_vanish(stack, h, path)
            if ' 200 - ' in line:              # a 200 of which nothing left
                break
        assert ' 200 - ' in line, line
        r = h.get(path)
        assert r.status_code == 200
        assert r.headers["X-Cache"] == "MISS"   # not an empty HIT
        assert r.json()["data"]["total_transactions"] > 0
        assert h.get(path).headers["X-Cache"] == "HIT"
    finally:
        h.stop()


def request_and_vanish(stack, h, path):
    """Asks for path with Expect: 100-continue and resets the connection
    while httpd's children are stopped: the access log line it leaves."""
    # raw bytes: a client gone before its answer (no answer to hold
    # to the document; the next request through the fixture is)
    s = socket.create_connection(("127.0.0.1", h.port), timeout=5)
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Expect: 100-continue\r\nContent-Length: 1\r\n"
               % path).encode())
    time.sleep(0.3)              # a child reads and waits for the rest
    kids = httpd_children(h)
    assert kids
    for pid in kids:
        os.kill(pid, signal.SIGSTOP)
    try:
        s.sendall(b"\r\nZ")
        client_port = s.getsockname()[1]
        assert tcp_connection(h.port, client_port)
        # close with a reset (linger 0), not a FIN
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()
        assert wait_until(lambda: not tcp_connection(h.port, client_port),
                          timeout=5, step=0.01)
    finally:
        for pid in kids:
            os.kill(pid, signal.SIGCONT)
    access = os.path.join(stack.run_dir, h.name, "access.log")

    def logged():
        with open(access) as f:
            return [line for line in f if path in line]
    assert wait_until(logged, timeout=5)
    return logged()[0]


def test_a_waiter_takes_the_fill_of_its_own_generation(stack, api):
    """A miss waiting for another request's fill takes that answer when
    it is of the generation the waiter read when it began, even though an
    invalidation moved the generation on meanwhile: it is as fresh as a
    hit would have been then (under a stream of writes, waiters would
    otherwise all go to the database when the lock goes)."""
    path = fresh("/api/dashboard")
    lock = stack.connect()
    lock.autocommit = False
    lock.cursor().execute("LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE")
    answers = {}

    def get(name):
        answers[name] = api.get(path, timeout=10)

    filler = threading.Thread(target=get, args=("filler",))
    waiter = threading.Thread(target=get, args=("waiter",))
    try:
        filler.start()                 # takes the fill lock, then waits
        time.sleep(0.3)
        waiter.start()                 # finds the lock: waits for the fill
        time.sleep(0.3)
        cleared = api.request("POST", "/api/admin/cache/clear")
        assert cleared.status_code == 200, cleared.text
    finally:
        lock.rollback()                # the filler's statement runs now
        lock.close()
        filler.join(10)
        waiter.join(10)
    assert answers["filler"].headers["X-Cache"] == "MISS"
    assert answers["waiter"].headers["X-Cache"] == "HIT"
    assert answers["waiter"].json() == answers["filler"].json()
    # the next request reads the new generation: a miss again
    assert api.get(path).headers["X-Cache"] == "MISS"
